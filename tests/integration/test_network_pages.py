"""The networks pages: the list, a network (map, nodes, lanes, exports, downloads), a node, and
the import form, on the demo's Sichuan network, through the real login form.

On SQLite and PostgreSQL. What a regulator or a carrier sees is checked against the network
built independently (``build_sichuan_network``) and cut by hand to the territory or brand.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from peakguard.app import accounts
from peakguard.app.networks import (
    export_network,
    list_networks,
    parse_network_document,
    save_network,
)
from peakguard.demo.sichuan import build_sichuan_network
from peakguard.domain.network import Network, NodeKind
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from tests.conftest import tiny_document
from tests.integration.test_authentication import Site, _password, cheap_passwords, make_site
from tests.integration.test_pages_shell import csrf_of

__all__ = ["cheap_passwords"]

DEMO = "sichuan-demo"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The pages do not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@pytest.fixture(scope="module")
def sichuan() -> Network:
    """The demo's Sichuan network: 1,113 nodes of seven carriers, 1,412 lanes."""
    return build_sichuan_network()


def with_planner(site: Site) -> Site:
    """The site of ``make_site`` with ZTO's network planner (who may import ZTO networks)."""
    password = _password()
    accounts.create_user(
        site.store,
        LOCAL_ADMINISTRATOR,
        username="zto.planner",
        organisation="zto",
        roles=["network_planner"],
        display_name="赵敏",
        password=password,
    )
    site.passwords["zto.planner"] = password
    return site


@pytest.fixture
def site(
    database_url: str, tmp_path: Path, cheap_passwords: None, sichuan: Network
) -> Iterator[Site]:
    """An administrator, ZTO's data reporter and planner, Chengdu's analyst; the demo stored."""
    for made in make_site(database_url, tmp_path):
        save_network(made.store, sichuan, actor=LOCAL_ADMINISTRATOR, source="demo")
        yield with_planner(made)


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    page = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text


def table_on_screen(html: str, key: str) -> list[list[str]]:
    """The table ``key`` of a page as its cells' texts, headings first."""
    block = re.search(
        rf'<section class="table-block" data-table="{key}">(.*?)</section>', html, re.S
    )
    assert block, f"no table {key}"
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S)
    ]


def exported(site: Site, path: str, key: str) -> list[list[str]]:
    """The CSV export of the table ``key`` of the page at ``path``."""
    separator = "&" if "?" in path else "?"
    answer = site.client.get(f"{path}{separator}export=csv&table={key}")
    assert answer.status_code == 200, answer.text
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def plain(cell: str) -> str:
    """A cell as shown, read as the CSV writes it (no thousands separators, "" for none)."""
    if cell == "—":
        return ""
    return cell.replace(",", "") if re.fullmatch(r"-?[\d,]+(\.\d+)?", cell) else cell


def node_ids_on_every_page(site: Site, query: str = "") -> tuple[list[str], list[str]]:
    """The node ids the network page lists, page after page, and those its exports hold."""
    shown: list[str] = []
    in_exports: list[str] = []
    for number in range(1, 200):
        path = f"/app/networks/{DEMO}?page={number}{query}"
        page = site.client.get(path)
        assert page.status_code == 200, page.text
        rows = table_on_screen(page.text, "nodes")[1:]
        shown += [row[0] for row in rows]
        if rows:
            in_exports += [row[0] for row in exported(site, path, "nodes")[1:]]
        if f"page={number + 1}#nodes" not in page.text:
            return shown, in_exports
    raise AssertionError("the pages never end")


def map_option(html: str, key: str = "hubs") -> dict[str, object]:
    found = re.search(
        rf'<script type="application/json" id="chart-{key}-option">(.*?)</script>', html, re.S
    )
    assert found, f"no chart {key}"
    option: dict[str, object] = json.loads(found.group(1))
    return option


def hubs_on_the_map(html: str) -> set[str]:
    option = map_option(html)
    series = option["series"]
    assert isinstance(series, list)
    return {
        item["id"]
        for entry in series
        if str(entry["id"]).startswith("hubs-")
        for item in entry["data"]
    }


