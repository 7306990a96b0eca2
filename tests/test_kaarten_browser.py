"""Maps in a real browser: a page with the Kernen and Gebied maps, opened from disk in headless
Chromium, renders them with no request leaving the page and no console error; on a phone the maps
scroll sideways in their own box instead of widening the page. Skipped without chromium or without
the real boundaries in ``../shared``."""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

import pytest

from chromium import CHROMIUM, LAUNCH_ARGS
from conftest import shared_real_data
from veiligheidsanalyse.chapters import kaarten
from veiligheidsanalyse.chapters import page as chapter_module
from veiligheidsanalyse.chapters.page import Chapter
from veiligheidsanalyse.maps import read_boundaries

pytestmark = pytest.mark.browser

REAL = shared_real_data()

if CHROMIUM is None:
    pytest.skip("no chromium on this machine (apt-get install chromium)", allow_module_level=True)
if REAL is None:
    pytest.skip("real extracts in ../shared not present", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

MAPS_JS = """() => [...document.querySelectorAll('figure.va-map')].map(f => {
  const svg = f.querySelector('svg'), box = svg.getBoundingClientRect(), wrap = f.querySelector('.va-map-svg');
  return {width: box.width, height: box.height, title: (svg.querySelector('title') || {}).textContent || '',
          desc: (svg.querySelector('desc') || {}).textContent || '', text: svg.textContent,
          caption: f.querySelector('figcaption').textContent, scrolls: wrap.scrollWidth > wrap.clientWidth,
          overflowX: getComputedStyle(wrap).overflowX,
          legendOver: svg.querySelector('.va-legenda').getBoundingClientRect().right
                      - wrap.getBoundingClientRect().right};
})"""


@pytest.fixture(scope="module")
def map_page(demo_dataset, tmp_path_factory) -> Path:
    """One HTML page (the report's stylesheet, the maps as the chapters write them), on disk."""
    folder = tmp_path_factory.mktemp("kaartpagina")
    kaart = REAL / "cbs-wijkbuurtkaart"
    by_level = {
        "wijk": read_boundaries(kaart / "drenthe_wijken_2023_rd.geojson", gemeentecode="GM1701", niveau="wijk"),
        "gemeente": read_boundaries(kaart / "nl_gemeenten_2023_rd.geojson", niveau="gemeente"),
        "buurt": [],
    }
    blocks: list[str] = []
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(demo_dataset, "boundaries", lambda niveau: by_level[niveau], raising=False)
        mp.setattr(type(demo_dataset), "boundary_year", property(lambda self: 2023), raising=False)
        mp.setattr(chapter_module, "html_block", blocks.append)
        ch = Chapter(
            id="03_kernen",
            config=demo_dataset.config,
            data=demo_dataset,
            run_dir=folder,
            findings_dir=folder / "f",
            store_dir=folder,
        )
        kaarten.show_wijk_maps(ch)
        kaarten.show_location_map(ch)
    finally:
        mp.undo()
    css = resources.files("veiligheidsanalyse.report").joinpath("style.css").read_text(encoding="utf-8")
    page = folder / "kaarten.html"
    page.write_text(
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Kaarten</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<style>{css}</style></head><body><main class="va-article"><h1>{html.escape("Kaarten")}</h1>'
        + "\n".join(blocks)
        + "</main></body></html>",
        encoding="utf-8",
    )
    return page


def _visit(page_path: Path, viewport: dict):
    requests, errors = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            context = browser.new_context(viewport=viewport, service_workers="block", accept_downloads=False)
            page = context.new_page()
            page.route(
                re.compile(r"^(?!file:|data:)"), lambda route: (requests.append(route.request.url), route.abort())
            )
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else requests.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_path.as_uri(), wait_until="load")
            maps = page.evaluate(MAPS_JS)
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            page.screenshot(path=str(page_path.with_suffix(f".{viewport['width']}.png")), full_page=True)
        finally:
            browser.close()
    return maps, requests, errors, overflow


def test_maps_render_offline_with_title_description_and_attribution(map_page):
    maps, requests, errors, _ = _visit(map_page, {"width": 1280, "height": 900})
    assert not requests, requests
    assert not errors, errors
    assert len(maps) == len(kaarten.MAP_INDICATORS) + 1
    for m in maps:
        assert m["width"] > 300 and m["height"] > 200
        assert m["title"] and len(m["desc"]) > 40
        assert "Bron: Kadaster / CBS 2023" in m["text"] and "Bron: Kadaster / CBS 2023" in m["caption"]
        assert "DEMO" in m["text"] and "DEMO" in m["caption"]
    assert len(map_page.read_bytes()) < 100_000 * len(maps) + 50_000


def test_maps_scroll_in_their_own_box_on_a_phone(map_page):
    maps, requests, errors, overflow = _visit(map_page, {"width": 390, "height": 844})
    assert not requests and not errors
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    assert all(m["scrolls"] and m["overflowX"] == "auto" for m in maps)
    # the legend (under the map) is read without scrolling sideways
    assert all(m["legendOver"] <= 0 for m in maps), [m["legendOver"] for m in maps]
