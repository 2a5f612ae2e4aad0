"""The pipeline layer: profiles, the resumable runner, notebook execution, the command line.

Modules
-------
profiles
    Grid profiles (``profiles/*.yaml``), validated before anything runs; the one place a cell's
    configuration is built from parameters.
runner
    ``spikelib run``: a profile's cells on Dask, resumable; its options declared once.
notebook
    Executing the jupytext notebooks with papermill.
cli
    The ``spikelib`` command (``spikelib cell``, ``spikelib run``, ``spikelib verify``).
verify
    ``spikelib verify``: a few committed cells rerun from their recorded parameters and compared.
archive
    ``make archive``: the commit, its results and the built book as one file with its checksums.
migrate
    Bringing committed cells up to the current ``metrics.json`` schema without retraining.
speed
    ``make bench``: speed of the statistics and of training.
timings
    ``make timings``: wall and CPU seconds of the install, ``make book`` and ``make test``.
elephant_route
    The Elephant object route, the oracle the statistics are checked against.

Nothing is imported until used: ``import spikelib.pipeline`` loads no
optional package.
"""
