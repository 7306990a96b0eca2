"""Fault injection, network: every fault of the fake CBS/politie server against the data policy.

The library-level tests (``test_odata_faults.py``: the client retries or raises a clear
``FetchError``; ``test_fetch_faults.py``: a failed fetch leaves the cache byte-for-byte as it was)
count in the suite too. This file adds, per fault, what a *run* does with it, through
``policy.resolve_sources`` (the code the runner's data step calls):

- ``fresh``: the table falls back to its newest cached snapshot, with a "Niet actueel" banner
  naming the table and the reason; the cache is byte-for-byte unchanged;
- ``require-fresh`` (scheduled runs): a clear ``DataUnavailable`` naming the table; cache unchanged;
- a fault that happens once (where a retry makes sense): the retry succeeds and adds exactly one new
  snapshot; the existing snapshots are unchanged;

and, end to end, ``veiligheidsanalyse fetch`` and ``run --require-fresh`` against a failing server
(exit 3, the table named, the cache unchanged, nothing published).
"""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from fake_odata import FakeOdataServer, buurt_table, dead_address, demo_tables, gemeente_table, tree_state
from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables
from veiligheidsanalyse.sources.odata import OdataEndpoint
from veiligheidsanalyse.sources.policy import DataUnavailable, resolve_sources
from veiligheidsanalyse.sources.snapshots import list_snapshots

pytestmark = pytest.mark.fault("network")

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TID = "47013NED"
GEMEENTEN = FetchRequest(TID, regions=("GM1701", "NL01"), measures=("GeregistreerdeMisdrijven_1",))
BUURTEN = FetchRequest("47018NED", gemeente="GM1701")


def no_sleep(seconds: float) -> None:
    pass


def rename_measure(server):
    server.table(TID).rename_measure("GeregistreerdeMisdrijven_1", "Misdrijven_1", title="Misdrijven")


def drop_dimension(server):
    server.table(TID).drop_dimension("RegioS")


def republish_during_download(server):
    def hook(request):
        if request.table_id == TID and request.entity_set == "UntypedDataSet":
            server.table(TID).set_modified("2025-03-15T02:00:00")

    server.hooks.append(hook)


# id -> (how to inject it, Dutch reason in the banner, retried when it happens once?)
FAULTS = {
    "refused-connection": (None, "niet bereikbaar", True),
    "timeout-no-answer": (dict(kind="hang", delay=3, match="UntypedDataSet"), "niet op tijd", True),
    "slow-trickle": (dict(kind="trickle", chunk=8, interval=0.05, match="UntypedDataSet"), "niet op tijd", True),
    "http-503": (dict(kind="status", status=503, match="UntypedDataSet"), "foutmelding", True),
    "http-500-metadata": (dict(kind="status", status=500, match="DataProperties"), "foutmelding", True),
    "http-429-retry-after": (
        dict(kind="status", status=429, retry_after="0.01", match="UntypedDataSet"),
        "weigerde tijdelijk",
        True,
    ),
    "truncated-body": (dict(kind="truncate", fraction=0.4, match="UntypedDataSet"), "onbruikbaar antwoord", True),
    "connection-reset": (dict(kind="reset", match="UntypedDataSet"), "niet", True),
    "invalid-json": (dict(kind="invalid_json", match="UntypedDataSet"), "onbruikbaar antwoord", False),
    "wrong-content-type": (dict(kind="html", match="TableInfos"), "onbruikbaar antwoord", False),
    "paging-next-404": (dict(kind="next_404", match="UntypedDataSet"), "onbruikbaar antwoord", False),
    "paging-loop": (dict(kind="next_loop", match="UntypedDataSet"), "onbruikbaar antwoord", False),
    "schema-renamed-measure": (rename_measure, "opbouw van de tabel", False),
    "schema-missing-dimension": (drop_dimension, "opbouw van de tabel", False),
    "republished-mid-download": (republish_during_download, "bijgewerkt", False),
}
TRANSIENT = [f for f, (how, _, retried) in FAULTS.items() if retried and isinstance(how, dict)]


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table(), buurt_table()], page_size=5) as srv:
        yield srv


@pytest.fixture
def cache(server, tmp_path):
    """A cache with one snapshot of each table; the server has a newer version of 47013NED (the other
    table is unchanged, so a run that works downloads exactly one new snapshot)."""
    root = tmp_path / "cache"
    assert fetch_tables([GEMEENTEN, BUURTEN], root, server.endpoint(), now=NOW).ok
    server.table(TID).set_modified("2025-02-15T02:00:00")
    server.log.clear()
    return root


def inject(server, fault_id: str, times: int | None = None) -> OdataEndpoint:
    """Switch the fault on; returns the endpoint the run should use (fast test timeouts)."""
    how = FAULTS[fault_id][0]
    if how is None:
        return OdataEndpoint.at("http://" + dead_address(), retries=1, backoff=0.01, timeout=(0.3, 0.3))
    if isinstance(how, dict):
        options = dict(how)
        server.fail(options.pop("kind"), table_id=TID, times=times, **options)
    else:
        how(server)
    return server.endpoint(retries=1, timeout=(0.4, 0.4), total_timeout=0.6)


def resolve(policy: str, cache: Path, endpoint: OdataEndpoint, tmp_path: Path):
    return resolve_sources(
        policy,
        [GEMEENTEN, BUURTEN],
        cache,
        tmp_path / "geen-demo",
        endpoint,
        max_age_days=31,
        now=LATER,
        sleep=no_sleep,
    )


