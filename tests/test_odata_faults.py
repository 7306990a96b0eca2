"""Every fault mode of the fake server ends in a successful retry or a clear FetchError."""

from __future__ import annotations

import pytest

from fake_odata import FakeOdataServer, dead_address, gemeente_table
from veiligheidsanalyse.sources.odata import FetchError, OdataClient, OdataEndpoint
from veiligheidsanalyse.sources.tables import POLITIE_HOST

pytestmark = pytest.mark.fault("network")

TID = "47013NED"


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table()], page_size=8) as srv:
        yield srv


class Sleeps(list):
    """Records backoff waits instead of sleeping (keeps the tests fast, shows the waits)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(server, sleeps=None, **options):
    return OdataClient(server.endpoint(**options), sleep=sleeps if sleeps is not None else Sleeps())


def test_5xx_is_retried_with_exponential_backoff(server):
    server.fail("status", status=503, times=2, match="TableInfos")
    sleeps = Sleeps()
    client = client_for(server, sleeps, retries=3, backoff=0.01)
    assert client.table_infos(TID, POLITIE_HOST)["Identifier"] == TID
    assert sleeps == [0.01, 0.02]  # doubled
    assert client.retries == 2 and client.requests == 3


def test_5xx_every_time_gives_up_with_a_clear_error(server):
    server.fail("status", status=502, match="TableInfos")
    with pytest.raises(FetchError) as err:
        client_for(server, retries=2).table_infos(TID, POLITIE_HOST)
    e = err.value
    assert e.kind == "http" and e.attempts == 3 and "HTTP 502" in str(e)
    assert e.table_id == TID and e.url.endswith("/TableInfos?%24format=json")


def test_429_honours_retry_after_capped(server):
    server.fail("status", status=429, retry_after="0.03", times=1)
    server.fail("status", status=429, retry_after="3600", times=1)
    sleeps = Sleeps()
    client = client_for(server, sleeps, max_retry_after=0.2)
    assert client.table_infos(TID, POLITIE_HOST)
    assert sleeps == [0.03, 0.2]  # as asked, then capped


def test_429_http_date_retry_after(server):
    server.fail("status", status=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", times=1)  # in the past: 0 s
    sleeps = Sleeps()
    assert client_for(server, sleeps).table_infos(TID, POLITIE_HOST)
    assert sleeps == [0.0]


def test_4xx_is_not_retried(server):
    with pytest.raises(FetchError) as err:
        client_for(server).code_list(TID, POLITIE_HOST, "Gemeenten")
    assert err.value.kind == "http" and err.value.attempts == 1 and "404" in str(err.value)


def test_refused_connection():
    endpoint = OdataEndpoint.at("http://" + dead_address(), retries=1, backoff=0.01, timeout=(0.5, 0.5))
    with pytest.raises(FetchError) as err:
        OdataClient(endpoint, sleep=Sleeps()).table_infos(TID, POLITIE_HOST)
    # offline is known at once: a refused connection is not retried
    assert err.value.kind == "connection" and err.value.offline and err.value.attempts == 1


def test_no_answer_times_out(server):
    server.fail("hang", delay=3)  # answers after 3 s: an error means the client stopped waiting before
    with pytest.raises(FetchError) as err:
        client_for(server, retries=1, timeout=(0.3, 0.3)).table_infos(TID, POLITIE_HOST)
    assert err.value.kind == "timeout" and err.value.attempts == 2


def test_no_answer_once_then_ok(server):
    server.fail("hang", delay=3, times=1)
    assert client_for(server, timeout=(0.3, 0.3)).table_infos(TID, POLITIE_HOST)


def test_slow_trickle_hits_the_total_deadline(server):
    # every byte arrives well within the read timeout, the whole answer does not
    server.fail("trickle", chunk=8, interval=0.03, match="DataProperties")
    with pytest.raises(FetchError) as err:
        client_for(server, retries=0, timeout=(0.5, 0.5), total_timeout=0.3).data_properties(TID, POLITIE_HOST)
    assert err.value.kind == "timeout" and "niet compleet binnen 0.3 s" in str(err.value)
    (request,) = server.requests_for(TID, "DataProperties")
    assert 0 < request.body_sent < request.body_size  # the client stopped reading half way


def test_trickle_that_finishes_in_time_is_fine(server):
    server.fail("trickle", chunk=200, interval=0.01, match="TableInfos")
    assert client_for(server).table_infos(TID, POLITIE_HOST)["Identifier"] == TID


def test_truncated_body_is_retried_then_reported(server):
    server.fail("truncate", fraction=0.5, times=1, match="DataProperties")
    client = client_for(server)
    assert client.data_properties(TID, POLITIE_HOST)  # second attempt complete
    assert client.retries == 1
    server.fail("truncate", fraction=0.5, match="DataProperties")
    with pytest.raises(FetchError) as err:
        client_for(server, retries=1).data_properties(TID, POLITIE_HOST)
    assert err.value.kind == "truncated" and "hield voortijdig op" in str(err.value)


def test_invalid_json(server):
    server.fail("invalid_json", match="UntypedDataSet")
    with pytest.raises(FetchError) as err:
        client_for(server).untyped_rows(TID, POLITIE_HOST)
    assert err.value.kind == "invalid-json" and err.value.attempts == 1
    assert "UntypedDataSet" in err.value.url


def test_html_error_page(server):
    server.fail("html", match="TableInfos")
    with pytest.raises(FetchError) as err:
        client_for(server).table_infos(TID, POLITIE_HOST)
    assert err.value.kind == "content-type" and "text/html" in str(err.value)
    assert "Er is een fout opgetreden" in str(err.value)  # shows the start of the page


def test_next_link_to_a_missing_page(server):
    server.fail("next_404", match="UntypedDataSet")
    with pytest.raises(FetchError) as err:
        client_for(server).untyped_rows(TID, POLITIE_HOST)
    assert err.value.kind == "paging" and "paginering klopt niet" in str(err.value)


@pytest.mark.parametrize("page_size", [100, 8])
def test_next_link_loop(server, page_size):
    server.page_size = page_size  # loop on the first page itself, or from a later page back to it
    server.fail("next_loop", match="UntypedDataSet")
    with pytest.raises(FetchError) as err:
        client_for(server).untyped_rows(TID, POLITIE_HOST)
    assert err.value.kind == "paging" and "verwijst terug" in str(err.value)
    assert len(server.requests_for(TID, "UntypedDataSet")) <= 2


def test_endless_paging_is_capped(server):
    server.page_size = 1
    with pytest.raises(FetchError) as err:
        client_for(server, max_pages=5).untyped_rows(TID, POLITIE_HOST)
    assert err.value.kind == "paging" and "meer dan 5 pagina's" in str(err.value)


def test_connection_reset_is_retried(server):
    server.fail("reset", times=1)
    assert client_for(server).table_infos(TID, POLITIE_HOST)
