"""The pipeline layer: profiles, the resumable runner, notebook execution, the command line.

Modules
-------
profiles
    Grid profiles (``profiles/*.yaml``), validated before anything runs.
runner
    ``spikelib run``: a profile's cells on Dask, resumable.
notebook
    Executing the jupytext notebooks with papermill.
cli
    The ``spikelib`` command (``spikelib cell``, ``spikelib run``).
speed
    ``make bench``: speed of the statistics and of training (the detector benchmark,
    which scores indicators, is :mod:`spikelib.report.benchmark`).

Nothing is imported until used: ``import spikelib.pipeline`` loads no
optional package.
"""
