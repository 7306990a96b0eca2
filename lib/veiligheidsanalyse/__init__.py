"""Veiligheidsanalyse: a reproducible municipal safety analysis (notebooks per chapter, papermill, HTML).

Notebooks use ``open_chapter``; everything else is imported from its own module. The package
import stays light (no pandas, matplotlib or statsmodels here) so kernels start quickly.
"""

__version__ = "0.1.0"


def open_chapter(chapter_id: str, gemeente: str, config: str, run_dir: str = "", store: str = ""):
    """Open a chapter: validated parameters, the run's data and the presentation helpers."""
    from .chapter import open_chapter as _open
    from .chapters import family

    chapter = _open(chapter_id, gemeente=gemeente, config=config, run_dir=run_dir, store=store)
    # A run's store is the run's own: the family is kept there for the other chapters. A notebook
    # on its own computes it (its store is rebuilt for whatever configuration it is opened with).
    family.use(chapter.data, chapter.store_dir if store else None)
    return chapter


__all__ = ["__version__", "open_chapter"]
