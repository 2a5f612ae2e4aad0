"""The report layer: tables, figures, hypotheses and the book, built from results files.

Modules
-------
results
    Reading a profile's results into tables.
tables
    The paper's Tables 1, 2 and 5 beside ours, and the KS marks.
hypotheses
    The paper's eight hypotheses judged on the results.
plots
    The paper's figures.
book
    Executing the analysis notebooks and building the Jupyter Book.

The report reads results files and imports no training code (a test checks
that it works with TensorFlow and Keras made unimportable).
"""