def test_a_chengdu_regulator_sees_only_chengdus_nodes_on_the_page_and_in_its_exports(
    site: Site, sichuan: Network
) -> None:
    """Chengdu's office pages through every node of its city (5101xx) and no other, and
    each page's CSV export holds that page's nodes."""
    log_in(site, "cd.analyst")
    expected = [node.id for node in sichuan.nodes if node.region.startswith("5101")]
    assert 0 < len(expected) < len(sichuan.nodes)
    shown, in_exports = node_ids_on_every_page(site)
    assert shown == expected
    assert in_exports == expected
    listing = table_on_screen(site.client.get("/app/networks").text, "networks")
    hubs = sum(1 for n in sichuan.nodes if n.kind is NodeKind.hub and n.region[:4] == "5101")
    assert listing[1][0] == DEMO and listing[1][3] == str(hubs)
    outside = next(node for node in sichuan.nodes if not node.region.startswith("5101"))
    assert site.client.get(f"/app/networks/{DEMO}/nodes/{outside.id}").status_code == 404


def test_a_zto_user_sees_no_sf_node_on_the_page_in_its_exports_or_downloads(
    site: Site, sichuan: Network
) -> None:
    """ZTO's reporter sees ZTO's nodes only: no SF node on any page, in any export, in the
    network's download, or behind a node page's address."""
    log_in(site, "zto.reporter")
    expected = [node.id for node in sichuan.nodes if node.carrier == "ZTO"]
    shown, in_exports = node_ids_on_every_page(site)
    assert shown == expected and in_exports == expected
    assert node_ids_on_every_page(site, "&carrier=SF") == ([], [])
    page = site.client.get(f"/app/networks/{DEMO}").text
    assert 'value="SF"' not in page and "顺丰" not in page
    download = site.client.get(f"/app/networks/{DEMO}/download/yaml")
    assert download.status_code == 200
    document = yaml.safe_load(download.content)
    assert {node["carrier"] for node in document["nodes"]} == {"ZTO"}
    sf = next(node for node in sichuan.nodes if node.carrier == "SF")
    assert site.client.get(f"/app/networks/{DEMO}/nodes/{sf.id}").status_code == 404


def test_the_nodes_export_holds_exactly_the_rows_on_screen(site: Site) -> None:
    """A filtered page's table and its CSV export agree cell for cell (numbers as shown)."""
    log_in(site, "admin.one")
    for query in ["?kind=hub&city=510100", "?page=3", "?q=ZTO-5101&kind=outlet"]:
        path = f"/app/networks/{DEMO}{query}"
        screen = table_on_screen(site.client.get(path).text, "nodes")
        assert len(screen) > 2, query
        assert exported(site, path, "nodes") == [[plain(cell) for cell in row] for row in screen]
    lanes_path = f"/app/networks/{DEMO}?lane_mode=air&lane_page=1"
    lanes = table_on_screen(site.client.get(lanes_path).text, "lanes")
    assert exported(site, lanes_path, "lanes") == [[plain(cell) for cell in row] for row in lanes]
    assert all(row[5] in {"Air", "航空"} for row in lanes[1:])


def test_the_map_holds_exactly_the_hubs_in_reach(site: Site, sichuan: Network) -> None:
    """The network map's hub series hold every hub the user may see, and no other."""
    cases = {
        "cd.analyst": lambda node: node.region.startswith("5101"),
        "zto.reporter": lambda node: node.carrier == "ZTO",
        "admin.one": lambda node: True,
    }
    for username, within in cases.items():
        log_in(site, username)
        page = site.client.get(f"/app/networks/{DEMO}").text
        expected = {n.id for n in sichuan.nodes if n.kind is NodeKind.hub and within(n)}
        assert hubs_on_the_map(page) == expected, username
        option = map_option(page)
        assert option["geo"] == {**option["geo"], "map": "510000"}  # type: ignore[dict-item]
        assert 'data-map="510000"' in page


def test_a_node_page_shows_its_facts_lanes_and_place(site: Site, sichuan: Network) -> None:
    """ZTO's Chengdu hub: its storage and staff, every lane in and out with the other end
    linked, and the map holding it and the nodes its lanes join."""
    log_in(site, "admin.one")
    node = sichuan.node_index()["ZTO-510100-HUB"]
    page = site.client.get(f"/app/networks/{DEMO}/nodes/{node.id}")
    assert page.status_code == 200
    assert f"{node.storage_capacity:,}" in page.text and f"{node.staff:,}" in page.text
    incoming = [lane for lane in sichuan.lanes if lane.destination == node.id]
    outgoing = [lane for lane in sichuan.lanes if lane.origin == node.id]
    assert [row[0] for row in table_on_screen(page.text, "in")[1:]] == [x.id for x in incoming]
    assert [row[0] for row in table_on_screen(page.text, "out")[1:]] == [x.id for x in outgoing]
    for lane in outgoing:
        assert f'href="/app/networks/{DEMO}/nodes/{lane.destination}"' in page.text
    option = map_option(page.text, "node")
    series = {entry["id"]: entry for entry in option["series"]}
    neighbours = {x.origin for x in incoming} | {x.destination for x in outgoing}
    assert {item["id"] for item in series["neighbours"]["data"]} == neighbours - {node.id}
    assert series["node"]["data"][0]["id"] == node.id


