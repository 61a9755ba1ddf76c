"""Shared code for the reproducible analysis of the Verzamelbrief inburgering (Q1 2023).

Modules are imported lazily by the notebooks that need them:

- :mod:`verzamelbrief.paths`: project folders as ``pathlib`` constants
- :mod:`verzamelbrief.catalogue`: the raw-data catalogue, validation and loading
- :mod:`verzamelbrief.params`: checking papermill parameters
- :mod:`verzamelbrief.fmt`: Dutch number, percentage and date formats (Babel)
- :mod:`verzamelbrief.plotting`: the shared plot style and deterministic SVG output
- :mod:`verzamelbrief.outputs`: atomic writing of processed tables, figures and text
- :mod:`verzamelbrief.run`: executing notebooks with papermill
- :mod:`verzamelbrief.render`: the offline Quarto-compatible report renderer
"""

__version__ = "0.4.0"  # the same as pyproject.toml (tests/test_habits.py checks)
