"""The report layer: tables, figures, hypotheses and the book, built from results files.

Modules
-------
results
    Reading a profile's results files into tables.
networks
    One row per trained network with every measure of the registry.
tables
    The paper's Tables 1, 2 and 5 beside ours, and the KS marks.
replication
    The results page: the paper's tables and figures beside ours.
hypotheses
    The paper's eight hypotheses judged on the results.
followup, population, depth, claims
    The follow-up paper's analyses, population model, depth view and claims.
benchmark
    The label-noise detector benchmark, with its controls.
zoo
    The model zoo's scores, with their controls.
clean
    The clean-label dose-response at fixed architecture.
noise
    The label-noise networks at adjacent levels and matched fit.
matched
    Networks that fit shuffled labels against networks that fit clean ones, at equal training fit.
courses
    The indicators while networks train; at the switch to shuffled labels; the recording's validation samples.
scorecard
    The papers' indicators test by test.
monitor
    The online monitor replayed on recorded runs.
scores
    The scores that judge a measure (granulated and stratified tau, sign errors, held-out groups).
pgdl
    The PGDL competition's conditional-mutual-information score.
audit
    The page audit: what a reader must never meet in the built book.
layout
    The built book in headless Chromium at 1300 and 390 px: what is cut off or runs off the screen.
show
    ``spikelib show``: a cell's or a profile's headline results in the terminal.
resampling
    Bootstrap intervals of rank statistics for every resample at once.
labels
    The one name a reader sees for each column, condition, model and network.
render
    Tables, captions and numbers as the book renders them.
plots
    The figures, by chapter.
pages
    The registry of the book's profiles and pages, and its table of contents.
book
    Executing the analysis notebooks and building the Jupyter Book.
crate
    The compendium's RO-Crate and CodeMeta metadata, written at each build.

The report reads results files and imports no training code (a test checks
that it works with TensorFlow and Keras made unimportable).
"""