# --- importing ------------------------------------------------------------------------------


def import_form(site: Site) -> str:
    form = site.client.get("/app/networks/import")
    assert form.status_code == 200, form.text
    return csrf_of(form.text)


def upload(
    site: Site,
    files: list[tuple[str, bytes]],
    *,
    name: str = "",
    replace: bool = False,
) -> Any:
    data = {"csrf_token": import_form(site), "name": name}
    if replace:
        data["replace"] = "on"
    return site.client.post(
        "/app/networks/import",
        data=data,
        files=[
            ("file", (filename, content, "application/octet-stream")) for filename, content in files
        ],
        follow_redirects=False,
    )


def stored_names(site: Site) -> set[str]:
    return {n.name for n in list_networks(site.store, actor=LOCAL_ADMINISTRATOR)}


def tiny_yaml(name: str) -> bytes:
    document = tiny_document()
    document["name"] = name
    return yaml.safe_dump(document, allow_unicode=True).encode()


def problems_beside_the_file(html: str) -> list[str]:
    block = re.search(r'<div class="problem-list" id="file-problems".*?</div>', html, re.S)
    assert block, "no problems listed beside the file field"
    return [
        unescape(re.sub(r"<[^>]+>", "", item)).strip()
        for item in re.findall(r"<li>(.*?)</li>", block.group(0), re.S)
    ]


def test_a_workbook_with_mistakes_is_located_beside_the_file_field_and_nothing_stored(
    site: Site, tmp_path: Path
) -> None:
    """Two bad cells of a workbook: both listed under the file field (sheet, row, column),
    the refusal said in Chinese, nothing stored."""
    export_network(parse_network_document(tiny_document()), tmp_path / "network.xlsx")
    workbook = load_workbook(tmp_path / "network.xlsx")
    workbook["nodes"].cell(row=3, column=7).value = -5
    workbook["nodes"].cell(row=5, column=3).value = "warehouse"
    workbook.save(tmp_path / "network.xlsx")
    log_in(site, "zto.planner")
    site.client.cookies.set("peakguard_lang", "zh_CN")
    before = stored_names(site)
    page = upload(site, [("network.xlsx", (tmp_path / "network.xlsx").read_bytes())], name="bad")
    assert page.status_code == 422
    html = page.text
    said = re.search(r'<p class="field-error" id="file-error"[^>]*>([^<]+)</p>', html)
    assert said and CJK.search(said.group(1)), html
    assert re.search(r'<input id="file"[^>]*aria-invalid="true"', html)
    listed = problems_beside_the_file(html)
    assert len(listed) == 2
    assert listed[0].startswith('network.xlsx: sheet "nodes", row 3, column storage_capacity')
    assert listed[1].startswith('network.xlsx: sheet "nodes", row 5, column kind')
    assert "peakguard-import" not in html  # the server's temporary folder is not shown
    assert stored_names(site) == before


def test_at_most_a_hundred_mistakes_are_listed_with_their_total(site: Site) -> None:
    """150 lanes to unknown nodes: the first 100 listed, and the total said."""
    document = tiny_document()
    lane = document["lanes"][0]
    document["lanes"] = [{**lane, "id": f"X{i}", "destination": f"NO-SUCH-{i}"} for i in range(150)]
    log_in(site, "admin.one")
    page = upload(site, [("many.json", json.dumps(document).encode())], name="many")
    html = page.text
    listed = problems_beside_the_file(html)
    assert len(listed) == 100
    assert "lanes[0].destination" in listed[0] and "NO-SUCH-0" in listed[0]
    assert "The first 100 of 150 mistakes are listed." in html
    assert "many" not in stored_names(site)


