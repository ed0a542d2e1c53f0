"""Shuttles and passes through their surfaces: the API records passes and plans a day, the
ZTO coordinator's pages show the registers (expiring first) and the plan's trips and what is
missing, and ``peakguard supply pass|shuttle`` do the same from the command line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.cli import app as cli_app
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site

TODAY = datetime.now(UTC).date()
PASSES = "/app/supply/passes"
AREA = "510104"
STATION = {
    "code": "ST-1",
    "name": "锦江转运站",
    "region": AREA,
    "latitude": 30.65,
    "longitude": 104.08,
}
BODY = {
    "carrier": "ZTO",
    "region": AREA,
    "day": TODAY.isoformat(),
    "point": {"code": "CP-1", "name": "德阳汇集点", "region": "510600", "latitude": 31.13,
              "longitude": 104.4},
    "stations": [STATION],
    "orders": [
        {
            "reference": "GB-1", "kind": "group_buy", "needed_by": "2030-01-01T20:00:00+08:00",
            "deliveries": [
                {"place": {"code": "P1", "name": "春熙社区", "region": AREA, "latitude": 30.66,
                           "longitude": 104.08}, "kind": "community", "quantity": 6},
            ],
        }
    ],
    "vehicles": [
        {"code": "V1", "plate": "川A1", "driver": "D-1", "leg": "inner", "base": "ST-1",
         "capacity_sets": 10},
        {"code": "V2", "plate": "川A2", "driver": "D-2", "leg": "inner", "base": "ST-1",
         "capacity_sets": 10},
        {"code": "T1", "plate": "川B1", "driver": "D-3", "leg": "trunk", "base": "CP-1",
         "capacity_sets": 40},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A site with ZTO's supply coordinator."""
    home = tmp_path_factory.mktemp("shuttles")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            made.passwords["zto.supply"] = "Pw-10-q7Rm2xLw9Zt4-shuttles"
            accounts.create_user(
                made.store, ADMIN, username="zto.supply", organisation="zto",
                roles=["supply_coordinator"], display_name="zto.supply",
                password=made.passwords["zto.supply"],
            )  # fmt: skip
            yield made


