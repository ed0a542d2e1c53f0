"""Supply orders over the API, the pages and the CLI, on SQLite (the engines are tested in
test_supply_orders.py): the API drafts and sends a sheet and refuses a stale step with 409; the
supplier platform's operator sees the quote form (and not the confirm form) and quotes through
it; the overview lists the order with its clock; the CLI opens a group buy from a tallies CSV
(a bad row located by row and column) and shows it."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.supply_orders import step_supply_order, sweep_supply_orders
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site

CHINA = ZoneInfo("Asia/Shanghai")
NEEDED = (datetime.now(CHINA) + timedelta(days=30)).replace(hour=18, minute=0, second=0,
                                                            microsecond=0)  # fmt: skip
"""When the sheets' goods are needed: within the year a sheet may look ahead."""
SHEET = {
    "kind": "direct_purchase", "region": "510104", "supplier": "youle", "carrier": "ZTO",
    "needed_by": NEEDED.isoformat(), "title": "锦江区政府 直采第1批",
    "lines": [{"bundle": "vegetables", "quantity": 200, "source": "SRC-PZ"}],
    "deliveries": [{"code": "JJ-01", "name": "锦江区政府指定点", "region": "510104",
                    "latitude": 30.65, "longitude": 104.08, "kind": "address",
                    "quantity": 200}],
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site with ZTO's Sichuan company and the 邮乐 platform, with its operator."""
    home = tmp_path_factory.mktemp("supply")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            for organisation in (
                Organisation(code="zto-sc", name="中通四川", kind=OrganisationKind.carrier,
                             carrier="ZTO", region="510000"),
                Organisation(code="youle", name="邮乐", kind=OrganisationKind.platform),
            ):  # fmt: skip
                accounts.create_organisation(made.store, ADMIN, organisation)
            for username, organisation, role in (
                ("youle.ops", "youle", "platform_operator"),
                ("zto.sc", "zto-sc", "supply_coordinator"),
            ):
                made.passwords[username] = f"Pw-9-q7Rm2xLw9Zt4-supply-{len(username)}"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], display_name=username, password=made.passwords[username],
                )  # fmt: skip
            yield made


def test_the_api_sends_a_sheet_and_refuses_a_stale_step(site: Site) -> None:
    """POST /supply/orders → 201 drafted; send at version 1 → sent with a 24 h clock; a
    second send at version 1 → 409."""
    headers = administrator_headers(site.store)
    made = site.client.post("/supply/orders", json=SHEET, headers=headers)
    assert made.status_code == 201, made.text
    reference = made.json()["reference"]
    body = {"step": "send", "expected_version": 1}
    sent = site.client.post(f"/supply/orders/{reference}/steps", json=body, headers=headers)
    assert sent.status_code == 200, sent.text
    clock = sent.json()["clocks"][0]
    assert (clock["rule_key"], clock["limit"], clock["basis"]) == ("supply.quotation", 24, "hours")
    stale = site.client.post(f"/supply/orders/{reference}/steps", json=body, headers=headers)
    assert stale.status_code == 409