def test_a_correct_file_lands_on_its_network_page_with_a_confirmation(site: Site) -> None:
    """ZTO's planner imports a ZTO network: 303 to its page, which says it was imported
    (once), and lists its nodes."""
    log_in(site, "zto.planner")
    page = upload(site, [("line.yaml", tiny_yaml("zto-line"))])
    assert page.status_code == 303
    assert page.headers["location"] == "/app/networks/zto-line"
    landed = site.client.get("/app/networks/zto-line")
    assert 'data-testid="imported"' in landed.text
    ids = [row[0] for row in table_on_screen(landed.text, "nodes")[1:]]
    assert ids == [node["id"] for node in tiny_document()["nodes"]]
    assert 'data-testid="imported"' not in site.client.get("/app/networks/zto-line").text
    assert "zto-line" in stored_names(site)


def test_a_name_taken_is_said_beside_the_name_field_unless_replacing(site: Site) -> None:
    """A second import under a stored name is refused beside the name field, storing
    nothing; ticking "replace" replaces it."""
    log_in(site, "admin.one")
    assert upload(site, [("a.yaml", tiny_yaml("line"))]).status_code == 303
    again = upload(site, [("b.yaml", tiny_yaml("other"))], name="line")
    assert again.status_code == 409
    assert re.search(r'id="name-error"[^>]*>[^<]*line', again.text)
    assert "other" not in stored_names(site)
    replaced = upload(site, [("b.yaml", tiny_yaml("other"))], name="line", replace=True)
    assert replaced.status_code == 303


def test_a_bad_name_and_a_bad_file_are_both_said_beside_their_fields(site: Site) -> None:
    log_in(site, "admin.one")
    page = upload(site, [("x.yaml", b"name: x\nnodes: 3\n")], name="no spaces allowed")
    html = page.text
    assert page.status_code == 422
    assert 'id="name-error"' in html and 'id="file-error"' in html
    assert any(item.startswith("x.yaml: nodes") for item in problems_beside_the_file(html))


def test_the_csv_tables_chosen_together_import(site: Site, tmp_path: Path) -> None:
    """The CSV tables uploaded together are read as the command reads their folder."""
    written = export_network(parse_network_document(tiny_document()), tmp_path / "tables")
    log_in(site, "admin.one")
    files = [(path.name, path.read_bytes()) for path in written if path.suffix == ".csv"]
    page = upload(site, files, name="from-tables")
    assert page.status_code == 303, page.text
    assert "from-tables" in stored_names(site)
    wrong = upload(site, [("nodes.csv", files[0][1]), ("people.csv", b"a\n1\n")], name="t2")
    assert "people.csv" in wrong.text and "t2" not in stored_names(site)


def test_a_carrier_importing_another_brands_nodes_is_refused_with_them_listed(
    site: Site,
) -> None:
    document = tiny_document()
    document["carriers"].append({"code": "SF", "name": "顺丰速运"})
    document["nodes"][4]["carrier"] = "SF"
    log_in(site, "zto.planner")
    page = upload(site, [("mixed.json", json.dumps(document).encode())])
    assert page.status_code == 403
    assert any("MY-S1" in item for item in problems_beside_the_file(page.text))
    assert "tiny" not in stored_names(site)


def test_a_user_without_network_write_gets_the_403_page_on_the_import_form(site: Site) -> None:
    """Chengdu's analyst reads networks but may not import: no button, the 403 page on the
    form (to look at and to post), nothing stored."""
    log_in(site, "cd.analyst")
    assert 'data-testid="import-network"' not in site.client.get("/app/networks").text
    form = site.client.get("/app/networks/import")
    assert form.status_code == 403 and "<html" in form.text
    token = csrf_of(site.client.get("/app/networks").text)
    posted = site.client.post(
        "/app/networks/import",
        data={"csrf_token": token, "name": "sneaky"},
        files=[("file", ("s.yaml", tiny_yaml("sneaky"), "application/yaml"))],
    )
    assert posted.status_code == 403 and "sneaky" not in stored_names(site)


def test_an_upload_past_the_request_limit_is_refused_and_nothing_stored(
    database_url: str, tmp_path: Path, cheap_passwords: None
) -> None:
    """With a 1 MB request limit, a 1.5 MB file is refused (413) before it is read."""
    for made in make_site(database_url, tmp_path, max_request_megabytes=1):
        site = with_planner(made)
        log_in(site, "zto.planner")
        padding = b"# " + b"x" * 1_500_000 + b"\n"
        page = upload(site, [("big.yaml", padding + tiny_yaml("big"))])
        assert page.status_code == 413
        assert page.headers["content-type"].startswith("text/html"), "a page, not JSON"
        assert 'data-status="413"' in page.text and "1 MB" in page.text
        assert "big" not in stored_names(site)
        assert upload(site, [("small.yaml", tiny_yaml("small"))]).status_code == 303
