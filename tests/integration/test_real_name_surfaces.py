"""The real-name register over the API, the pages and the CLI, on SQLite (the engines are
tested in test_real_name.py). Beside what each surface does, every answer, page, CLI output
and log record a caller without ``realname.reveal`` gets is scanned for the full IDs: none may
hold one."""

from __future__ import annotations

import logging
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
from tests.integration.test_authentication import Site, make_site

PUBLISHED_ID = "11010519491231002X"
OTHER_ID = "440524188001010014"
WRONG_CHECK = "110105194912310021"
CREDIT_CODE = "91350100M000100Y43"
FULL_IDS = (PUBLISHED_ID, OTHER_ID, WRONG_CHECK, CREDIT_CODE, PUBLISHED_ID.lower())


def leaks(text: str) -> list[str]:
    """The full IDs ``text`` holds (also spaced out or lower-case)."""
    flat = re.sub(r"\s+", "", text).upper()
    return [number for number in FULL_IDS if number.upper() in flat]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site's ZTO, Chengdu office and administrator; ZTO's security officer, Chengdu's
    inspector."""
    home = tmp_path_factory.mktemp("realname")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            accounts.create_organisation(
                made.store,
                ADMIN,
                Organisation(code="yto", name="圆通", kind=OrganisationKind.carrier, carrier="YTO"),
            )
            for username, organisation, role in (
                ("zto.security", "zto", "security_officer"),
                ("cd.inspector", "sc-cd", "inspector"),
                ("yto.security", "yto", "security_officer"),
            ):
                made.passwords[username] = f"Pw-{len(username)}-{role[:3]}-q7Rm2xLw9Zt4"
                accounts.create_user(
                    made.store, ADMIN, username=username, organisation=organisation,
                    roles=[role], display_name=username, password=made.passwords[username],
                )  # fmt: skip
            yield made


def token(site: Site, organisation: str, *permissions: str) -> dict[str, str]:
    issued = accounts.issue_token(
        site.store,
        ADMIN,
        organisation=organisation,
        name=f"{organisation}-{'-'.join(permissions)}",
        permissions=list(permissions),
        days=30,
        max_days=365,
    )
    return {"Authorization": f"Bearer {issued.text}"}


def log_in(site: Site, username: str) -> None:
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def entry(waybill: str, number: str = PUBLISHED_ID, **changes: str) -> dict[str, str]:
    body = {
        "waybill": waybill,
        "carrier": "ZTO",
        "sender_name": "张三丰",
        "id_type": "resident_id",
        "id_number": number,
        "outlet": "ZTO-CD-WH01",
        "region": "510107",
        "accepted_at": "2026-11-11T09:00:00+08:00",
        "accepted_by": "E001",
    }
    return body | changes


def test_the_api_records_searches_reviews_and_reveals_without_leaking(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """A reporter's batch (30 parcels under one ID: flagged; an invalid ID: kept, flagged); a
    batch with an ID in the wrong field or refused at the counter: 422 naming the place, the ID
    masked; the inspector's search by ID masked; a review and a stale one (409); the reveal
    403 for the security officer, 200 with a reason for the inspector. Nothing any caller
    without realname.reveal got, and no log record, holds a full ID."""
    caplog.set_level(logging.DEBUG)
    client = site.client
    client.cookies.clear()
    reporter = token(site, "zto", "realname.write")
    security = token(site, "zto", "realname.write", "realname.read")
    inspector = token(site, "sc-cd", "realname.read", "realname.reveal")
    seen: list[str] = []

    def call(method: str, path: str, headers: dict[str, str], **options: object) -> object:
        answer = client.request(method, path, headers=headers, **options)  # type: ignore[arg-type]
        if headers is not inspector or not path.endswith("/reveal"):
            seen.append(answer.text)
        return answer

    batch = [entry(f"ZT{n:03d}") for n in range(30)] + [entry("ZT999", WRONG_CHECK)]
    recorded = call("POST", "/realname/entries", reporter, json={"entries": batch})
    assert recorded.status_code == 201, recorded.text  # type: ignore[attr-defined]
    assert recorded.json() == {  # type: ignore[attr-defined]
        "created": 31,
        "skipped_existing": 0,
        "invalid_ids": 1,
        "flags_raised": 2,
    }
    shifted = call(
        "POST",
        "/realname/entries",
        reporter,
        json={"entries": [entry("ZT1000", region=PUBLISHED_ID[:6] + " ", id_type=OTHER_ID)]},
    )
    assert shifted.status_code == 422  # type: ignore[attr-defined]
    counter = call(
        "POST",
        "/realname/entries",
        reporter,
        json={"entries": [entry("ZT1001", WRONG_CHECK)], "refuse_invalid": True},
    )
    assert counter.status_code == 422  # type: ignore[attr-defined]
    problem = counter.json()["error"]["problems"][0]  # type: ignore[attr-defined]
    assert problem["location"] == "entries[0].id_number"
    assert "**************0021" in problem["message"]
    found = call("POST", "/realname/search", inspector, json={"id_number": "110105194912310021"})
    assert found.json()["total"] == 1  # type: ignore[attr-defined]
    assert found.json()["entries"][0]["id_number"] == "**************0021"  # type: ignore[attr-defined]
    flags = call("GET", "/realname/flags", security).json()["flags"]  # type: ignore[attr-defined]
    assert sorted(flag["kind"] for flag in flags) == ["invalid_id", "volume_day"]
    invalid = next(flag for flag in flags if flag["kind"] == "invalid_id")
    review = {"decision": "confirm", "expected_version": 1, "reason": "网点未核验证件"}
    path = f"/realname/flags/{invalid['id']}/review"
    assert call("POST", path, security, json=review).status_code == 200  # type: ignore[attr-defined]
    assert call("POST", path, inspector, json=review).status_code == 409  # type: ignore[attr-defined]
    entry_id = found.json()["entries"][0]["id"]  # type: ignore[attr-defined]
    reveal = f"/realname/entries/{entry_id}/reveal"
    assert call("POST", reveal, security, json={"reason": "核对"}).status_code == 403  # type: ignore[attr-defined]
    shown = call("POST", reveal, inspector, json={"reason": "明察暗访 核对寄件人"})
    assert shown.json()["id_number"] == WRONG_CHECK  # type: ignore[attr-defined]
    assert call("GET", f"/realname/entries/{entry_id}", security).status_code == 200  # type: ignore[attr-defined]
    checked = call(
        "POST",
        "/realname/waybill-checks",
        inspector,
        json={"waybills": [{"waybill": "ZT1", "remark": f"证件 {PUBLISHED_ID}"}]},
    )
    findings = checked.json()["findings"]  # type: ignore[attr-defined]
    assert [(f["row"], f["field"], f["kind"]) for f in findings] == [(0, "remark", "id_number")]
    for text in seen:
        assert leaks(text) == [], text[:300]
    for record in caplog.records:
        assert leaks(record.getMessage() + repr(record.args)) == []


def test_the_pages_search_by_hash_mask_and_reveal_with_a_reason(site: Site) -> None:
    """The security officer's search by ID finds its entries masked and the ID is not shown
    back; no reveal button; the inspector reveals with a reason; a flag reviewed through its
    form, then a stale form gets 409; YTO's officer finds nothing of ZTO's."""
    log_in(site, "zto.security")
    page = site.client.get("/app/realname")
    assert page.status_code == 200 and "**************002X" in page.text
    searched = site.client.post(
        "/app/realname", data={"csrf_token": csrf_of(page.text), "id_number": PUBLISHED_ID}
    )
    assert searched.status_code == 200 and 'data-testid="realname-found"' in searched.text
    entry_link = re.search(r'href="(/app/realname/entries/\d+)"', searched.text)
    assert entry_link is not None
    detail = site.client.get(entry_link.group(1))
    assert "realname-reveal-button" not in detail.text
    denied = site.client.post(
        entry_link.group(1) + "/reveal", data={"csrf_token": csrf_of(page.text), "reason": "x"}
    )
    assert denied.status_code == 403
    flag_link = re.search(r'href="(/app/realname/flags/\d+)"', page.text)
    assert flag_link is not None
    flag_page = site.client.get(flag_link.group(1))
    texts = [page.text, searched.text, detail.text, denied.text, flag_page.text]
    log_in(site, "yto.security")
    assert site.client.get(entry_link.group(1)).status_code == 404
    log_in(site, "cd.inspector")
    detail = site.client.get(entry_link.group(1))
    token_ = csrf_of(detail.text)
    assert "realname-reveal-button" in detail.text
    shown = site.client.post(
        entry_link.group(1) + "/reveal", data={"csrf_token": token_, "reason": "核对寄件人身份"}
    )
    assert shown.status_code == 200 and 'data-testid="realname-revealed"' in shown.text
    assert "张三丰" in shown.text
    version = re.search(r'name="version" value="(\d+)"', site.client.get(flag_link.group(1)).text)
    assert version is not None  # the open flag (volume_day) comes first, with its form
    form = {"csrf_token": token_, "decision": "dismiss", "reason": "店主自发件"}
    form["version"] = version.group(1)
    done = site.client.post(flag_link.group(1) + "/review", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert 'data-state="dismissed"' in site.client.get(flag_link.group(1)).text
    stale = site.client.post(flag_link.group(1) + "/review", data=form)
    assert stale.status_code == 409
    for text in texts:
        assert leaks(text) == []


def test_the_cli_imports_searches_and_checks_waybills_without_showing_an_id(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """import (a bad cell located, then the corrected file), search by an ID read from
    standard input, show, flags, employees; check-waybills exits 1 naming row and field; only
    reveal prints the ID in clear."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(site.settings.home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    runner = CliRunner()

    def run(*arguments: str, code: int = 0, given: str | None = None) -> str:
        result = runner.invoke(
            cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"}, input=given
        )
        assert result.exit_code == code, result.output
        return result.output

    header = "waybill,carrier,sender_name,id_type,id_number,outlet,region,accepted_at,accepted_by\n"
    row = f"YT1,YTO,王五,居民身份证,{OTHER_ID},YTO-CD-01,510104,2026-11-11 10:00,Y01\n"
    register = tmp_path / "register.csv"
    register.write_text(header + row.replace("510104", "51"), encoding="utf-8")
    outputs = [run("realname", "import", str(register), code=2)]
    assert "register.csv row 2, column region" in outputs[0]
    register.write_text(header + row, encoding="utf-8")
    outputs.append(run("realname", "import", str(register), "--per-day", "1"))
    assert re.search(r"Flags raised\s*│\s*1", outputs[-1])  # one parcel reaches a threshold of 1
    outputs.append(run("realname", "search", "--id-stdin", given=OTHER_ID + "\n"))
    assert "**************0014" in outputs[-1] and "YT1" in outputs[-1]
    entry_id = re.search(r"│\s*(\d+)\s*│\s*YT1", outputs[-1])
    assert entry_id is not None
    outputs.append(run("realname", "show", entry_id.group(1)))
    outputs.append(run("realname", "flags"))
    staff = tmp_path / "staff.csv"
    staff.write_text(f"employee_code,id_type,id_number\nY01,身份证,{OTHER_ID}\n", encoding="utf-8")
    outputs.append(run("realname", "employees", str(staff), "--carrier", "YTO"))
    assert "Flags raised" in outputs[-1]
    outputs.append(run("realname", "employees"))
    assert "Y01" in outputs[-1]
    waybills = tmp_path / "waybills.csv"
    waybills.write_text(
        f"waybill,sender_name,remark\nYT1,王五,身份证{OTHER_ID}\nYT2,赵六,易碎\n", encoding="utf-8"
    )
    outputs.append(run("realname", "check-waybills", str(waybills), code=1))
    assert "remark" in outputs[-1]
    for output in outputs:
        assert leaks(output) == [], output
    revealed = run("realname", "reveal", entry_id.group(1), "--reason", "核对")
    assert OTHER_ID in revealed.replace(" ", "")


