"""HTML for readers: executed notebook -> one self-contained page in the report's house style.

Two layers:

* the *body*: nbconvert's ``HTMLExporter``, in-process, with our own body template
  ``templates/nbconvert/va_body`` (built on the same display-priority base as nbconvert's ``basic``
  template, which already leaves out require.js, MathJax and the page head). Code, prompts and
  parameter cells are excluded; unlike ``basic`` the template writes no notebook chrome at all (no
  cell or output wrappers, no "In [ ]"/"Out[ ]"), only what a chapter *shows*.
* the *page shell* (``templates/page.html.j2`` + ``style.css``, inlined): report header with
  gemeente, period, run date and data status, skip link, navigation between chapters, table of
  contents, banners (demo data, stale data with the snapshot date, failed chapter), pager and the
  provenance footer. Nothing on the page refers to anything outside the report folder: no request
  leaves the page.

What never reaches a page, by design (decided here, in export, so it holds for every chapter
whatever its notebook does): stderr streams (warnings, log chatter), plain-text reprs such as
``<Figure size ...>``, javascript and widget outputs, papermill's English error cells and
tracebacks. A failed cell shows one short Dutch notice with the exception; the traceback stays in
the executed notebook and the log under ``intern/``.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from ..dates import MONTHS_NL
from ..text import slug
from ..typography import typeset_html
from .adapters.nbconvert import body_exporter_class

REMOVE_TAGS = (
    "parameters",
    "injected-parameters",
    "remove_cell",
    "remove-cell",
    "remove-output",
    "papermill-error-cell-tag",
)
BODY_TEMPLATE = "va_body"
ERROR_ANCHOR = "va-fout"


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
    data_label: str  # the header badge's text, e.g. "actueel, 2 bronnen demo"
    run_id: str
    version: str
    git: str = ""
    banners: list[Banner] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    method_file: str = "99_methode.html"
    # Date of the data snapshot(s) the page rests on (YYYY-MM-DD). When empty, the oldest
    # "opgehaald <date>" in the sources is used.
    data_date: str = ""
    manifest_file: str = "manifest.json"
    data_kind: str = ""  # the badge's kind (ok | stale | demo), from the sources' data status


def _templates_dir():
    return resources.files("veiligheidsanalyse.report").joinpath("templates")


def _exporter_config():
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    config.TagRemovePreprocessor.enabled = True
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    # Validate the notebook once after the preprocessors, not after each of the dozen (most of them
    # disabled): papermill has just written and validated the same notebook.
    config.HTMLExporter.optimistic_validation = True
    return config


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert.preprocessors import TagRemovePreprocessor

    config = _exporter_config()
    exporter = body_exporter_class()(
        config=config,
        template_name=BODY_TEMPLATE,
        extra_template_basedirs=[str(_templates_dir().joinpath("nbconvert"))],
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return exporter


@lru_cache(maxsize=1)
def _page_template():
    import jinja2

    text = _templates_dir().joinpath("page.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    return env.from_string(text)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return resources.files("veiligheidsanalyse.report").joinpath("style.css").read_text(encoding="utf-8")


def notebook_body(nb: Any) -> str:
    """The executed notebook's outputs and markdown as HTML: no code, prompts, parameters or stderr."""
    body, _resources = _exporter().from_notebook_node(nb)
    # markdown2html adds a pilcrow link to every heading: noise for readers.
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.S)
    # Data banners written by the notebook for JupyterLab users: the page shell shows them already.
    body = re.sub(r'<div class="va-banner [^"]*va-inline[^"]*"[^>]*>.*?</div>', "", body, flags=re.S)
    # Only the first error notice keeps the anchor the failed-chapter banner links to.
    first = body.find(f'id="{ERROR_ANCHOR}"')
    if first >= 0:
        head, tail = body[: first + 1], body[first + 1 :]
        body = head + tail.replace(f' id="{ERROR_ANCHOR}"', "")
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip() + "\n"


# ---------------------------------------------------------------------------------------- helpers
def _unique_anchor(text: str, used: set[str]) -> str:
    base = slug(text, empty="sectie")
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


def section_anchor(title: str) -> str:
    """The id :func:`add_toc` gives the first <h2> with this title (for links from other pages)."""
    return _unique_anchor(title, set())


