"""Offline is known at once, and ``--odata-url`` / ``VA_ODATA_URL`` point a run or fetch at another server.

A failed name lookup or a refused connection means "offline" for the whole fetch: one attempt, no
back-off, the remaining tables fail at once with the same reason. Timeouts, 5xx and 429 are still
retried. The waits are counted through the injected ``sleep`` and the connection attempts at the
socket level, not measured by the clock.
"""

from __future__ import annotations

import contextlib
import io
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import urllib3
import yaml

from fake_odata import FakeOdataServer, buurt_table, dead_address, demo_tables, gemeente_table
from veiligheidsanalyse.cli import main
from veiligheidsanalyse.sources.fetch import FetchRequest, fetch_tables
from veiligheidsanalyse.sources.odata import FetchError, OdataClient, OdataEndpoint
from veiligheidsanalyse.sources.policy import DataUnavailable, resolve_sources
from veiligheidsanalyse.sources.tables import CBS_HOST, POLITIE_HOST, TABLES
from veiligheidsanalyse.store.build import ODATA_URL_ENV, default_endpoint

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GEMEENTEN = FetchRequest("47013NED", regions=("GM1701", "NL01"), measures=("GeregistreerdeMisdrijven_1",))
BUURTEN = FetchRequest("47018NED", gemeente="GM1701")
BEVOLKING = FetchRequest("03759ned", regions=("GM1701", "NL01"))  # another host (opendata.cbs.nl)
SEVERAL = [GEMEENTEN, BUURTEN, BEVOLKING]