def test_the_cli_rotates_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries recorded under one key are sealed again under a new one: with the new key
    alone the search still finds them and reveal reads them."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", f"sqlite:///{tmp_path / 'rotate.db'}")
    monkeypatch.setenv("PEAKGUARD_PERSONAL_KEY", "old-secret-0123456789abcdef")
    runner = CliRunner()

    def run(*arguments: str, code: int = 0, given: str | None = None) -> str:
        result = runner.invoke(
            cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"}, input=given
        )
        assert result.exit_code == code, result.output
        return result.output

    register = tmp_path / "register.csv"
    register.write_text(
        "waybill,carrier,sender_name,id_type,id_number,outlet,region,accepted_at,accepted_by\n"
        f"ZT1,ZTO,张三,身份证,{PUBLISHED_ID},ZTO-CD-01,510107,2026-11-11 10:00,E1\n",
        encoding="utf-8",
    )
    run("realname", "import", str(register))
    old = tmp_path / "old.key"
    old.write_text("old-secret-0123456789abcdef")
    monkeypatch.setenv("PEAKGUARD_PERSONAL_KEY", "new-secret-fedcba9876543210")
    rotated = run("realname", "rotate", "--previous-key-file", str(old))
    assert re.search(r"Entries sealed again\s*│\s*1", rotated)
    found = run("realname", "search", "--id-stdin", given=PUBLISHED_ID + "\n")
    assert "**************002X" in found
    assert PUBLISHED_ID in run("realname", "reveal", "1", "--reason", "after rotation")