@pytest.mark.parametrize("fault_id", list(FAULTS))
def test_fresh_falls_back_to_the_cache_with_the_reason(server, cache, tmp_path, fault_id):
    before = tree_state(cache)
    previous = list_snapshots(cache, TID)[-1]
    endpoint = inject(server, fault_id)
    res = resolve("fresh", cache, endpoint, tmp_path)
    table = res.tables[TID]
    assert table.origin == "cached" and table.snapshot.path == previous.path
    assert res.stale and not res.demo and table.retrieved_at == datetime(2026, 11, 27, 18, 15, tzinfo=UTC)
    assert table.reason.startswith("ophalen mislukt: ") and FAULTS[fault_id][1] in table.reason, table.reason
    assert TID in table.message  # the technical reason, for the manifest and the log
    assert tree_state(cache) == before


@pytest.mark.parametrize("fault_id", list(FAULTS))
def test_require_fresh_stops_with_a_clear_error(server, cache, tmp_path, fault_id):
    before = tree_state(cache)
    endpoint = inject(server, fault_id)
    with pytest.raises(DataUnavailable) as err:
        resolve("require-fresh", cache, endpoint, tmp_path)
    assert TID in err.value.tables and TID in str(err.value)
    assert "require-fresh" in str(err.value)
    assert tree_state(cache) == before


@pytest.mark.parametrize("fault_id", TRANSIENT)
def test_fault_that_happens_once_is_retried(server, cache, tmp_path, fault_id):
    before = tree_state(cache)
    old = {s.snapshot_id for s in list_snapshots(cache, TID)}
    endpoint = inject(server, fault_id, times=1)
    res = resolve("require-fresh", cache, endpoint, tmp_path)
    assert res.tables[TID].origin == "fresh" and not res.stale and res.tables[TID].reason is None
    faulty = [i for i, r in enumerate(server.log) if r.fault]
    assert len(faulty) == 1  # the fault did happen, once...
    assert any(r.path == server.log[faulty[0]].path for r in server.log[faulty[0] + 1 :])  # ...and was retried
    new = [s for s in list_snapshots(cache, TID) if s.snapshot_id not in old]
    assert len(new) == 1
    new[0].verify()
    after = tree_state(cache)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing old changed


def test_refused_connection_on_a_populated_cache_leaves_it_unchanged(cache):
    before = tree_state(cache)
    endpoint = OdataEndpoint.at("http://" + dead_address(), retries=1, backoff=0.01, timeout=(0.3, 0.3))
    report = fetch_tables([GEMEENTEN, BUURTEN], cache, endpoint, now=LATER, sleep=no_sleep)
    assert {o.error.kind for o in report.failed.values()} == {"connection"}
    assert tree_state(cache) == before


# ------------------------------------------------------------------------------ the commands


@pytest.fixture(scope="module")
def demo_server():
    """The demo tables served as CBS/politie would serve them."""

    tables = demo_tables()
    with FakeOdataServer(tables, page_size=2000) as srv:
        yield srv


@pytest.fixture
def fetched(demo_server, tmp_path):
    """A config whose cache holds a snapshot of every table, and the cache; the server then fails."""
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.build import fetch_requests

    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "fresh"
    data["data"]["cache"] = str(tmp_path / "cache")
    data["uitvoer"] = str(tmp_path / "outputs")
    data["hoofdstukken"] = ["00_gebied"]
    config = tmp_path / "westerveld.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    demo_server.clear_faults()
    fetch_tables(fetch_requests(load_config(config)), tmp_path / "cache", demo_server.endpoint(timeout=(2, 10)))
    modified = {tid: t.table_infos["Modified"] for (_, tid), t in demo_server.tables.items()}
    demo_server.table(TID).set_modified("2027-01-01T02:00:00")  # a newer version exists...
    demo_server.fail("status", status=503, table_id=TID, match="UntypedDataSet")  # ...and cannot be read
    yield config, tmp_path / "cache"
    demo_server.clear_faults()
    for (_, tid), t in demo_server.tables.items():
        t.set_modified(modified[tid])


def test_fetch_command_reports_the_failed_table_and_exits_3(demo_server, fetched):
    from veiligheidsanalyse.report.fetch_command import fetch_command

    config, cache = fetched
    before = tree_state(cache)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = fetch_command(config, endpoint=demo_server.endpoint(retries=1, timeout=(1, 2)))
    assert code == 3, out.getvalue() + err.getvalue()
    assert f"{TID}: MISLUKT" in err.getvalue() and "503" in err.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert tree_state(cache) == before


def test_scheduled_run_with_a_failing_server_exits_3_and_publishes_nothing(demo_server, fetched, tmp_path):
    from veiligheidsanalyse.errors import EXIT_DATA_UNAVAILABLE
    from veiligheidsanalyse.report.runner import RunOptions, run

    config, cache = fetched
    before = tree_state(cache)
    result = run(
        config,
        RunOptions(policy="require-fresh", progress=False, endpoint=demo_server.endpoint(retries=1, timeout=(1, 2))),
    )
    assert result.exit_code == EXIT_DATA_UNAVAILABLE, result.message
    assert result.message.startswith("gegevens niet beschikbaar") and TID in result.message
    assert "Traceback" not in result.message
    assert tree_state(cache) == before
    gemeente = tmp_path / "outputs" / "westerveld"
    assert not gemeente.exists() or not any(gemeente.iterdir()), "nothing may be published"
