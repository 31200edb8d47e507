"""Parallax: an offline translation and comparison workbench (library core).

The CLI (`parallax`, or `python -m workbench`) and the Streamlit app (`workbench/app/`) are thin shells over
the functions in these modules; nothing here imports Streamlit.
"""

__version__ = "0.1.0"
