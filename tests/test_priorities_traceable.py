"""A raadslid can trace every proposed priority: its size, the evidence for and against, and a link
to the place on the chapter page where the figures are; the chapter page says which priority its
indicators support."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from veiligheidsanalyse.paths import intern_dir
from veiligheidsanalyse.report.index import figures_link

pytestmark = pytest.mark.e2e


def _records(run: Path) -> list[dict]:
    return json.loads((intern_dir(run) / "findings" / "90_synthese.json").read_text(encoding="utf-8"))["priorities"]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _place_of(page_html: str, anchor: str) -> str:
    """The text from an anchor to the next section heading: the table or figure it marks."""
    start = page_html.index(f'id="{anchor}"')
    following = page_html[start:]
    end = following.find("<h2", 1)
    return _text(following if end < 0 else following[:end])


def test_the_demo_has_priorities_to_trace(demo_run: Path):
    assert len(_records(demo_run)) >= 1


def test_every_priority_on_the_index_says_how_big_and_links_to_its_figures(demo_run: Path):
    index = (demo_run / "index.html").read_text(encoding="utf-8")
    block = index[index.index('<ul class="va-priorities">') :]
    for record in _records(demo_run):
        assert record["omvang"] and all(re.search(r"\d", s) for s in record["omvang"])  # counts and rates
        assert record["cijfers"], record["titel"]  # at least one place to look
        assert html.escape(record["titel"]) in block
        for item in record["cijfers"]:
            href = item["href"]
            assert f'href="{html.escape(href, quote=True)}"' in block
            page, _, anchor = href.partition("#")
            target = (demo_run / page).read_text(encoding="utf-8")
            assert anchor and f'id="{anchor}"' in target, href
            assert item["label"] in _place_of(target, anchor), (href, item["label"])


def test_each_chapter_page_marks_the_priorities_its_indicators_support(demo_run: Path):
    for record in _records(demo_run):
        page = (demo_run / f"{record['hoofdstuk']}.html").read_text(encoding="utf-8")
        mark = re.search(r'<section class="va-priority-mark".*?</section>', page, flags=re.S)
        assert mark is not None, record["hoofdstuk"]
        assert html.escape(record["titel"]) in mark.group(0)
        anchors = re.findall(r'href="#([^"]+)"', mark.group(0))
        assert anchors, record["titel"]
        for anchor in anchors:
            assert f'id="{anchor}"' in page
        # under the key findings, so a reader sees it with them
        assert page.index('class="va-findings"') < mark.start()


def test_a_link_to_a_missing_place_falls_back_to_the_page(tmp_path: Path):
    (tmp_path / "05_fysiek.html").write_text('<p id="indicator-branden">x</p>', encoding="utf-8")
    assert figures_link(tmp_path, "05_fysiek.html#indicator-branden") == "05_fysiek.html#indicator-branden"
    assert figures_link(tmp_path, "05_fysiek.html#indicator-natuurbrand") == "05_fysiek.html"
    assert figures_link(tmp_path, "99_onbekend.html#x") == ""
    assert figures_link(tmp_path, "../../etc/passwd") == ""


def test_the_size_of_a_sensitive_priority_never_shows_a_suppressed_count(demo_dataset):
    """With the suppression threshold above the count, "Hoe groot" gives neither the count nor the rate
    (the rate times the population gives the count back); a kind that is not sensitive is shown."""
    import dataclasses

    from veiligheidsanalyse.chapters import family
    from veiligheidsanalyse.chapters.synthese import Priority, describe_size

    profiles = family.all_profiles(demo_dataset)
    sensitive = dataclasses.replace(profiles["overlast_verward"], count=7.0)
    plain = dataclasses.replace(profiles["woninginbraak"], count=7.0)
    pr = Priority("08_zorg", "test", 1.0, indicators=["overlast_verward", "woninginbraak"])
    describe_size(pr, {"overlast_verward": sensitive, "woninginbraak": plain}, threshold=20)
    assert "minder dan 20" in pr.size[0] and " 7 " not in pr.size[0] and "per 1.000" not in pr.size[0]
    assert pr.size[1].startswith("Woninginbraak: 7 in")