def test_the_api_and_pages_plan_a_day_and_say_what_is_missing(site: Site) -> None:
    """V1 and T1 hold passes, V2 only a pass ending tomorrow for its plate but no white list
    entry for its driver: the plan routes V1 and T1, lists V2's driver as missing, and the
    pages show both; the register lists V2's pass (ending soonest) first."""
    headers = administrator_headers(site.store)
    until = (TODAY + timedelta(days=10)).isoformat()
    grants = [("vehicle", "川A1", until), ("vehicle", "川B1", until), ("person", "D-1", until),
              ("person", "D-3", until), ("site", "ST-1", until),
              ("vehicle", "川A2", (TODAY + timedelta(days=1)).isoformat())]  # fmt: skip
    for kind, holder, last in grants:
        body = {"carrier": "ZTO", "kind": kind, "holder": holder, "region": "510100",
                "valid_from": TODAY.isoformat(), "valid_until": last,
                "issuer": "成都市防控办"}  # fmt: skip
        if kind == "person":
            body["id_number"] = "51010519800101123X"
        answer = site.client.post("/supply/passes", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
    listed = site.client.get("/supply/passes", headers=headers).json()
    assert listed[0]["holder"] == "川A2"
    assert {p["masked_id"] for p in listed if p["kind"] == "person"} == {"**************123X"}
    check = site.client.get(
        "/supply/passes/check",
        params={"carrier": "ZTO", "region": AREA, "day": TODAY.isoformat(), "driver": "D-2"},
        headers={**headers, "Accept-Language": "en"},
    ).json()
    assert check == {
        "valid": False,
        "missing": ["Person D-2 has no white list entry (人员白名单)."],
    }
    planned = site.client.post("/supply/shuttles", json=BODY, headers=headers)
    assert planned.status_code == 201, planned.text
    plan = planned.json()
    assert sorted(route["vehicle"] for route in plan["routes"]) == ["T1", "V1"]
    assert [item["subject"] for item in plan["missing_items"]] == ["V2"]
    assert plan["delivered_sets"] == 6 and plan["unserved"] == []
    site.client.cookies.clear()
    site.client.post(
        "/app/login",
        data={"username": "zto.supply", "password": site.passwords["zto.supply"]},
        follow_redirects=False,
    )
    page = site.client.get(f"/app/supply/shuttles/{plan['id']}")
    assert page.status_code == 200
    assert "春熙社区" in page.text and "V2" in page.text and "D-2" in page.text
    registers = site.client.get("/app/supply/passes")
    assert registers.status_code == 200
    assert registers.text.index("川A2") < registers.text.index("川A1")
    assert "51010519800101123X" not in registers.text


def test_the_commands_add_check_plan_and_show(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``supply pass add`` then ``check`` (exit 1 naming the lack), ``supply shuttle plan``
    from the API's body in a file, then ``show``."""
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    day = TODAY.isoformat()
    run("supply", "pass", "add", "--carrier", "ZTO", "--kind", "vehicle", "--holder", "川A9",
        "--region", AREA, "--from", day, "--until", day, "--issuer", "防控办")  # fmt: skip
    assert "川A9" in run("supply", "pass", "list", "--kind", "vehicle")
    lacking = run("supply", "pass", "check", "--carrier", "ZTO", "--region", AREA, "--day", day,
                  "--vehicle", "川A9", "--driver", "D-9", code=1)  # fmt: skip
    assert "Person D-9 has no white list entry" in lacking
    request = tmp_path / "plan.json"
    request.write_text(json.dumps(BODY, ensure_ascii=False), encoding="utf-8")
    shown = run("supply", "shuttle", "plan", str(request))
    assert "春熙社区" in shown
    plan_id = shown.split("Shuttle plan ")[1].split(":")[0]
    assert "6 sets delivered" in run("supply", "shuttle", "show", plan_id)


def sign_in(site: Site, username: str) -> str:
    """Sign ``username`` in through the login form; the CSRF token of the registers' page."""
    site.client.cookies.clear()
    site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', site.client.get(PASSES).text)
    assert token
    return token.group(1)


def test_the_coordinator_records_a_white_list_entry_from_the_registers_page(site: Site) -> None:
    """A white list entry ending before it starts and without its issuer: 422, each mistake
    beside its field, the ID number not shown back, nothing recorded; corrected, it is listed
    under the white list in words with the ID masked."""
    token = sign_in(site, "zto.supply")
    form = {"csrf_token": token, "kind": "person", "holder": "D-77", "region": AREA,
            "valid_from": TODAY.isoformat(),
            "valid_until": (TODAY - timedelta(days=1)).isoformat(),
            "issuer": "", "id_number": "51010519800101777X"}  # fmt: skip
    refused = site.client.post(PASSES, data=form, follow_redirects=False)
    assert refused.status_code == 422
    assert 'id="valid_until-error"' in refused.text and 'id="issuer-error"' in refused.text
    assert "51010519800101777X" not in refused.text and "D-77" in refused.text
    assert "D-77" not in site.client.get("/supply/passes", headers=administrator_headers(
        site.store)).text  # fmt: skip
    form |= {"valid_until": (TODAY + timedelta(days=5)).isoformat(), "issuer": "成都市防控办"}
    recorded = site.client.post(PASSES, data=form, follow_redirects=False)
    assert recorded.status_code == 303, recorded.text
    registers = site.client.get(recorded.headers["location"])
    row = re.search(r'<tr data-kind="person"[^>]*>(?:(?!</tr>).)*D-77(?:(?!</tr>).)*</tr>',
                    registers.text, re.S)  # fmt: skip
    assert row and "White list" in row.group(0) and "**************777X" in row.group(0)
    assert "51010519800101777X" not in registers.text
    site.client.cookies.clear()


def test_the_plans_list_shows_the_latest_first_with_what_is_missing(site: Site) -> None:
    """Two plans of the same day: the list shows the later first, each linked, with V2's
    missing driver in words; the CSV export holds the same rows."""
    headers = administrator_headers(site.store)
    first = site.client.post("/supply/shuttles", json=BODY, headers=headers).json()["id"]
    second = site.client.post("/supply/shuttles", json=BODY, headers=headers).json()["id"]
    sign_in(site, "zto.supply")
    page = site.client.get("/app/supply/shuttles")
    assert page.status_code == 200
    assert page.text.index(f"/app/supply/shuttles/{second}\"") < page.text.index(
        f"/app/supply/shuttles/{first}\"")  # fmt: skip
    assert "V2: " in page.text and "D-2" in page.text
    chinese = site.client.get(f"/app/supply/shuttles/{second}", params={"lang": "zh_CN"}).text
    missing = re.search(r'data-testid="plan-missing">(.*?)</section>', chinese, re.S)
    assert missing and "人员白名单" in missing.group(1)  # the register, read back in Chinese
    assert "white list entry" not in missing.group(1)
    assert '<a href="/app/supply/shuttles">' in chinese  # back to the list
    exported = site.client.get(
        "/app/supply/shuttles", params={"export": "csv", "table": "shuttle_plans"}
    )
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [row["Shuttle plan"] for row in rows][:2] == [f"#{second}", f"#{first}"]
    assert "V2: " in rows[0]["Missing passes"] and rows[0]["Sets delivered"]
    site.client.cookies.clear()
