"""nbconvert's HTMLExporter without its BeautifulSoup pass (private: ``_init_resources``, ``_nb_metadata``).

After rendering, ``HTMLExporter.from_notebook_node`` parses the whole page with BeautifulSoup to
give images without ``alt`` an English placeholder and to make ``jp-Cell``/``jp-OutputArea``
wrappers focusable, then serialises it again. Our body template writes no such wrappers and its
images get their ``alt`` (or a Dutch placeholder) from the template itself, so the pass changes
nothing a reader sees, while it took about a third of the export's CPU. The rest of the method is
nbconvert's own (a test checks that the body equals nbconvert's up to that re-serialisation).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable

LIBRARY = "nbconvert"
WRITTEN_FOR = "7.17.2"
# The method copied below, as it was in WRITTEN_FOR (sha256 of its source).
COPIED_SOURCE_SHA256 = "3dccafff45cc4e749766089c7de2f5385ac071e03f4f5a15bfb3b025f54893b9"


def _copied_source_unchanged() -> bool:
    from nbconvert import HTMLExporter

    source = inspect.getsource(HTMLExporter.from_notebook_node)
    return hashlib.sha256(source.encode("utf-8")).hexdigest() == COPIED_SOURCE_SHA256


def _has_private_members() -> bool:
    from nbconvert import HTMLExporter

    return callable(getattr(HTMLExporter, "_init_resources", None)) and hasattr(HTMLExporter(), "_nb_metadata")


INTERNALS: dict[str, Callable[[], bool]] = {
    "HTMLExporter.from_notebook_node (copied without its BeautifulSoup pass)": _copied_source_unchanged,
    "HTMLExporter._init_resources, HTMLExporter._nb_metadata": _has_private_members,
}


def body_exporter_class() -> type:
    """An HTMLExporter whose ``from_notebook_node`` leaves out the BeautifulSoup pass."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class BodyExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return BodyExporter