class Sleeps(list):
    """Records every back-off wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def connects(monkeypatch):
    """Counts the TCP connection attempts urllib3 makes (each one after the name lookup)."""
    attempts: list[tuple] = []
    real = urllib3.util.connection.create_connection

    def counting(address, *args, **kwargs):
        attempts.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    return attempts


def run_settings(url: str) -> OdataEndpoint:
    """The endpoint a run or fetch really uses (retries 2, back-off 1 s), behind ``url``."""
    endpoint = default_endpoint(url)
    assert endpoint.retries == 2 and endpoint.backoff == 1.0
    return endpoint


# ------------------------------------------------------------------------------ offline at once


def test_refused_connection_is_offline_for_the_whole_fetch(tmp_path, connects):
    sleeps = Sleeps()
    report = fetch_tables(SEVERAL, tmp_path / "cache", run_settings("http://" + dead_address()), NOW, sleep=sleeps)
    assert sleeps == []  # no back-off
    assert sum(o.requests for o in report.outcomes.values()) == 1 and len(connects) == 1  # one attempt in all
    assert set(report.failed) == {r.table_id for r in SEVERAL}
    errors = [report.outcomes[r.table_id].error for r in SEVERAL]
    assert all(isinstance(e, FetchError) and e.kind == "connection" and e.offline for e in errors)
    first, *rest = errors
    assert first.attempts == 1 and "offline" in first.reason and "verbinding geweigerd" in first.reason
    for request, error in zip(SEVERAL[1:], rest):  # the same reason, each naming its own table
        assert error.attempts == 0 and first.reason in error.reason and "niet geprobeerd" in error.reason
        assert str(error).startswith(f"{request.table_id}: ")
    assert not (tmp_path / "cache").exists()


def test_failed_name_lookup_is_offline_for_the_whole_fetch(tmp_path, monkeypatch):
    lookups: list[str] = []

    def no_dns(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.delenv(ODATA_URL_ENV, raising=False)
    sleeps = Sleeps()
    report = fetch_tables(SEVERAL, tmp_path / "cache", default_endpoint(), NOW, sleep=sleeps)  # the real hosts
    assert sleeps == [] and lookups == [POLITIE_HOST]  # one lookup, not one per table or per host
    assert sum(o.requests for o in report.outcomes.values()) == 1
    errors = [report.outcomes[r.table_id].error for r in SEVERAL]
    assert all(e.offline and e.kind == "connection" for e in errors)
    assert "naam niet gevonden" in errors[0].reason and POLITIE_HOST in errors[0].reason
    assert all(errors[0].reason in e.reason for e in errors[1:])


def test_offline_run_stops_at_once_and_names_every_table(tmp_path):
    sleeps = Sleeps()
    with pytest.raises(DataUnavailable) as err:
        resolve_sources(
            "require-fresh",
            SEVERAL,
            tmp_path / "cache",
            tmp_path / "geen-demo",
            run_settings("http://" + dead_address()),
            now=NOW,
            sleep=sleeps,
        )
    assert sleeps == []
    assert {"47013NED", "03759ned"} <= set(err.value.tables)
    assert all("offline" in why for why in err.value.tables.values())


def test_a_connect_timeout_is_not_offline_and_is_retried(tmp_path, monkeypatch):
    attempts = []

    def slow_network(address, *args, **kwargs):
        attempts.append(address)
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", slow_network)
    sleeps = Sleeps()
    endpoint = OdataEndpoint.at("http://" + dead_address(), retries=2, backoff=0.01)
    with pytest.raises(FetchError) as err:
        OdataClient(endpoint, sleep=sleeps).table_infos("47013NED", POLITIE_HOST)
    assert not err.value.offline and err.value.attempts == 3 and len(attempts) == 3
    assert sleeps == [0.01, 0.02]


# ------------------------------------------------------------------------------ retries stay


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table(), buurt_table()], page_size=8) as srv:
        yield srv


def test_503_is_still_retried(server, tmp_path):
    server.fail("status", status=503, times=2, match="TableInfos")
    sleeps = Sleeps()
    report = fetch_tables(
        [GEMEENTEN, BUURTEN], tmp_path / "cache", server.endpoint(retries=2, backoff=0.01), NOW, sleep=sleeps
    )
    assert report.ok, {t: str(o.error) for t, o in report.failed.items()}
    assert sleeps == [0.01, 0.02]
    assert report.outcomes["47013NED"].status == "downloaded"


def test_503_to_the_end_does_not_stop_the_other_tables(server, tmp_path):
    server.fail("status", status=503, table_id="47013NED")
    sleeps = Sleeps()
    report = fetch_tables(
        [GEMEENTEN, BUURTEN], tmp_path / "cache", server.endpoint(retries=1, backoff=0.01), NOW, sleep=sleeps
    )
    error = report.outcomes["47013NED"].error
    assert error.kind == "http" and not error.offline and error.attempts == 2 and sleeps == [0.01]
    assert report.outcomes["47018NED"].status == "downloaded"


def test_429_is_still_retried(server, tmp_path):
    server.fail("status", status=429, retry_after="0.03", times=1)
    sleeps = Sleeps()
    report = fetch_tables([GEMEENTEN], tmp_path / "cache", server.endpoint(), NOW, sleep=sleeps)
    assert report.ok and sleeps == [0.03]


# ------------------------------------------------------------------------------ --odata-url, VA_ODATA_URL


def test_endpoint_from_url_environment_or_the_real_hosts(monkeypatch):
    monkeypatch.delenv(ODATA_URL_ENV, raising=False)
    real = default_endpoint()
    assert (
        real.base_urls == {}
        and real.use_https
        and real.table_url(POLITIE_HOST, "47013NED").startswith(f"https://{POLITIE_HOST}/")
    )
    monkeypatch.setenv(ODATA_URL_ENV, "http://mirror.example:8080/cbs/")
    mirror = default_endpoint()
    assert (
        mirror.table_url(CBS_HOST, "03759ned") == f"http://mirror.example:8080/cbs/{CBS_HOST}/ODataFeed/odata/03759ned/"
    )
    flag = default_endpoint("https://proxy.example")  # the argument wins over the variable
    assert flag.table_url(POLITIE_HOST, "47013NED") == f"https://proxy.example/{POLITIE_HOST}/ODataFeed/odata/47013NED/"
    assert (mirror.retries, mirror.backoff, mirror.timeout) == (real.retries, real.backoff, real.timeout)


@pytest.fixture(scope="module")
def demo_server():
    tables = demo_tables()
    with FakeOdataServer(tables, page_size=2000) as srv:
        yield srv


@pytest.fixture
def config(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))
    data["data"]["beleid"] = "fresh"
    data["data"]["cache"] = str(tmp_path / "cache")
    data["uitvoer"] = str(tmp_path / "outputs")
    data["hoofdstukken"] = ["00_gebied"]
    path = tmp_path / "westerveld.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def served(server) -> set[str]:
    return {r.table_id for r in server.log}


def test_fetch_with_odata_url(demo_server, config, tmp_path, monkeypatch):
    monkeypatch.setenv(ODATA_URL_ENV, "http://" + dead_address())  # the flag wins
    demo_server.log.clear()
    code, out, err = cli("fetch", config, "--odata-url", demo_server.base_url)
    assert code == 0, out + err
    assert {"47013NED", "03759ned"} <= served(demo_server)
    assert (tmp_path / "cache" / "47013NED").is_dir() and (tmp_path / "cache" / "03759ned").is_dir()


def test_fetch_with_va_odata_url(demo_server, config, tmp_path, monkeypatch):
    monkeypatch.setenv(ODATA_URL_ENV, demo_server.base_url)
    demo_server.log.clear()
    code, out, err = cli("fetch", config)
    assert code == 0, out + err
    assert {"47013NED", "03759ned"} <= served(demo_server)


def test_fetch_offline_says_so_once(config, monkeypatch):
    monkeypatch.delenv(ODATA_URL_ENV, raising=False)
    dead = dead_address()
    code, out, err = cli("fetch", config, "--odata-url", "http://" + dead)
    assert code == 3
    assert err.count(f"server {dead} niet bereikbaar") == 1, err  # once, in full
    from veiligheidsanalyse.config import load_config
    from veiligheidsanalyse.store.build import fetch_requests

    asked = fetch_requests(load_config(config))  # every table but Gebieden in Nederland (the file names its provincie)
    assert len(asked) == len(TABLES) - 1
    assert err.count("MISLUKT") == len(asked) + 1 and "47013NED" in err and "03759ned" in err
    assert "wijkbuurtkaart: MISLUKT — niet geprobeerd: offline" in err  # the boundaries, not tried either


def test_run_routes_through_va_odata_url_and_odata_url(config, monkeypatch):
    # require-fresh against a dead address stops before any chapter; the message shows where it asked
    env_dead, flag_dead = dead_address(), dead_address()
    monkeypatch.setenv(ODATA_URL_ENV, "http://" + env_dead)
    code, out, err = cli("run", config, "--policy", "require-fresh", "--quiet")
    assert code == 3 and f"server {env_dead} niet bereikbaar" in err, out + err
    code, out, err = cli("run", config, "--policy", "require-fresh", "--quiet", "--odata-url", "http://" + flag_dead)
    assert code == 3 and f"server {flag_dead} niet bereikbaar" in err and env_dead not in err, out + err


def test_run_with_odata_url_reads_the_server(demo_server, config, monkeypatch):
    from veiligheidsanalyse.report import runner

    seen = {}

    def fake_run(path, options):  # the run itself is covered elsewhere; here: where it asks
        seen["endpoint"] = options.endpoint
        return runner.RunResult(exit_code=0)

    monkeypatch.setattr(runner, "run", fake_run)
    code, _, _ = cli("run", config, "--odata-url", demo_server.base_url, "--quiet")
    assert code == 0
    assert (
        seen["endpoint"].table_url(POLITIE_HOST, "47013NED")
        == f"{demo_server.base_url}/{POLITIE_HOST}/ODataFeed/odata/47013NED/"
    )
    assert seen["endpoint"].retries == 2
