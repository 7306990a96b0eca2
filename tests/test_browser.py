"""The report in a real browser: headless Chromium (Debian's ``chromium``) driven by playwright.

Every page of one demo report (index and every chapter), plus a stale-data and a failed-chapter
variant of chapter 01, is opened from disk (``file://``) exactly as a reader on a file share
would, and checked for:

- no console error and no uncaught script error;
- no network request: every request that is not ``file://`` or ``data:`` is counted (and
  aborted), and must be zero;
- every link and anchor resolves: relative hrefs exist on disk, ``#anchors`` exist in the page
  they point into; no absolute (internet) links;
- every figure renders (``naturalWidth > 0``) and has alt text;
- one ``<h1>``, no skipped heading levels; nothing wider than a phone screen;
- phone (390 px) and laptop (1366 px): no element sticks out of the viewport unless it is inside a
  box that scrolls sideways; figure text at least 9 CSS px on the phone (rendered width / pixel
  width × the figures' font size at their dpi, both read from ``plots.py``); every table or figure
  wider than its column scrolls in a focusable, named box that says it scrolls;
- keyboard: every focus ring has at least 3:1 contrast against what is next to it (the element's
  own background and what lies just outside the ring), computed from computed styles;
- print: navigation hidden, figures kept, a PDF comes out; in that PDF every page carries the
  page's data status at the top and ``pagina N van M``, and no figure is split over two pages
  (read back with a small reader for what Chromium writes; no PDF library needed).

Screenshots for people to look at: every page is saved as a full-page PNG in
``outputs/.intern/<gemeente>/<run>/screenshots/<page>.png`` and copied to the stable folder
``outputs/screenshots/`` in the project (override with ``VA_SCREENSHOTS=/some/folder``);
the variants are ``01_criminaliteit__verouderd.png`` and ``01_criminaliteit__mislukt.png``, the
print view ``01_criminaliteit__print.png`` (+ ``.pdf``), the index at phone width
``index__smal.png`` (390 px) and at laptop width ``index__breed.png`` (1366 px).

Playwright never downloads a browser here: it is pointed at the system Chromium. Without one the
tests are skipped (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from chromium import CHROMIUM, LAUNCH_ARGS
from veiligheidsanalyse.paths import intern_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # every page in chromium, ~2 min: make test-all, CI

ROOT = Path(__file__).resolve().parents[1]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
MIN_FIGURE_TEXT_PX = 9
STABLE_SCREENSHOTS = Path(os.environ.get("VA_SCREENSHOTS", ROOT / "outputs" / "screenshots"))

FACTS_JS = """
() => ({
  lang: document.documentElement.lang,
  title: document.title,
  images: [...document.images].map(i => ({src: i.currentSrc.slice(0, 30), complete: i.complete,
      width: i.naturalWidth, alt: i.getAttribute('alt'), inFigure: !!i.closest('figure')})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1])),
  text: document.body.innerText,
})
"""

# At one viewport width: what sticks out sideways (outside a box that scrolls), how large figure text is
# drawn, and whether everything wider than its place scrolls in a focusable, named box that says so.
LAYOUT_JS = r"""
(imagePixelsPerFontSize) => {
  const vw = document.documentElement.clientWidth;
  const scroller = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return p; } return null; };
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.classList.length ? '.' + [...e.classList].join('.') : '');
  const sticking = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    if ((r.right > vw + 1 || r.left < -1) && !scroller(e))
      sticking.push(`${describe(e)} ${Math.round(r.left)}..${Math.round(r.right)} (viewport ${vw})`);
  }
  const name = e => (e.getAttribute('aria-label') || (e.getAttribute('aria-labelledby') || '').split(' ')
      .map(id => (document.getElementById(id) || {}).textContent || '').join(' ')).trim();
  const wide = [];
  const check = (what, e) => {
    const r = e.getBoundingClientRect(), s = scroller(e);
    if (r.right <= vw + 1 && !(s && s.scrollWidth > s.clientWidth + 1)) return;
    const hint = s ? getComputedStyle(s, '::before') : null;
    wide.push({what, box: s ? describe(s) : null, right: s ? s.getBoundingClientRect().right : r.right,
               focusable: !!s && s.getAttribute('tabindex') === '0', name: s ? name(s) : '',
               says: !!hint && hint.display !== 'none' && hint.content !== 'none' && hint.content !== 'normal'});
  };
  for (const t of document.querySelectorAll('table'))
    check('table ' + ((t.caption || {}).textContent || describe(t)).trim().slice(0, 50), t);
  const figures = [...document.querySelectorAll('figure img')].map(i => {
    const label = ((i.closest('figure').querySelector('.va-fignum') || {}).textContent || i.alt).trim().slice(0, 40);
    check('figure ' + label, i);
    const width = i.getBoundingClientRect().width;
    return {label, natural: i.naturalWidth, rendered: width, textPx: width / i.naturalWidth * imagePixelsPerFontSize};
  });
  return {viewport: vw, overflow: document.documentElement.scrollWidth - vw, sticking, wide, figures};
}
"""

# The focused element's outline against what is next to it: the element's own background, and what is
# painted just outside the ring (the element's own box-shadow halo, else whatever lies behind it there).
FOCUS_RING_JS = r"""
(el) => {
  const rgba = c => { const m = (c || '').match(/rgba?\(([^)]*)\)/); if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const s = getComputedStyle(el);
  const ring = rgba(s.outlineColor), width = parseFloat(s.outlineWidth) || 0, offset = parseFloat(s.outlineOffset) || 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none'
    ? s.boxShadow.match(/(rgba?\([^)]*\))\s+0px\s+0px\s+0px\s+([\d.]+)px/) : null;
  const halo = shadow && parseFloat(shadow[2]) > offset + width ? rgba(shadow[1]) : null;
  const behind = (x, y) => { for (const e of document.elementsFromPoint(x, y)) {
      if (e === el || el.contains(e)) continue; const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
  const r = el.getBoundingClientRect(), d = offset + width + 1;
  // around the part of the element that is on screen (a tall table is only partly in view)
  const midX = (Math.max(r.left, 0) + Math.min(r.right, innerWidth)) / 2;
  const midY = (Math.max(r.top, 0) + Math.min(r.bottom, innerHeight)) / 2;
  const points = [[r.left - d, midY], [r.right + d, midY], [midX, r.top - d], [midX, r.bottom + d]]
    .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
  const own = rgba(s.backgroundColor);
  const against = halo ? [halo] : points.map(([x, y]) => behind(x, y));
  if (own && own[3] > 0.5) against.push(own);
  const text = (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  return {what: `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${text}"`,
          visible: el.matches(':focus-visible'), style: s.outlineStyle, width, ring: s.outlineColor,
          against: against.map(c => `rgb(${c.slice(0, 3).join(', ')})`),
          contrast: ring && against.length ? Math.min(...against.map(c => ratio(ring, c))) : 0};
}
"""

if CHROMIUM is None:
    pytest.skip("no chromium on this machine (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def context():
    """Headless system Chromium, one browser context for the module (no service workers, no downloads)."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(viewport=DESKTOP, service_workers="block", accept_downloads=False)
        yield context
        context.close()
        browser.close()


class Visit:
    """One page opened from disk: what it asked for, said and contains (and its screenshot)."""

    def __init__(self, context, path: Path, shots: list[Path], name: str | None = None, phone_shot: bool = False):
        self.path = path
        self.name = name or path.stem
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page = context.new_page()
        page.set_viewport_size(DESKTOP)
        page.route(re.compile(r"^(?!file:|data:)"), self._block)  # nothing may leave the machine
        page.on("request", self._request)
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function("[...document.images].every(i => i.complete)", timeout=10_000)
        self.facts = page.evaluate(FACTS_JS)
        self.page = page
        self._shoot(shots, self.name)
        # the same page on a phone and on a laptop: nothing may stick out sideways
        self.layout = {}
        for label, size in (("smal", PHONE), ("breed", LAPTOP)):
            page.set_viewport_size(size)
            # scroll-state container queries (the "it scrolls" hints) take effect a frame after layout
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            self.layout[label] = page.evaluate(LAYOUT_JS, figure_text_image_px())
            if phone_shot:
                self._shoot(shots, f"{self.name}__{label}")
        self.phone_overflow = self.layout["smal"]["overflow"]
        page.set_viewport_size(DESKTOP)

    def _shoot(self, shots: list[Path], name: str) -> None:
        if not shots:
            return
        for folder in shots:
            folder.mkdir(parents=True, exist_ok=True)
        first = shots[0] / f"{name}.png"
        self.page.screenshot(path=str(first), full_page=True)
        for folder in shots[1:]:
            shutil.copy(first, folder / first.name)

    def _request(self, request) -> None:
        if not request.url.startswith(("file:", "data:")):
            self.requests.append(request.url)

    def _block(self, route) -> None:
        self.requests.append(route.request.url)
        route.abort()

    def close(self) -> None:
        self.page.close()


def figure_text_image_px() -> float:
    """Height in image pixels of the figures' text: their font size (pt) / 72 × dpi, as plots.py draws them."""
    from veiligheidsanalyse import plots

    return float(plots.plt.rcParams["font.size"]) / 72 * plots.DPI


def focus_ring_problems(page, name: str, limit: int = 400) -> tuple[int, list[str]]:
    """Tab through the page as a keyboard user does: every focused element shows a ring of at least
    2 px with 3:1 contrast against what is next to it. Returns (elements focused, problems)."""
    problems, seen = [], 0
    # start from the top of the page, wherever a click or #anchor left the keyboard
    page.evaluate("""() => { const start = document.createElement('span'); start.id = 'va-test-start';
        start.tabIndex = -1; document.body.prepend(start); start.focus(); window.scrollTo(0, 0); }""")
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = page.evaluate_handle("document.activeElement")
        if page.evaluate("e => !e || e === document.body", element):
            break
        ring = page.evaluate(FOCUS_RING_JS, element)
        seen += 1
        if not ring["visible"] or ring["style"] in ("none", "hidden") or ring["width"] < 2:
            problems.append(f"{name}: {ring['what']}: no visible focus ring ({ring['style']} {ring['width']}px)")
        elif ring["contrast"] < 3:
            problems.append(
                f"{name}: {ring['what']}: ring {ring['ring']} has {ring['contrast']:.2f}:1 against "
                f"{', '.join(ring['against']) or 'nothing measured'}"
            )
    page.evaluate("() => document.getElementById('va-test-start').remove()")
    return seen, problems


def pdf_pages(data: bytes) -> list[dict]:
    """Text and images of each page of a PDF as Chromium (Skia) writes it: just enough PDF to read it back.

    Objects are found with a regex (Skia writes no object streams), streams are inflated, text is decoded
    through each font's ToUnicode map, and form XObjects (Chromium draws the @page margin boxes as such)
    are followed from the page's content. Returns per page its ``text`` and ``images`` (the object
    numbers of the images it draws).
    """
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S):
        body, stream = match.group(2), None
        found = re.search(rb"stream\r?\n(.*)\r?\nendstream", body, re.S)
        if found:
            stream, body = found.group(1), body[: found.start()]
            if b"/FlateDecode" in body:
                stream = zlib.decompressobj().decompress(stream)
        objects[int(match.group(1))] = (body, stream)

    def ref(text: bytes, key: bytes) -> int | None:
        found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", text)
        return int(found.group(1)) if found else None

    def names(text: bytes, key: bytes) -> dict[bytes, int]:
        """/Key <</Name 12 0 R ...>> or /Key 12 0 R -> {name: object number}."""
        found = re.search(rb"/" + key + rb"\s*<<(.*?)>>", text, re.S)
        inner = found.group(1) if found else objects.get(ref(text, key), (b"", None))[0]
        return {k: int(v) for k, v in re.findall(rb"/([\w.+-]+)\s+(\d+) 0 R", inner)}

    cmaps: dict[int, dict[int, str]] = {}

    def cmap(font: int) -> dict[int, str]:
        if font not in cmaps:
            table: dict[int, str] = {}
            text = objects.get(ref(objects.get(font, (b"", None))[0], b"ToUnicode"), (b"", b""))[1] or b""
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
                for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
                for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                        table[code] = chr(int(dst, 16) + i)
            cmaps[font] = table
        return cmaps[font]

    def draw(content: bytes, resources: bytes, images: set[int], depth: int = 0) -> str:
        fonts, xobjects = names(resources, b"Font"), names(resources, b"XObject")
        out, font = [], None
        for op in re.finditer(
            rb"/([\w.+-]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f\s]*)>|/([\w.+-]+)\s+Do|\b(T\*|Td|TD|ET)\b", content
        ):
            if op.group(1):
                font = fonts.get(op.group(1))
            elif op.group(2) is not None and font is not None:
                hexa, table = re.sub(rb"\s", b"", op.group(2)).decode(), cmap(font)
                step = 4 if len(hexa) % 4 == 0 else 2
                out.append("".join(table.get(int(hexa[i : i + step], 16), "") for i in range(0, len(hexa), step)))
            elif op.group(3):
                number = xobjects.get(op.group(3))
                head, stream = objects.get(number, (b"", None))
                if b"/Image" in head:
                    images.add(number)
                elif b"/Form" in head and stream is not None and depth < 5:
                    out.append(" " + draw(stream, head, images, depth + 1) + " ")
            elif op.group(4):
                out.append(" ")
        return "".join(out)

    pages = []
    for _number, (body, _stream) in sorted(objects.items()):
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        contents = re.search(rb"/Contents\s*(\[.*?\]|\d+ 0 R)", body, re.S)
        parts = [int(x) for x in re.findall(rb"(\d+) 0 R", contents.group(1))] if contents else []
        resources = objects[ref(body, b"Resources")][0] if ref(body, b"Resources") else body
        images: set[int] = set()
        text = "".join(draw(objects[c][1] or b"", resources, images) for c in parts if c in objects)
        pages.append({"text": text, "images": images})
    return pages


def squeeze(text: str) -> str:
    """Text without white space (the PDF places glyphs one by one: its spaces are not reliable)."""
    return re.sub(r"\s+", "", text)


def print_problems(pdf: bytes, status: list[str], name: str, figures: bool = True) -> list[str]:
    """Every printed page shows the data status (each of these texts) and 'pagina N van M'; no figure
    is drawn on two pages (and, with ``figures``, there are figures in the PDF)."""
    pages = pdf_pages(pdf)
    problems = [] if len(pages) >= 2 else [f"{name}: expected a PDF of several pages, got {len(pages)}"]
    for n, page in enumerate(pages, start=1):
        text = squeeze(page["text"])
        problems += [f"{name}: printed page {n} does not say {s!r}" for s in status if squeeze(s) not in text]
        if squeeze(f"pagina {n} van {len(pages)}") not in text:
            problems.append(f"{name}: printed page {n} has no page number 'pagina {n} van {len(pages)}'")
    drawn: dict[int, list[int]] = {}
    for n, page in enumerate(pages, start=1):
        for image in page["images"]:
            drawn.setdefault(image, []).append(n)
    problems += [f"{name}: a figure is split over printed pages {on}" for on in drawn.values() if len(on) > 1]
    if figures and not drawn:
        problems.append(f"{name}: no figure found in the PDF")
    return problems


def link_problems(path: Path, facts: dict) -> list[str]:
    """Links that do not resolve: missing files, missing #anchors, links out of the report."""
    problems = []
    own_ids = set(facts["ids"])
    ids_cache: dict[Path, set[str]] = {}
    for href in facts["links"]:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            problems.append(f"{path.name}: link out of the report: {href}")
            continue
        if href == "#" or not href:
            problems.append(f"{path.name}: empty link {href!r}")
            continue
        target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not target.exists():
            problems.append(f"{path.name}: {href} -> missing file {target}")
            continue
        if parts.fragment:
            if target == path:
                ids = own_ids
            else:
                if target not in ids_cache:
                    ids_cache[target] = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
                ids = ids_cache[target]
            if unquote(parts.fragment) not in ids:
                problems.append(f"{path.name}: {href} -> no element with id {parts.fragment!r}")
    return problems


def page_problems(visit: Visit) -> list[str]:
    facts, name = visit.facts, visit.name
    problems = [f"{name}: console error: {e}" for e in visit.console_errors]
    problems += [f"{name}: network request: {u}" for u in visit.requests]
    problems += link_problems(visit.path, facts)
    if facts["lang"] != "nl":
        problems.append(f"{name}: lang={facts['lang']!r}")
    for img in facts["images"]:
        if not img["complete"] or img["width"] <= 0:
            problems.append(f"{name}: image does not render: {img['src']}")
        if not (img["alt"] or "").strip():
            problems.append(f"{name}: image without alt text: {img['src']}")
    headings = facts["headings"]
    if headings.count(1) != 1 or headings[0] != 1:
        problems.append(f"{name}: expected exactly one h1, first: {headings[:3]}")
    for a, b in zip(headings, headings[1:]):
        if b > a + 1:
            problems.append(f"{name}: heading level skipped h{a} -> h{b}")
    for chrome in ("In [", "Out[", "Traceback", "papermill"):
        if chrome in facts["text"]:
            problems.append(f"{name}: notebook chrome visible: {chrome!r}")
    return problems


def report_pages(run: Path) -> list[Path]:
    return [run / "index.html"] + sorted(run.glob("[0-9][0-9]_*.html"))


@pytest.fixture(scope="module")
def screenshot_dirs(demo_run: Path) -> list[Path]:
    return [intern_dir(demo_run) / "screenshots", STABLE_SCREENSHOTS]


@pytest.fixture(scope="module")
def visits(context, demo_run: Path, screenshot_dirs):
    """Every page of the demo report, visited once (screenshots taken on the way)."""
    result = {}
    for path in report_pages(demo_run):
        visit = Visit(context, path, screenshot_dirs, phone_shot=path.name == "index.html")
        visit.close()
        result[path.name] = visit
    return result


def test_every_page_loads_offline_without_errors_and_its_links_resolve(visits):
    assert len(visits) >= 3
    problems = [p for v in visits.values() for p in page_problems(v)]
    assert not problems, "\n".join(problems)


def test_every_figure_renders_with_alt_text(visits):
    figures = 0
    for name, visit in visits.items():
        for img in visit.facts["images"]:
            assert img["inFigure"], (name, "image outside a <figure>")
            assert img["width"] > 0 and len(img["alt"].strip()) > 10, (name, img)
            figures += 1
    assert figures >= 3


def test_every_chapter_is_reachable_from_the_index(visits, demo_run: Path):
    links = set(visits["index.html"].facts["links"])
    for path in report_pages(demo_run)[1:]:
        assert path.name in links, path.name


def test_pages_fit_a_phone_screen(visits):
    wide = [
        f"{name}: {v.phone_overflow}px wider than a phone screen" for name, v in visits.items() if v.phone_overflow > 1
    ]
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("width", ["smal", "breed"])
def test_nothing_sticks_out_sideways_outside_a_scroll_box(visits, width):
    """At 390 px (phone) and 1366 px (laptop) every element stays within the viewport, unless it is in
    a box that scrolls sideways on its own (wide tables and figures)."""
    problems = []
    for name, visit in visits.items():
        layout = visit.layout[width]
        if layout["overflow"] > 1:
            problems.append(f"{name}: the page is {layout['overflow']}px wider than {layout['viewport']}px")
        problems += [f"{name}: sticks out: {s}" for s in layout["sticking"][:5]]
    assert not problems, "\n".join(problems)


def test_figure_text_is_at_least_9px_on_a_phone(visits):
    """Rendered width / pixel width × the figures' text height in image pixels (font size at their dpi,
    from plots.py) is the size of figure text on screen: at least 9 CSS px at 390 px."""
    figures, small = 0, []
    for name, visit in visits.items():
        for figure in visit.layout["smal"]["figures"]:
            figures += 1
            if figure["textPx"] < MIN_FIGURE_TEXT_PX - 0.01:
                small.append(
                    f"{name}: {figure['label']}: text {figure['textPx']:.1f}px (image {figure['natural']}px "
                    f"wide shown at {figure['rendered']:.0f}px)"
                )
    assert figures >= 3
    assert not small, "\n".join(small)


@pytest.mark.parametrize("width", ["smal", "breed"])
def test_what_is_wider_than_its_column_scrolls_in_a_focusable_named_box_that_says_so(visits, width):
    """Tables and figures wider than the screen (or their column) are in a box that scrolls sideways,
    stays inside the viewport, can be reached with the keyboard (tabindex=0), has a name for screen
    readers and shows that it scrolls (its hint line is displayed)."""
    problems, wide = [], 0
    for name, visit in visits.items():
        viewport = visit.layout[width]["viewport"]
        for item in visit.layout[width]["wide"]:
            wide += 1
            where = f"{name}: {item['what']}"
            if not item["box"]:
                problems.append(f"{where}: wider than the screen and not in a box that scrolls")
                continue
            if item["right"] > viewport + 1:
                problems.append(f"{where}: its scroll box {item['box']} itself is wider than the screen")
            if not item["focusable"]:
                problems.append(f"{where}: its scroll box {item['box']} is not focusable (tabindex=0)")
            if not item["name"]:
                problems.append(f"{where}: its scroll box {item['box']} has no accessible name")
            if not item["says"]:
                problems.append(f"{where}: its scroll box {item['box']} does not say that it scrolls")
    if width == "smal":
        assert wide >= 3, "expected wide tables and figures on a phone"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page_name", ["index.html", "01_criminaliteit.html"])
def test_focus_ring_has_3_to_1_contrast_against_its_surroundings(context, demo_run: Path, page_name):
    """Every element reached with Tab shows a focus ring with at least 3:1 contrast against the page
    behind it and against the element itself (computed styles; WCAG 1.4.11)."""
    visit = Visit(context, demo_run / page_name, [])
    visit.page.set_viewport_size(LAPTOP)
    seen, problems = focus_ring_problems(visit.page, page_name)
    visit.close()
    assert seen >= 10, f"only {seen} elements reached with Tab"
    assert not problems, "\n".join(problems)


def printed_status(page) -> list[str]:
    """What the printed header must say: the title of each banner on the page and its data badge."""
    return page.evaluate("""() => [...document.querySelectorAll('.va-banner-title')]
        .map(t => t.textContent.trim().replace(/\\.$/, ''))
        .concat(['Gegevens: ' + document.querySelector('.va-header .va-status').textContent.trim()])""")


def test_every_printed_page_has_the_data_status_and_a_page_number(context, demo_run: Path):
    """Each page of the report printed to PDF: every sheet carries the banners' titles and the data
    badge (demodata, voorbeeldgegevens, ...) and 'pagina N van M'; no figure is split over two sheets."""
    problems, sheets, said = [], 0, set()
    for path in report_pages(demo_run):
        visit = Visit(context, path, [])
        page = visit.page
        page.emulate_media(media="print")
        status = printed_status(page)
        said.update(status)
        if not page.evaluate(
            "[...document.querySelectorAll('figure')].every(f => getComputedStyle(f).breakInside === 'avoid')"
        ):
            problems.append(f"{path.name}: a figure may break across printed pages (break-inside)")
        pdf = page.pdf(format="A4", print_background=True)
        sheets += len(pdf_pages(pdf))
        problems += print_problems(pdf, status, path.name, figures=page.locator("figure img").count() > 0)
        visit.close()
    assert "Demodata" in said, said  # the demo report says so on paper
    assert sheets > len(report_pages(demo_run))
    assert not problems, "\n".join(problems)


def test_print_view_hides_navigation_and_keeps_figures(context, demo_run: Path, screenshot_dirs):
    path = demo_run / "01_criminaliteit.html"
    visit = Visit(context, path, [])
    page = visit.page
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.va-nav', '.va-toc', '.va-pager', '.va-skip', '.va-download']
        .map(s => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))""")
    assert all(hidden), hidden
    assert page.evaluate(
        "[...document.querySelectorAll('figure img')].every(i => i.getBoundingClientRect().width > 100)"
    )
    assert page.evaluate("getComputedStyle(document.querySelector('.va-banner')).display") != "none"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    for folder in screenshot_dirs:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "01_criminaliteit__print.png"), full_page=True)
        (folder / "01_criminaliteit__print.pdf").write_bytes(pdf)
    visit.close()


# ----------------------------------------------------------------------------------- banners
def _variant(demo_run: Path, tmp: Path, banners, inject_error: bool, data_label: str, sources=None) -> Path:
    """A copy of the published report with chapter 01 re-exported under other data/run conditions."""
    import nbformat

    from veiligheidsanalyse.report.export import Banner, notebook_body, render_page
    from veiligheidsanalyse.report.jobs import ChapterJob

    folder = tmp / "rapport"
    shutil.copytree(demo_run, folder)
    job = ChapterJob.from_json((intern_dir(demo_run) / "jobs" / "01_criminaliteit.json").read_text(encoding="utf-8"))
    nb = nbformat.read(intern_dir(demo_run) / "notebooks" / "01_criminaliteit.ipynb", as_version=4)
    if inject_error:
        code = [c for c in nb.cells if c.cell_type == "code" and c.outputs]
        code[2].outputs.append(
            nbformat.v4.new_output(
                "error",
                ename="RuntimeError",
                evalue="kapot voor de test",
                traceback=["\x1b[31mTraceback (most recent call last)\x1b[0m", "RuntimeError: kapot voor de test"],
            )
        )
        for cell in code[3:]:
            cell.outputs = []
    context = job.page.context(
        job.title,
        "01_criminaliteit",
        banners=[Banner(**b) for b in banners],
        sources=sources,
        data_label=data_label,
        data_kind="",
    )
    target = folder / "01_criminaliteit.html"
    target.write_text(render_page(notebook_body(nb), context), encoding="utf-8")
    return target


# The first figure of a page: its rendered size, and whether it is shown over the whole screen.
ZOOM_JS = r"""
(figureId) => {
  const fig = document.getElementById(figureId), img = fig.querySelector('img'), r = img.getBoundingClientRect();
  const zoom = fig.querySelector('.va-zoom'), z = zoom.getBoundingClientRect();
  const close = zoom.querySelector('.va-zoom-close');
  return {hash: location.hash, width: r.width, natural: img.naturalWidth, fixed: getComputedStyle(zoom).position,
          covers: z.left <= 0 && z.top <= 0 && z.right >= innerWidth && z.bottom >= innerHeight,
          close: getComputedStyle(close).display !== 'none' ? close.textContent : null,
          atClose: document.elementFromPoint(close.getBoundingClientRect().left + 5,
                                             close.getBoundingClientRect().top + 5) === close};
}
"""


def test_tapping_a_figure_on_a_phone_shows_it_at_full_size(context, demo_run: Path):
    """At 390 px a figure is shrunk to its scroll box; a tap shows the same image at its full pixel size
    over the whole screen (no script, nothing fetched), and "Sluiten" brings the page back."""
    phone = context.browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, service_workers="block")
    page = phone.new_page()
    requests = []
    page.route(re.compile(r"^(?!file:|data:)"), lambda route: (requests.append(route.request.url), route.abort()))
    page.goto((demo_run / "01_criminaliteit.html").as_uri(), wait_until="load")
    figure_id = page.evaluate("document.querySelector('figure.va-figure').id")
    before = page.evaluate(ZOOM_JS, figure_id)
    assert before["close"] is None and before["width"] < before["natural"] * 0.9, before
    link = page.locator(f"#{figure_id} a.va-zoom-open")
    assert "vergroten" in link.inner_text()  # the tap target says what it does, in Dutch
    link.tap()
    page.wait_for_function(f"location.hash === '#groot-{figure_id}'")
    after = page.evaluate(ZOOM_JS, figure_id)
    assert after["fixed"] == "fixed" and after["covers"], after
    assert after["width"] >= after["natural"] - 1 > before["width"] * 1.5, (before, after)
    assert after["close"] and "Sluiten" in after["close"] and after["atClose"], after
    page.locator(f"#{figure_id} a.va-zoom-close").tap()
    page.wait_for_function(f"location.hash === '#{figure_id}'")
    closed = page.evaluate(ZOOM_JS, figure_id)
    assert closed["close"] is None and abs(closed["width"] - before["width"]) < 1, closed
    assert not requests, requests
    phone.close()


def test_stale_data_banner_and_header_show_the_snapshot_date(context, demo_run: Path, tmp_path: Path, screenshot_dirs):
    sources = [
        "Politie 47013NED — Geregistreerde misdrijven; opgehaald 2026-06-03, tabel bijgewerkt 2026-05-15",
        "CBS 03759ned — Bevolking; opgehaald 2026-07-01, tabel bijgewerkt 2026-06-30",
    ]
    banner = {
        "kind": "stale",
        "title": "Niet actueel.",
        "text": "Niet actueel: het ophalen van verse gegevens is mislukt (time-out). Dit rapport gebruikt "
        "eerder opgehaalde gegevens: 47013NED van 3 juni 2026.",
    }
    path = _variant(demo_run, tmp_path, [banner], False, "verouderde kopie", sources)
    visit = Visit(context, path, screenshot_dirs, name="01_criminaliteit__verouderd")
    assert not page_problems(visit), page_problems(visit)
    assert visit.page.locator(".va-banner-stale").is_visible()
    assert "niet actueel: gegevens van 3 juni 2026" in visit.page.locator(".va-header").inner_text()
    # on paper too: every sheet says the data are not current
    visit.page.emulate_media(media="print")
    status = printed_status(visit.page)
    assert status == ["Niet actueel", "Gegevens: niet actueel: gegevens van 3 juni 2026"], status
    problems = print_problems(visit.page.pdf(format="A4", print_background=True), status, visit.name)
    assert not problems, "\n".join(problems)
    visit.close()


def test_failed_chapter_banner_is_clear_and_points_at_the_error(
    context, demo_run: Path, tmp_path: Path, screenshot_dirs
):
    banners = [
        {
            "kind": "failed",
            "title": "Dit hoofdstuk is niet volledig uitgevoerd.",
            "text": "De plek waar het misging staat hieronder; wat er misging staat in het logboek van de run. "
            "De cijfers op deze pagina zijn onvolledig.",
        }
    ]
    path = _variant(demo_run, tmp_path, banners, True, "DEMODATA")
    visit = Visit(context, path, screenshot_dirs, name="01_criminaliteit__mislukt")
    assert not page_problems(visit), page_problems(visit)
    page = visit.page
    banner = page.locator(".va-banner-failed")
    assert banner.is_visible() and banner.get_attribute("role") == "alert"
    assert "logboek" in banner.inner_text()
    page.locator(".va-banner-failed a[href='#va-fout']").click()
    assert page.locator("#va-fout").is_visible() and "gestopt door een fout" in page.locator("#va-fout").inner_text()
    assert "kapot voor de test" not in page.inner_text("body")  # the exception text stays in the log
    assert "Traceback" not in page.inner_text("body")
    # the banner's link on its red ground: its focus ring still stands out
    seen, problems = focus_ring_problems(page, visit.name)
    assert seen >= 10 and not problems, "\n".join(problems)
    visit.close()
