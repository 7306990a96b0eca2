"""The OData client through the real cbsodata code path, against the fake server: URLs, paging,
$filter/$select, catalog hosts, and the schema check."""

from __future__ import annotations

import pytest

from fake_odata import FakeOdataServer, buurt_table, gemeente_table, parse_filter
from veiligheidsanalyse.sources.odata import (
    FetchError,
    OdataClient,
    OdataEndpoint,
    SchemaError,
    check_schema,
)
from veiligheidsanalyse.sources.tables import CBS_HOST, POLITIE_HOST


@pytest.fixture
def server():
    with FakeOdataServer([gemeente_table(), buurt_table()], page_size=4) as srv:
        yield srv


def test_endpoint_builds_the_urls_cbsodata_uses():
    real = OdataEndpoint()
    assert real.table_url(POLITIE_HOST, "47018NED") == "https://dataderden.cbs.nl/ODataFeed/odata/47018NED/"
    assert real.catalog_url(CBS_HOST) == "opendata.cbs.nl"
    local = OdataEndpoint.at("http://127.0.0.1:8123/")
    assert (
        local.table_url(POLITIE_HOST, "47018NED") == "http://127.0.0.1:8123/dataderden.cbs.nl/ODataFeed/odata/47018NED/"
    )
    assert local.table_url(CBS_HOST, "83648NED") == "http://127.0.0.1:8123/opendata.cbs.nl/ODataFeed/odata/83648NED/"
    assert not local.use_https and not local.trust_env
    url = local.entity_url(POLITIE_HOST, "47013NED", "UntypedDataSet", filters="RegioS eq 'GM1701  '", select=["ID"])
    assert "%24filter=RegioS+eq+%27GM1701++%27" in url and "%24select=ID" in url


def test_cbsodata_globals_are_restored(server):
    import cbsodata.cbsodata3 as cbs

    session, https = cbs.Session, cbs.options.use_https
    OdataClient(server.endpoint()).table_infos("47013NED", POLITIE_HOST)
    assert cbs.Session is session and cbs.options.use_https == https


def test_metadata_and_code_lists(server):
    client = OdataClient(server.endpoint())
    info = client.table_infos("47013NED", POLITIE_HOST)
    assert info["Identifier"] == "47013NED" and info["Modified"] == "2025-01-15T02:00:00"
    props = client.data_properties("47013NED", POLITIE_HOST)
    assert [p["Key"] for p in props][:3] == ["SoortMisdrijf", "RegioS", "Perioden"]
    regions = client.code_list("47013NED", POLITIE_HOST, "RegioS")  # 6 codes, page size 4: two pages
    assert [r["Key"] for r in regions][:3] == ["NL01    ", "PV22    ", "GM1701  "]
    assert len(regions) == 6
    assert "UntypedDataSet" in client.entity_sets("47013NED", POLITIE_HOST)
    # every request went to the politie host through the cbsodata feed path
    assert all(r.host == POLITIE_HOST and "/ODataFeed/odata/47013NED/" in r.path for r in server.log)


def test_untyped_rows_filter_select_and_paging(server):
    client = OdataClient(server.endpoint())
    rows = client.untyped_rows(
        "47013NED",
        POLITIE_HOST,
        filters="(RegioS eq 'GM1701  ' or RegioS eq 'NL01    ') and SoortMisdrijf eq '0.0.0 '",
        select=["ID", "RegioS", "Perioden", "GeregistreerdeMisdrijven_1"],
    )
    assert len(rows) == 6
    assert {r["RegioS"] for r in rows} == {"GM1701  ", "NL01    "}  # padded keys kept
    assert all(set(r) == {"ID", "RegioS", "Perioden", "GeregistreerdeMisdrijven_1"} for r in rows)
    assert all(isinstance(r["GeregistreerdeMisdrijven_1"], str) for r in rows)  # untyped: strings
    pages = server.requests_for("47013NED", "UntypedDataSet")
    assert len(pages) == 2 and "$skiptoken" in pages[1].query  # followed odata.nextLink
    assert pages[1].query["$filter"] == pages[0].query["$filter"]


def test_unknown_value_is_a_dot(server):
    rows = OdataClient(server.endpoint()).untyped_rows(
        "47013NED", POLITIE_HOST, filters="startswith(RegioS,'GM0118') and Perioden eq '2023MM01'"
    )
    assert {r["GeregistreerdeMisdrijven_1"] for r in rows} == {"."}


def test_catalog_hosts_are_distinct(server):
    client = OdataClient(server.endpoint())
    with pytest.raises(FetchError) as err:
        client.table_infos("47018NED", CBS_HOST)  # a politie table is not in the CBS catalog
    assert err.value.kind == "http" and "404" in str(err.value)
    assert err.value.table_id == "47018NED" and "/opendata.cbs.nl/" in err.value.url


def test_filter_parser_forms():
    row = {"RegioS": "GM1701  ", "WijkenEnBuurten": "BU17010800", "Perioden": "2023JJ00", "N": 5}
    true = [
        "RegioS eq 'GM1701  '",
        "RegioS eq 'GM0118  ' or RegioS eq 'GM1701  '",
        "(RegioS eq 'GM1701  ') and (Perioden eq '2023JJ00' or Perioden eq '2022JJ00')",
        "startswith(WijkenEnBuurten,'BU1701')",
        "substring(WijkenEnBuurten,2,4) eq '1701'",
        "substringof('1701',RegioS)",
        "trim(RegioS) eq 'GM1701'",
        "not (RegioS eq 'NL01    ')",
        "N gt 4 and N le 5",
    ]
    false = ["RegioS eq 'GM1701'", "startswith(WijkenEnBuurten,'WK1701')", "Perioden ne '2023JJ00'"]
    for text in true:
        assert parse_filter(text)(row), text
    for text in false:
        assert not parse_filter(text)(row), text


def test_schema_check_by_key_and_title():
    table = gemeente_table()
    resolved = check_schema(
        "47013NED",
        table.table_infos,
        table.data_properties,
        title="geregistreerde misdrijven en aangiften",
        dimensions=("RegioS", "Perioden"),
        measures=("GeregistreerdeMisdrijven_1", "Aangiften"),
    )
    assert resolved == {"GeregistreerdeMisdrijven_1": "GeregistreerdeMisdrijven_1", "Aangiften": "Aangiften_2"}


def test_schema_check_names_table_and_field():
    table = gemeente_table()
    table.rename_measure("GeregistreerdeMisdrijven_1", "GeregistreerdeMisdrijven_4", title="Misdrijven")
    with pytest.raises(SchemaError) as err:
        check_schema("47013NED", table.table_infos, table.data_properties, measures=("GeregistreerdeMisdrijven_1",))
    assert err.value.table_id == "47013NED" and err.value.field == "GeregistreerdeMisdrijven_1"
    assert "GeregistreerdeMisdrijven_4" in str(err.value)  # says what the table has instead

    table.drop_dimension("Perioden")
    with pytest.raises(SchemaError, match="47013NED: Perioden: dimensie 'Perioden' ontbreekt"):
        check_schema("47013NED", table.table_infos, table.data_properties, dimensions=("RegioS", "Perioden"))
    with pytest.raises(SchemaError, match="Title"):
        check_schema("47013NED", table.table_infos, table.data_properties, title="Kerncijfers wijken en buurten")
