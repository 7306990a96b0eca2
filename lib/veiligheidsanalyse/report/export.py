"""HTML for readers: executed notebook -> one self-contained page in the report's house style.

nbconvert runs in-process with its ``basic`` template (body only: no require.js, no MathJax, no
notebook chrome), code and prompts excluded, parameter cells dropped. The page shell (header,
navigation between chapters, table of contents, banners, provenance footer) is our own template,
so no request leaves the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

REMOVE_TAGS = ("parameters", "injected-parameters", "remove_cell", "remove-cell")


@dataclass(frozen=True)
class ChapterLink:
    id: str
    file: str
    short: str
    title: str


@dataclass
class Banner:
    kind: str  # demo | stale | failed | info
    title: str
    text: str


@dataclass
class PageContext:
    title: str
    current: str
    chapters: list[ChapterLink]
    gemeente_naam: str
    periode: str
    run_date: str
    data_label: str
    run_id: str
    version: str
    git: str = ""
    banners: list[Banner] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    method_file: str = "99_methode.html"


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.TagRemovePreprocessor.enabled = True
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config, template_name="basic")
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


@lru_cache(maxsize=1)
def _page_template():
    import jinja2

    text = resources.files("veiligheidsanalyse.report").joinpath("templates/page.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    return env.from_string(text)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return resources.files("veiligheidsanalyse.report").joinpath("style.css").read_text(encoding="utf-8")


def notebook_body(nb: Any) -> str:
    """The executed notebook's outputs and markdown as HTML, without code, prompts or parameters."""
    body, _resources = _exporter().from_notebook_node(nb)
    # The basic template wraps cells in a <div> per cell; anchor links add noise for readers.
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.S)
    # Data banners written by the notebook for JupyterLab users: the page shell shows them already.
    body = re.sub(r'<div class="va-banner [^"]*va-inline[^"]*"[^>]*>.*?</div>', "", body, flags=re.S)
    return body


def _slug(text: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "sectie"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


def add_toc(body: str) -> tuple[str, list[dict[str, str]]]:
    """Give every <h2> an id and return the table of contents (text, id)."""
    toc: list[dict[str, str]] = []
    used: set[str] = set()

    def replace(match: re.Match) -> str:
        attrs, inner = match.group(1), match.group(2)
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        existing = re.search(r'id="([^"]+)"', attrs)
        anchor = existing.group(1) if existing else _slug(text, used)
        used.add(anchor)
        toc.append({"id": anchor, "text": text})
        if existing:
            return match.group(0)
        return f'<h2{attrs} id="{anchor}">{inner}</h2>'

    body = re.sub(r"<h2([^>]*)>(.*?)</h2>", replace, body, flags=re.S)
    return body, toc


def render_page(body: str, page: PageContext, with_toc: bool = True) -> str:
    body, toc = add_toc(body) if with_toc else (body, [])
    chapters = page.chapters
    position = next((i for i, c in enumerate(chapters) if c.id == page.current), None)
    previous = chapters[position - 1] if position not in (None, 0) else None
    following = chapters[position + 1] if position is not None and position + 1 < len(chapters) else None
    if page.current == "index" and chapters:
        following = chapters[0]
    return _page_template().render(
        title=html.escape(page.title), current=page.current, chapters=chapters, gemeente_naam=html.escape(page.gemeente_naam),
        periode=html.escape(page.periode), run_date=page.run_date, data_label=html.escape(page.data_label),
        banners=[Banner(b.kind, html.escape(b.title), html.escape(b.text)) for b in page.banners],
        toc=toc if len(toc) > 1 else [], body=body, previous=previous, next=following,
        sources=[html.escape(s) for s in page.sources], run_id=html.escape(page.run_id),
        version=html.escape(page.version), git=html.escape(page.git), method_file=page.method_file, css=stylesheet(),
    )