def add_toc(body: str) -> tuple[str, list[dict[str, str]]]:
    """Give every <h2> an id (unique within the page) and return the table of contents (text, id)."""
    toc: list[dict[str, str]] = []
    used: set[str] = set(re.findall(r'\bid="([^"]+)"', body))

    def replace(match: re.Match) -> str:
        attrs, inner = match.group(1), match.group(2)
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        existing = re.search(r'\bid="([^"]+)"', attrs)
        anchor = existing.group(1) if existing else _unique_anchor(text, used)
        toc.append({"id": anchor, "text": html.escape(text)})
        if existing:
            return match.group(0)
        return f'<h2{attrs} id="{anchor}">{inner}</h2>'

    body = re.sub(r"<h2([^>]*)>(.*?)</h2>", replace, body, flags=re.S)
    return body, toc


def split_title(body: str) -> tuple[str | None, str]:
    """(inner HTML of the first <h1>, body without it): the page shell shows the title itself."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, flags=re.S)
    if not match:
        return None, body
    return match.group(1).strip(), body[: match.start()] + body[match.end() :]


def _parse_date(text: str) -> date | None:
    """'2026-11-01', '01-11-2026' or '1 november 2026' -> a date; None for anything else."""
    text = (text or "").strip()
    for pattern, order in ((r"(\d{4})-(\d{2})-(\d{2})", "ymd"), (r"(\d{2})-(\d{2})-(\d{4})", "dmy")):
        m = re.search(pattern, text)
        if m:
            a, b, c = (int(g) for g in m.groups())
            try:
                return date(a, b, c) if order == "ymd" else date(c, b, a)
            except ValueError:
                return None
    m = re.search(r"(\d{1,2}) ([a-z]+) (\d{4})", text)
    if m and m.group(2) in MONTHS_NL:
        try:
            return date(int(m.group(3)), MONTHS_NL.index(m.group(2)) + 1, int(m.group(1)))
        except ValueError:
            return None
    return None


def date_nl(value: str | date | None) -> str:
    """'2026-11-01' or '01-11-2026' -> '1 november 2026'; anything else unchanged."""
    when = value if isinstance(value, date) else _parse_date(value or "")
    if when is None:
        return str(value or "")
    return f"{when.day} {MONTHS_NL[when.month - 1]} {when.year}"


def snapshot_date(page: PageContext) -> date | None:
    """The date of the oldest data snapshot this page rests on."""
    if page.data_date:
        return _parse_date(page.data_date)
    dates = [
        d
        for s in page.sources
        for d in [_parse_date(m) for m in re.findall(r"opgehaald (\d{4}-\d{2}-\d{2}|\d{1,2} [a-z]+ \d{4})", s)]
        if d
    ]
    return min(dates) if dates else None


def data_status(page: PageContext) -> tuple[str, str]:
    """(kind, Dutch text) for the header: demo, stale (with the snapshot date) or current.

    A page made by the runner carries its badge (``data_kind``, ``data_label``) from the data status
    of its own sources; the guesses below are for pages built without it.
    """
    if page.data_kind:
        return page.data_kind, page.data_label
    kinds = {b.kind for b in page.banners}
    label = (page.data_label or "").lower()
    when = snapshot_date(page)
    stand = f" (stand {date_nl(when)})" if when else ""
    if "demo" in kinds or "demo" in label or any("DEMODATA" in source for source in page.sources):
        return "demo", "demodata, niet voor beleid"
    if "stale" in kinds or "verouderd" in label or "niet actueel" in label:
        return "stale", f"niet actueel: gegevens van {date_nl(when)}" if when else "niet actueel"
    return "ok", f"actueel{stand}"


def _banner_text(banner: Banner) -> str:
    """The banner's text without a repeat of its title ("Niet actueel. Niet actueel: ...")."""
    title = banner.title.strip().rstrip(".:").strip().lower()
    text = banner.text.strip()
    if title and text.lower().startswith(title):
        rest = text[len(title) :].lstrip(" .:")
        if rest:
            return rest[0].upper() + rest[1:]
    return text


_FIGURE = re.compile(r'(<figure class="va-figure"[^>]*>)\s*(<img\b[^>]*>)(.*?</figure>)', re.S)


def _png_width(img_tag: str) -> int | None:
    """The image's width in pixels: its width attribute, else the PNG header of its data URL."""
    match = re.search(r'\swidth="(\d+)"', img_tag)
    if match:
        return int(match.group(1))
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/]{32})', img_tag)
    if match:
        head = base64.b64decode(match.group(1))
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            return int.from_bytes(head[16:20], "big")
    return None


