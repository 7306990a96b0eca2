"""cbsodata's internals: its one reader that takes $filter/$select, and its module-level session.

``_download_metadata`` is the function every public cbsodata reader goes through; it is the only
one that takes ``$filter``/``$select`` without also downloading every other entity set. cbsodata
makes its HTTP sessions with the module's ``Session`` and chooses http or https by
``options.use_https``: both are swapped for the duration of one call (under a lock: they are
globals), so that our guarded session sends every request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LIBRARY = "cbsodata"
WRITTEN_FOR = "1.3.5"

_LOCK = threading.RLock()  # Session and use_https are module globals: one patched call at a time


def _module() -> Any:
    import cbsodata.cbsodata3 as module

    return module


INTERNALS: dict[str, Callable[[], bool]] = {
    "cbsodata.cbsodata3._download_metadata": lambda: callable(getattr(_module(), "_download_metadata", None)),
    "cbsodata.cbsodata3.Session": lambda: hasattr(_module(), "Session"),
    "cbsodata.cbsodata3.options.use_https": lambda: hasattr(_module().options, "use_https"),
}


def download_metadata(
    table_id: str, entity_set: str, select: list[str] | None, filters: str | None, catalog_url: str
) -> Any:
    """One entity set of a table, with ``$filter``/``$select``."""
    return _module()._download_metadata(table_id, entity_set, select=select, filters=filters, catalog_url=catalog_url)


@contextmanager
def sessions_from(session_class: Callable[[], Any], use_https: bool) -> Iterator[None]:
    """cbsodata's calls inside the block use ``session_class`` and ``use_https``; restored after."""
    module = _module()
    with _LOCK:
        old_session, old_https = module.Session, module.options.use_https
        module.Session = session_class
        module.options.use_https = use_https
        try:
            yield
        finally:
            module.Session = old_session
            module.options.use_https = old_https
