"""Supply orders over the API, the pages and the CLI, on SQLite (the engines are tested in
test_supply_orders.py): the API drafts and sends a sheet and refuses a stale step with 409; the
supplier platform's operator sees the quote form (and not the confirm form) and quotes through
it; the overview lists the order with its clock; the CLI opens a group buy from a tallies CSV
(a bad row located by row and column) and shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site

SHEET = {
    "kind": "direct_purchase", "region": "510104", "supplier": "youle", "carrier": "ZTO",
    "needed_by": "2030-11-16T18:00:00+08:00", "title": "锦江区政府 直采第1批",
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
            made.passwords["youle.ops"] = "Pw-9-q7Rm2xLw9Zt4-supply"
            accounts.create_user(
                made.store, ADMIN, username="youle.ops", organisation="youle",
                roles=["platform_operator"], display_name="youle.ops",
                password=made.passwords["youle.ops"],
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
    assert 'data-state="quoted"' in shown.text and "supply.confirmation" in shown.text
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
               "--needed-by", "2030-11-16T18:00:00+08:00", "--title", "春熙路 团购",
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