def test_the_supplier_quotes_through_its_page(site: Site) -> None:
    """The platform's operator finds the sent order on /app/supply, sees only its own side's
    forms, and its quote moves the order to quoted with the 4 h clock running."""
    headers = administrator_headers(site.store)
    reference = site.client.post("/supply/orders", json=SHEET, headers=headers).json()["reference"]
    site.client.post(f"/supply/orders/{reference}/steps", headers=headers,
                     json={"step": "send", "expected_version": 1})  # fmt: skip
    site.client.cookies.clear()
    login = site.client.post(
        "/app/login",
        data={"username": "youle.ops", "password": site.passwords["youle.ops"]},
        follow_redirects=False,
    )
    assert login.status_code == 303
    overview = site.client.get("/app/supply")
    assert overview.status_code == 200 and reference in overview.text
    page = site.client.get(f"/app/supply/orders/{reference}")
    assert 'data-testid="form-quote"' in page.text and 'data-testid="form-confirm"' not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = site.client.post(
        f"/app/supply/orders/{reference}/steps",
        data={"csrf_token": token.group(1), "version": "2", "step": "quote", "amount": "1980"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    shown = site.client.get(f"/app/supply/orders/{reference}")
    assert 'data-state="quoted"' in shown.text
    assert "confirmation within 4 hours of the quotation" in shown.text
    site.client.cookies.clear()


def test_the_cli_opens_a_group_buy_from_a_tallies_csv(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV with a bad quantity names row 3; fixed, the order is opened and shown with its
    summed lines."""
    header = "leader,point_code,point_name,region,latitude,longitude,bundle,quantity\n"
    point = "P-A,春熙路自提点,510104,30.65,104.08"
    rows = f"T-01,{point},milk,30\nT-02,{point},milk,x\n"
    path = tmp_path / "tallies.csv"
    path.write_text(header + rows, encoding="utf-8")
    options = ["--region", "510104", "--supplier", "youle", "--carrier", "ZTO",
               "--needed-by", NEEDED.isoformat(), "--title", "春熙路 团购",
               "--source", "SRC-1"]  # fmt: skip
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    environment = {"COLUMNS": "240"}
    runner = CliRunner()
    command = ["--lang", "en", "supply", "order", "open", str(path), *options]
    refused = runner.invoke(cli_app, command, env=environment)
    assert refused.exit_code == 2 and "row 3, quantity" in refused.output
    path.write_text(header + rows.replace(",x\n", ",25\n"), encoding="utf-8")
    opened = runner.invoke(cli_app, command, env=environment)
    assert opened.exit_code == 0, opened.output
    assert "55" in opened.output and "T-01, T-02" in opened.output


TALLIES_HEADER = "leader,point_code,point_name,region,latitude,longitude,bundle,quantity\n"
PICKUP = "P-A,春熙路自提点,510104,30.65,104.08"
TALLIES = f"T-01,{PICKUP},milk,30\nT-02,{PICKUP},milk,x\n"


def page_login(site: Site, username: str) -> str:
    """Sign ``username`` in through the login form; the CSRF token of /app/supply."""
    site.client.cookies.clear()
    login = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert login.status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', site.client.get("/app/supply").text)
    assert token
    return token.group(1)


def open_form(site: Site, token: str, sheet: tuple[str, bytes], **fields: str) -> Any:
    data = {"csrf_token": token, "kind": "direct_purchase", "region": "510104",
            "supplier": "youle", "needed_by": f"{NEEDED:%Y-%m-%dT%H:%M}", "title": "春熙路 团购",
            "source": "SRC-1"} | fields  # fmt: skip
    return site.client.post("/app/supply/orders", data=data, files={"sheet": sheet},
                            follow_redirects=False)  # fmt: skip


def test_the_company_opens_a_group_buy_from_the_page_form(site: Site) -> None:
    """A tallies CSV with a bad quantity, then a wrong area: 422, the row beside the file, the
    area beside its field, nothing written; fixed, the order is drafted with its summed
    tallies and the overview lists it."""
    token = page_login(site, "zto.sc")
    before = site.client.get("/app/supply").text.count("/app/supply/orders/")
    refused = open_form(site, token, ("tallies.csv", (TALLIES_HEADER + TALLIES).encode()))
    assert refused.status_code == 422
    sheet_errors = re.search(r'data-testid="sheet-errors">(.*?)</ul>', refused.text, re.S)
    assert sheet_errors and "tallies.csv: row 3, quantity" in sheet_errors.group(1)
    fixed = (TALLIES_HEADER + TALLIES.replace(",x\n", ",25\n")).encode()
    elsewhere = open_form(site, token, ("tallies.csv", fixed), region="51010")
    assert elsewhere.status_code == 422
    assert 'id="region-error"' in elsewhere.text and 'value="51010"' in elsewhere.text
    assert 'data-testid="sheet-errors"' not in elsewhere.text
    assert site.client.get("/app/supply").text.count("/app/supply/orders/") == before
    opened = open_form(site, token, ("tallies.csv", fixed))
    assert opened.status_code == 303, opened.text
    page = site.client.get(opened.headers["location"])
    assert 'data-state="drafted"' in page.text and "T-01, T-02" in page.text
    assert ">55<" in page.text  # 30 + 25 sets at the one pick-up point
    assert f"{NEEDED:%Y-%m-%d %H:%M}" in page.text  # needed by, typed as China time
    assert site.client.get("/app/supply").text.count("/app/supply/orders/") == before + 1
    site.client.cookies.clear()


def test_the_page_form_refuses_a_form_without_a_file_and_a_yaml_of_another_shape(
    site: Site,
) -> None:
    """No file: the file's field says so; a YAML list, or a sheet with an unknown bundle: the
    mistake located in the file, beside it; never a 500."""
    token = page_login(site, "zto.sc")
    missing = site.client.post("/app/supply/orders", data={"csrf_token": token},
                               files={"sheet": ("", b"")}, follow_redirects=False)  # fmt: skip
    assert missing.status_code == 422 and 'id="sheet-error"' in missing.text
    listed = open_form(site, token, ("sheet.yaml", b"- 1\n- 2\n"))
    assert listed.status_code == 422 and "sheet.yaml: " in listed.text
    sheet = dict(SHEET, lines=[{"bundle": "caviar", "quantity": 200, "source": "SRC-PZ"}])
    wrong = open_form(site, token, ("sheet.json", json.dumps(sheet).encode()), kind="")
    assert wrong.status_code == 422
    assert (
        "lines[0].bundle" in wrong.text
        and "caviar" not in wrong.text.split("sheet-errors")[0][-200:]
    )
    site.client.cookies.clear()


def test_the_overview_exports_each_clock_due_and_state(site: Site) -> None:
    """The CSV and the Excel file of /app/supply hold every listed order with its clock's
    due moment (China time) and state, as the page shows them."""
    headers = administrator_headers(site.store)
    reference = site.client.post("/supply/orders", json=SHEET, headers=headers).json()["reference"]
    sent = site.client.post(f"/supply/orders/{reference}/steps", headers=headers,
                            json={"step": "send", "expected_version": 1}).json()  # fmt: skip
    due = datetime.fromisoformat(sent["clocks"][0]["due_at"]).astimezone(CHINA)
    page_login(site, "zto.sc")
    exported = site.client.get("/app/supply", params={"export": "csv", "table": "supply_orders"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    row = next(row for row in rows if row["Reference"] == reference)
    assert row["Due (China time)"] == f"{due:%Y-%m-%d %H:%M}"
    assert row["Needed by"] == f"{NEEDED:%Y-%m-%d %H:%M}"
    assert row["Kind"] == "Direct purchase (government or large customer)"
    assert row["Clock state"] == "clock running" and row["Clock"].startswith("quotation")
    workbook = site.client.get("/app/supply", params={"export": "xlsx", "table": "supply_orders"})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    table = [[cell.value for cell in line] for line in sheet.iter_rows()]
    heading = next(i for i, line in enumerate(table) if "Reference" in line)
    names = table[heading]
    found = next(
        line for line in table[heading + 1 :] if line[names.index("Reference")] == reference
    )
    assert found[names.index("Due (China time)")] == f"{due:%Y-%m-%d %H:%M}"
    assert found[names.index("Clock state")] == "clock running"
    site.client.cookies.clear()


def test_a_swept_breach_shows_in_the_api_on_the_page_and_first_in_the_overview(
    site: Site,
) -> None:
    """A sheet sent 25 h ago and swept: the API's quotation clock is breached with its
    moment, the order's page shows the breach, and the overview lists it first, "late" and
    "overdue by 1.0 h", before a sheet sent just now with "24.0 h left"."""
    headers = administrator_headers(site.store)
    now = datetime.now(UTC)
    late, fresh = (site.client.post("/supply/orders", json=SHEET, headers=headers)
                   .json()["reference"] for _ in range(2))  # fmt: skip
    step_supply_order(site.store, ADMIN, late, "send", expected_version=1,
                      now=now - timedelta(hours=25))  # fmt: skip
    step_supply_order(site.store, ADMIN, fresh, "send", expected_version=1, now=now)
    assert sweep_supply_orders(site.store, now=now) >= 1
    clock = site.client.get(f"/supply/orders/{late}", headers=headers).json()["clocks"][0]
    assert clock["breached"] is True and clock["breached_at"] is not None
    assert clock["state"] == "running" and clock["remaining_seconds"] < 0
    assert site.client.get(f"/supply/orders/{fresh}", headers=headers).json()["clocks"][0][
        "breached"] is False  # fmt: skip
    page_login(site, "zto.sc")
    exported = site.client.get("/app/supply", params={"export": "csv", "table": "supply_orders"})
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0]["Reference"] == late and rows[0]["Late"] == "late"
    assert rows[0]["Time left"] == "overdue by 1.0 h" and rows[0]["Breach recorded"] != "—"
    mine = next(row for row in rows if row["Reference"] == fresh)
    assert mine["Time left"] in {"24.0 h left", "23.9 h left"} and not mine["Late"]
    page = site.client.get(f"/app/supply/orders/{late}").text
    assert 'data-testid="order-late"' in page and "overdue by 1.0 h" in page
    site.client.cookies.clear()
