"""Coverage plans over the API, the pages and the CLI, on SQLite (the engines are tested in
test_coverage.py): China Post's supply coordinator plans Henan through the form (a bad region
shown beside its field) and reads the plan's page; the API makes, lists and shows plans; the
CLI plans, lists and shows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.networks import save_network
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site
from tests.unit.optimize.test_coverage_networks import henan_network

FORM = {"network": "henan", "region": "410000", "start": "2022-05-01T00:00",
        "end": "2022-05-08T00:00", "depth": "", "carrier": ""}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """make_site's deployment with China Post (EMS), its supply coordinator, the Henan network."""
    home = tmp_path_factory.mktemp("coverage")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            accounts.create_organisation(
                made.store,
                ADMIN,
                Organisation(code="ems", name="中国邮政", kind=OrganisationKind.carrier,
                             carrier="EMS"),
            )  # fmt: skip
            made.passwords["ems.coordinator"] = "Pw-15-q7Rm2xLw9Zt4-cover"
            accounts.create_user(
                made.store, ADMIN, username="ems.coordinator", organisation="ems",
                roles=["supply_coordinator"], display_name="邮政保供专员",
                password=made.passwords["ems.coordinator"],
            )  # fmt: skip
            save_network(made.store, henan_network(), actor=ADMIN, source="test")
            yield made


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def test_a_coordinator_plans_through_the_form_and_reads_the_plan(site: Site) -> None:
    """A bad region is refused beside its field; the plan's page shows the four centres, the
    manual 菏泽 centre's reason, every prefecture with its centre, and the depth."""
    log_in(site, "ems.coordinator")
    page = site.client.get("/app/coverage")
    assert page.status_code == 200 and 'data-testid="coverage-form"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    refused = site.client.post(
        "/app/coverage", data={**FORM, "region": "419999", "csrf_token": csrf.group(1)}
    )
    assert refused.status_code == 422 and 'id="region-error"' in refused.text
    made = site.client.post(
        "/app/coverage", data={**FORM, "csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    plan = site.client.get(made.headers["location"])
    assert plan.status_code == 200
    for name in ("武汉邮件处理中心", "西安邮件处理中心", "济宁邮件处理中心", "邯郸邮件处理中心"):
        assert name in plan.text
    assert "no automated sorter" in plan.text  # 菏泽's reason
    assert "三门峡市" in plan.text and "济源市" in plan.text
    assert "to the prefecture, its counties and its high-volume stations" in plan.text
    assert made.headers["location"] in site.client.get("/app/coverage").text


def test_the_api_makes_lists_and_shows_a_plan(site: Site) -> None:
    """POST /coverage answers 201 with the plan; GET lists it and shows it whole."""
    headers = administrator_headers(site.store)
    body = {"network": "henan", "region": "410000", "start": "2022-05-01T00:00:00",
            "end": "2022-05-08T00:00:00", "carrier": "EMS"}  # fmt: skip
    made = site.client.post("/coverage", json=body, headers=headers)
    assert made.status_code == 201, made.text
    plan = made.json()
    assert sorted(plan["centres"]) == ["EMS-HANDAN", "EMS-JINING", "EMS-WUHAN", "EMS-XIAN"]
    split = {p["code"]: p["centre"] for p in plan["parts"]}
    assert split["411300"] == "EMS-WUHAN" and split["411400"] == "EMS-JINING"
    assert plan["reasons"][0].startswith("河南省 closed for 7 days")
    assert made.headers["location"] == f"/coverage/{plan['id']}"
    listed = site.client.get("/coverage", headers=headers).json()
    assert plan["id"] in [line["id"] for line in listed]
    assert site.client.get(f"/coverage/{plan['id']}", headers=headers).json() == plan
    bad = site.client.post("/coverage", json={**body, "region": "4100"}, headers=headers)
    assert bad.status_code == 422


def test_the_cli_plans_lists_and_shows(site: Site, tmp_path: Path) -> None:
    """``peakguard coverage plan`` prints the centres and the split; list and show find it."""
    runner = CliRunner()
    env = {"PEAKGUARD_DATABASE_URL": site.settings.database_url, "PEAKGUARD_HOME": str(tmp_path),
           "PEAKGUARD_LANGUAGE": "en", "COLUMNS": "400"}  # fmt: skip
    made = runner.invoke(
        cli_app,
        ["coverage", "plan", "henan", "410000", "--start", "2022-05-01T00:00",
         "--end", "2022-05-08T00:00", "--carrier", "EMS", "--json"],
        env=env,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    plan = json.loads(made.output)
    assert sorted(plan["centres"]) == ["EMS-HANDAN", "EMS-JINING", "EMS-WUHAN", "EMS-XIAN"]
    listed = runner.invoke(cli_app, ["coverage", "list"], env=env)
    assert listed.exit_code == 0 and "河南省" in listed.output
    shown = runner.invoke(cli_app, ["coverage", "show", str(plan["id"])], env=env)
    assert shown.exit_code == 0, shown.output
    assert "邯郸邮件处理中心" in shown.output and "安阳市" in shown.output
    missing = runner.invoke(cli_app, ["coverage", "show", "999999"], env=env)
    assert missing.exit_code != 0 and "999999" in missing.output