def scrollable_figures(body: str) -> str:
    """Put every figure's image in a box of its own that scrolls sideways (``va-figure-scroll``).

    On a narrow screen the stylesheet keeps an image at least 0.6 of its pixel width
    (``--va-png-w``), so that its 10 pt text (110 dpi, see plots.py) stays at least 9 CSS px; the
    image then scrolls inside this box, not the page. The box is focusable and named, so a keyboard
    can scroll it too.

    Tapping the image opens it at its full pixel size over the page (``va-zoom``: a CSS ``:target``
    view, no script, the same inlined image); "Sluiten" or the browser's back button closes it.
    """
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        count += 1
        opening, img, rest = match.groups()
        number = re.search(r'<span class="va-fignum">\s*(.*?)\.?\s*</span>', rest)
        label = html.escape(re.sub(r"<[^>]+>", "", number.group(1)).strip() if number else "Figuur", quote=True)
        found = re.search(r'\sid="([^"]+)"', opening)
        figure_id = found.group(1) if found else f"figuur-{count}"
        if not found:
            opening = opening[:-1] + f' id="{figure_id}">'
        zoom_id = f"groot-{figure_id}"
        width = _png_width(img)
        style = f' style="--va-png-w: {width}"' if width else ""
        return (
            f'{opening}<div class="va-zoom" id="{zoom_id}">'
            f'<a class="va-zoom-close" href="#{figure_id}">Sluiten: terug naar de pagina</a>'
            f'<div class="va-figure-scroll" role="region" tabindex="0" aria-label="{label}, '
            f'schuift opzij op een smal scherm"{style}>'
            f'<a class="va-zoom-open" href="#{zoom_id}">{img}'
            f'<span class="va-zoom-hint">{label} vergroten</span></a></div></div>{rest}'
        )

    return _FIGURE.sub(replace, body)


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for generated content such as the print header)."""
    text = re.sub(r"\s+", " ", text).strip()
    escaped = "".join(c if c.isalnum() or c in " .,:;()–—-/'" else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def print_status(status_text: str, banners: list[Banner]) -> str:
    """The data status for the header of every printed page: the titles of the page's banners
    (demodata, voorbeeldgegevens, niet actueel, a failed chapter) and its data badge."""
    titles = [b.title.strip().rstrip(".") for b in banners if b.title.strip()]
    parts = list(dict.fromkeys(titles)) + [f"Gegevens: {status_text}"]
    return " · ".join(parts)


def render_page(body: str, page: PageContext, with_toc: bool = True) -> str:
    title_html, body = split_title(body)
    body = scrollable_figures(body)
    if title_html is None:
        title_html = html.escape(page.title)
    body, toc = add_toc(body) if with_toc else (body, [])
    chapters = page.chapters
    home = ChapterLink("index", "index.html", "Overzicht", "Overzicht")
    position = next((i for i, c in enumerate(chapters) if c.id == page.current), None)
    previous = following = None
    if page.current == "index":
        following = chapters[0] if chapters else None
    elif position is not None:
        previous = chapters[position - 1] if position > 0 else home
        following = chapters[position + 1] if position + 1 < len(chapters) else None
    method = next((c for c in chapters if c.file == page.method_file and "methode" in c.id), None)
    status_kind, status_text = data_status(page)
    print_header = print_status(status_text, page.banners)
    return typeset_html(
        _page_template().render(
            title=html.escape(page.title),
            title_html=title_html,
            current=page.current,
            chapters=chapters,
            gemeente_naam=html.escape(page.gemeente_naam),
            periode=html.escape(page.periode.replace("-", "–")),
            run_date=html.escape(date_nl(page.run_date)),
            data_label=html.escape(page.data_label),
            status_kind=status_kind,
            status_text=html.escape(status_text),
            banners=[Banner(b.kind, html.escape(b.title), html.escape(_banner_text(b))) for b in page.banners],
            error_anchor=ERROR_ANCHOR if f'id="{ERROR_ANCHOR}"' in body else "",
            toc=toc if len(toc) > 1 else [],
            body=body,
            previous=previous,
            next=following,
            sources=[html.escape(s) for s in page.sources],
            run_id=html.escape(page.run_id),
            version=html.escape(page.version),
            git=html.escape(page.git),
            method=method,
            manifest_file=page.manifest_file,
            css=stylesheet(),
            print_header=_css_string(print_header),
            print_footer=_css_string(f"Veiligheidsanalyse {page.gemeente_naam} – {page.title}"),
        )
    )
