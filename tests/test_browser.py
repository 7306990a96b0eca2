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
- print: navigation hidden, figures kept, a PDF comes out.

Screenshots for people to look at: every page is saved as a full-page PNG in
``outputs/.intern/<gemeente>/<run>/screenshots/<page>.png`` and copied to the stable folder
``outputs/screenshots/`` in the project (override with ``VA_SCREENSHOTS=/some/folder``);
the variants are ``01_criminaliteit__verouderd.png`` and ``01_criminaliteit__mislukt.png``, the
print view ``01_criminaliteit__print.png`` (+ ``.pdf``) and a phone-width index ``index__smal.png``.

Playwright never downloads a browser here: it is pointed at the system Chromium. Without one the
tests are skipped (``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from veiligheidsanalyse.paths import intern_dir

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")) if p
                 and Path(p).exists()), None)
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
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
        # the same page on a phone: nothing may stick out sideways
        page.set_viewport_size(PHONE)
        self.phone_overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if phone_shot:
            self._shoot(shots, f"{self.name}__smal")
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
    wide = [f"{name}: {v.phone_overflow}px wider than a phone screen" for name, v in visits.items()
            if v.phone_overflow > 1]
    assert not wide, "\n".join(wide)


def test_print_view_hides_navigation_and_keeps_figures(context, demo_run: Path, screenshot_dirs):
    path = demo_run / "01_criminaliteit.html"
    visit = Visit(context, path, [])
    page = visit.page
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.va-nav', '.va-toc', '.va-pager', '.va-skip', '.va-download']
        .map(s => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))""")
    assert all(hidden), hidden
    assert page.evaluate("[...document.querySelectorAll('figure img')].every(i => i.getBoundingClientRect().width > 100)")
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
    import json

    import nbformat

    from veiligheidsanalyse.report.export import Banner, ChapterLink, PageContext, notebook_body, render_page

    folder = tmp / "rapport"
    shutil.copytree(demo_run, folder)
    job = json.loads((intern_dir(demo_run) / "jobs" / "01_criminaliteit.json").read_text(encoding="utf-8"))
    page = job["page"]
    nb = nbformat.read(intern_dir(demo_run) / "notebooks" / "01_criminaliteit.ipynb", as_version=4)
    if inject_error:
        code = [c for c in nb.cells if c.cell_type == "code" and c.outputs]
        code[2].outputs.append(nbformat.v4.new_output(
            "error", ename="RuntimeError", evalue="kapot voor de test",
            traceback=["\x1b[31mTraceback (most recent call last)\x1b[0m", "RuntimeError: kapot voor de test"]))
        for cell in code[3:]:
            cell.outputs = []
    context = PageContext(
        title=page["title"], current="01_criminaliteit", chapters=[ChapterLink(**c) for c in page["chapters"]],
        gemeente_naam=page["gemeente_naam"], periode=page["periode"], run_date=page["run_date"],
        data_label=data_label, run_id=page["run_id"], version=page["version"], git=page.get("git", ""),
        banners=[Banner(**b) for b in banners], sources=sources or page["default_sources"],
        method_file=page["method_file"])
    target = folder / "01_criminaliteit.html"
    target.write_text(render_page(notebook_body(nb), context), encoding="utf-8")
    return target


def test_stale_data_banner_and_header_show_the_snapshot_date(context, demo_run: Path, tmp_path: Path, screenshot_dirs):
    sources = ["Politie 47013NED — Geregistreerde misdrijven; opgehaald 2026-06-03, tabel bijgewerkt 2026-05-15",
               "CBS 03759ned — Bevolking; opgehaald 2026-07-01, tabel bijgewerkt 2026-06-30"]
    banner = {"kind": "stale", "title": "Niet actueel.",
              "text": "Niet actueel: het ophalen van verse gegevens is mislukt (time-out). Dit rapport gebruikt "
                      "eerder opgehaalde gegevens: 47013NED van 3 juni 2026."}
    path = _variant(demo_run, tmp_path, [banner], False, "verouderde kopie", sources)
    visit = Visit(context, path, screenshot_dirs, name="01_criminaliteit__verouderd")
    assert not page_problems(visit), page_problems(visit)
    assert visit.page.locator(".va-banner-stale").is_visible()
    assert "niet actueel: gegevens van 3 juni 2026" in visit.page.locator(".va-header").inner_text()
    visit.close()


def test_failed_chapter_banner_is_clear_and_points_at_the_error(context, demo_run: Path, tmp_path: Path, screenshot_dirs):
    banners = [{"kind": "failed", "title": "Dit hoofdstuk is niet volledig uitgevoerd.",
                "text": "De plek waar het misging staat hieronder; wat er misging staat in het logboek van de run. "
                        "De cijfers op deze pagina zijn onvolledig."}]
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
    visit.close()
