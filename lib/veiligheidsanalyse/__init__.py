"""Veiligheidsanalyse: a reproducible municipal safety analysis (notebooks per chapter, papermill, HTML).

Notebooks use ``open_chapter``; everything else is imported from its own module. The package
import stays light (no pandas, matplotlib or statsmodels here) so kernels start quickly.
"""

__version__ = "0.1.0"


def open_chapter(*args, **kwargs):
    """Open a chapter: validated parameters, the run's data and the presentation helpers."""
    from .chapter import open_chapter as _open

    return _open(*args, **kwargs)


__all__ = ["__version__", "open_chapter"]
