"""Every failure during a fetch leaves the cache byte-for-byte as it was: server faults, schema
changes, a table republished mid-download, exceptions, and a process killed mid-download."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from conftest import wait_until
from fake_odata import FakeOdataServer, buurt_table, dead_address, gemeente_table, tree_state
from veiligheidsanalyse.sources import snapshots
from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables
from veiligheidsanalyse.sources.odata import OdataClient, OdataEndpoint, SchemaError

# Server faults by default; the kills and failed writes below carry "process" (the closest marker counts).
pytestmark = pytest.mark.fault("network")

NOW = datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GEMEENTEN = FetchRequest("47013NED", regions=("GM1701", "NL01"), measures=("GeregistreerdeMisdrijven_1",))
BUURTEN = FetchRequest("47018NED", gemeente="GM1701")


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table(), buurt_table()], page_size=5) as srv:
        yield srv


def endpoint(server):
    return server.endpoint(retries=1, timeout=(0.4, 0.4), total_timeout=0.5)


@pytest.fixture
def cached(server, tmp_path):
    """A cache holding one snapshot per table, and a server with a newer version of both."""
    root = tmp_path / "cache"
    assert fetch_tables([GEMEENTEN, BUURTEN], root, server.endpoint(), now=NOW).ok
    server.table("47013NED").set_modified("2025-02-15T02:00:00")
    server.table("47018NED").set_modified("2025-02-15T02:00:00")
    server.log.clear()
    return root


FAULTS = [
    ("status", dict(status=503), "http"),
    ("status", dict(status=429, retry_after="0.01"), "rate-limited"),
    ("hang", dict(delay=2), "timeout"),
    ("trickle", dict(chunk=8, interval=0.05), "timeout"),
    ("truncate", dict(fraction=0.4), "truncated"),
    ("invalid_json", dict(), "invalid-json"),
    ("html", dict(), "content-type"),
    ("next_404", dict(), "paging"),
    ("next_loop", dict(), "paging"),
]


@pytest.mark.parametrize("kind,options,error_kind", FAULTS, ids=[f[0] + "-" + f[2] for f in FAULTS])
@pytest.mark.parametrize("where", ["UntypedDataSet", "RegioS"])
def test_fault_mid_fetch_leaves_cache_unchanged(server, cached, kind, options, error_kind, where):
    before = tree_state(cached)
    server.fail(kind, match=where, table_id="47013NED", **options)
    report = fetch_tables([GEMEENTEN, BUURTEN], cached, endpoint(server), now=LATER)
    failed = report.outcomes["47013NED"]
    assert failed.status == "failed" and failed.snapshot is None
    assert failed.error.kind == error_kind and failed.error.table_id == "47013NED"
    assert where in failed.error.url
    # the other table is still fetched; nothing of the failed one is written
    assert report.outcomes["47018NED"].status == "downloaded"
    after = tree_state(cached)
    assert {k: v for k, v in after.items() if not k.startswith("47018NED")} == {
        k: v for k, v in before.items() if not k.startswith("47018NED")
    }


@pytest.mark.parametrize("kind,options,error_kind", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_on_empty_cache_writes_nothing(server, tmp_path, kind, options, error_kind):
    root = tmp_path / "cache"
    server.fail(kind, match="UntypedDataSet", **options)
    report = fetch_tables([GEMEENTEN], root, endpoint(server), now=LATER)
    assert report.outcomes["47013NED"].error.kind == error_kind
    assert tree_state(root) is None  # not even the cache folder


def test_refused_connection_fails_every_table_quickly(tmp_path):
    root = tmp_path / "cache"
    ep = OdataEndpoint.at("http://" + dead_address(), retries=2, backoff=0.01, timeout=(0.3, 0.3))
    waits: list[float] = []
    report = fetch_tables([GEMEENTEN, BUURTEN], root, ep, now=LATER, sleep=waits.append)
    assert waits == [] and report.outcomes["47013NED"].requests == 1  # quickly: one attempt, no back-off
    assert {o.error.kind for o in report.failed.values()} == {"connection"}
    assert report.outcomes["47018NED"].requests == 0  # same host: not tried again
    assert "niet geprobeerd" in str(report.outcomes["47018NED"].error)
    assert tree_state(root) is None


def test_renamed_measure_is_a_schema_error(server, cached):
    before = tree_state(cached)
    server.table("47013NED").rename_measure("GeregistreerdeMisdrijven_1", "Misdrijven_1", title="Misdrijven")
    outcome = fetch_tables([GEMEENTEN], cached, endpoint(server), now=LATER).outcomes["47013NED"]
    assert isinstance(outcome.error, SchemaError) and outcome.error.field == "GeregistreerdeMisdrijven_1"
    assert "47013NED" in str(outcome.error) and "Misdrijven_1" in str(outcome.error)
    assert not server.requests_for("47013NED", "UntypedDataSet")  # checked before the download
    assert tree_state(cached) == before


def test_missing_dimension_is_a_schema_error(server, cached):
    before = tree_state(cached)
    server.table("47018NED").drop_dimension("Perioden")
    outcome = fetch_tables([BUURTEN], cached, endpoint(server), now=LATER).outcomes["47018NED"]
    assert isinstance(outcome.error, SchemaError) and outcome.error.field == "Perioden"
    assert tree_state(cached) == before


def test_schema_is_checked_even_when_the_table_is_unchanged(server, tmp_path):
    fetch_tables([GEMEENTEN], tmp_path, server.endpoint(), now=NOW)
    needs_more = FetchRequest("47013NED", regions=("GM1701",), measures=("Slachtoffers_9",))
    outcome = fetch_tables([needs_more], tmp_path, server.endpoint(), now=LATER).outcomes["47013NED"]
    assert outcome.status == "failed" and isinstance(outcome.error, SchemaError)


def test_table_republished_during_download(server, cached):
    before = tree_state(cached)

    def republish(request):
        if request.entity_set == "UntypedDataSet":
            server.table("47013NED").set_modified("2025-03-15T02:00:00")

    server.hooks.append(republish)
    outcome = fetch_tables([GEMEENTEN], cached, endpoint(server), now=LATER).outcomes["47013NED"]
    assert outcome.error.kind == "changed" and "probeer het opnieuw" in str(outcome.error)
    assert tree_state(cached) == before


def test_5xx_then_ok_still_makes_the_snapshot(server, cached):
    server.fail("status", status=500, times=1, match="UntypedDataSet")
    report = fetch_tables([GEMEENTEN], cached, endpoint(server), now=LATER)
    assert set(report.downloaded) == {"47013NED"}


@pytest.mark.fault("process")
def test_exception_during_download_leaves_cache_unchanged(server, cached, monkeypatch):
    before = tree_state(cached)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(OdataClient, "untyped_rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch_tables([GEMEENTEN], cached, endpoint(server), now=LATER)
    assert tree_state(cached) == before


@pytest.mark.fault("process")
@pytest.mark.parametrize("fresh_cache", [False, True])
def test_exception_while_writing_leaves_cache_unchanged(server, tmp_path, cached, monkeypatch, fresh_cache):
    root = tmp_path / "new" / "cache" if fresh_cache else cached
    before = tree_state(tmp_path / "new") if fresh_cache else tree_state(cached)
    real_write = snapshots._write_file

    def disk_full(path, data):
        if path.name == snapshots.METADATA_FILE:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(snapshots, "_write_file", disk_full)
    with pytest.raises(OSError, match="No space"):
        fetch_tables([GEMEENTEN], root, endpoint(server), now=LATER)
    assert (tree_state(tmp_path / "new") if fresh_cache else tree_state(cached)) == before


CHILD = """
import sys
from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables
from veiligheidsanalyse.sources.odata import OdataEndpoint
endpoint = OdataEndpoint.at(sys.argv[1], timeout=(5, 5), total_timeout=60, retries=0)
fetch_tables([FetchRequest("47013NED", regions=("GM1701", "NL01"))], sys.argv[2], endpoint)
print("finished")
"""


@pytest.mark.fault("process")
def test_process_killed_mid_download_leaves_cache_unchanged(server, cached):
    before = tree_state(cached)
    server.fail("trickle", match="UntypedDataSet", chunk=16, interval=0.05)  # a download that takes seconds
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, server.base_url, str(cached)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:

        def part_of_the_body_arrived() -> bool:
            downloads = server.requests_for("47013NED", "UntypedDataSet")
            return child.poll() is not None or any(r.body_sent for r in downloads)

        wait_until(part_of_the_body_arrived, 15, "the child to receive part of the download")
        assert child.poll() is None, child.communicate()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert tree_state(cached) == before
