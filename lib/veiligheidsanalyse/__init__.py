"""Veiligheidsanalyse: a reproducible municipal safety analysis (notebooks per chapter, papermill, HTML).

Notebooks use ``open_chapter`` (see :mod:`veiligheidsanalyse.notebook`); everything else is imported
from its own module. The package import stays light (no pandas, matplotlib or statsmodels here) so
kernels start quickly.
"""

__version__ = "0.1.0"


def open_chapter(chapter_id: str, gemeente: str, config: str, run_dir: str = "", store: str = ""):
    """Open a chapter: validated parameters, the run's data and the presentation helpers."""
    from .notebook import open_chapter as _open

    return _open(chapter_id, gemeente=gemeente, config=config, run_dir=run_dir, store=store)


__all__ = ["__version__", "open_chapter"]
