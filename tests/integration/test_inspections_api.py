"""Inspections over HTTP (SQLite; the engines are tested in test_inspections.py): the Sichuan
office plans a 暗访, answers the checklist from an Excel file (bad cells located), attaches a
photo, completes it; ZTO's token gets 404 until then, then the inspection, the finding and the
photo; a stale version is 409; the findings export as CSV; the lists and letters round-trip."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.cases.inspections import national_checklist
from peakguard.config import Settings
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.store.database import Store
from tests.integration.inspection_fixtures import populate

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 40


def token(store: Store, organisation: str, *permissions: str) -> dict[str, str]:
    issued = accounts.issue_token(
        store, LOCAL_ADMINISTRATOR, organisation=organisation, name=organisation,
        permissions=list(permissions), days=1, max_days=1,
    )  # fmt: skip
    return {"Authorization": f"Bearer {issued.text}"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'peakguard.db'}", home=tmp_path, language="en"
    )
    store = open_store(settings)
    populate(store)
    office = token(store, "sc-post", "security.read", "inspection.conduct")
    carrier = token(store, "zto-sc", "security.read")
    with TestClient(create_app(settings, store)) as client:
        yield client, office, carrier
    store.engine.dispose()


def answers_workbook(rows: list[tuple[str, str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["检查项", "结论", "说明"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_unannounced_visit_over_http(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    """As in the module's docstring, with hand-checked locations of the bad cells."""
    client, office, carrier = world
    planned = client.post(
        "/inspections",
        headers=office,
        json={
            "kind": "unannounced", "conducted_by": "regulator", "company": "zto-sc",
            "scheduled_at": "2026-11-05T09:00:00+08:00", "inspectors": ["wang"],
            "network": "chengdu-mianyang", "node_id": "ZTO-MY-O1",
        },
    )  # fmt: skip
    assert planned.status_code == 201, planned.text
    location = planned.headers["Location"]
    assert client.get(location, headers=carrier).status_code == 404
    assert client.get("/inspections", headers=carrier).json() == []
    started = client.post(f"{location}/start", headers=office, json={"expected_version": 1})
    assert started.json()["state"] == "in_progress"
    stale = client.post(f"{location}/start", headers=office, json={"expected_version": 1})
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "stale_record")
    keys = [item.key for item in national_checklist().items]
    bad = answers_workbook(
        [(keys[0], "maybe", ""), ("no.such_item", "符合", ""), (keys[1], "不符合", "")]
    )
    refused = client.post(
        f"{location}/answers/file", headers=office, content=bad,
        params={"expected_version": 2, "file_name": "answers.xlsx"},
    )  # fmt: skip
    assert refused.status_code == 422
    places = [problem["location"] for problem in refused.json()["error"]["problems"]]
    assert places == [
        'answers.xlsx: sheet "Sheet", row 2, column answer',
        'answers.xlsx: sheet "Sheet", row 3, column item',
        'answers.xlsx: sheet "Sheet", row 4, column note',
    ], places
    rows = [(key, "符合", "") for key in keys]
    rows[keys.index("x_ray.images_kept")] = ("x_ray.images_kept", "不符合", "图像仅保存7天")
    answered = client.post(
        f"{location}/answers/file", headers=office, content=answers_workbook(rows),
        params={"expected_version": 2, "file_name": "answers.xlsx"},
    )  # fmt: skip
    assert answered.status_code == 200, answered.text
    finding = answered.json()["findings"][0]
    assert (finding["item"], finding["rule"], finding["description"]) == (
        "x_ray.images_kept",
        "x_ray",
        "图像仅保存7天",
    )
    photo = client.post(
        f"/inspections/findings/{finding['id']}/evidence", headers=office, content=PNG,
        params={"file_name": "监控.png"},
    )  # fmt: skip
    assert photo.status_code == 201, photo.text
    version = answered.json()["version"]
    done = client.post(f"{location}/complete", headers=office, json={"expected_version": version})
    assert done.json()["state"] == "completed"
    seen = client.get(location, headers=carrier).json()
    assert seen["findings"][0]["evidence"][0]["sha256"] == photo.json()["sha256"]
    download = client.get(f"/security/evidence/{photo.json()['sha256']}", headers=carrier)
    assert download.content == PNG and download.headers["content-type"] == "image/png"
    export = client.get("/inspections/export", headers=carrier, params={"what": "findings"})
    lines = export.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "图像仅保存7天" in lines[1] and "x_ray.images_kept" in lines[1]
    workbook = client.get("/inspections/export", headers=office, params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None and sheet.max_row == 2


def test_lists_and_letters_over_http(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    """An outlet listed and removed by version; YTO's company shown missing a letter, ZTO's
    with its signer after the letter is recorded; the carrier cannot record."""
    client, office, carrier = world
    listed = client.post(
        "/abnormal-outlets", headers=office,
        json={"reason": "擅自停业", "listed_from": "2026-11-12", "network": "chengdu-mianyang",
              "node_id": "ZTO-MY-O1"},
    )  # fmt: skip
    assert listed.status_code == 201, listed.text
    assert [item["outlet"] for item in client.get("/abnormal-outlets", headers=carrier).json()] == [
        "中通涪城网点"
    ]
    removed = client.post(
        f"/abnormal-outlets/{listed.json()['id']}/remove", headers=office,
        json={"expected_version": 1, "reason": "已恢复营业"},
    )  # fmt: skip
    assert removed.json()["removal_reason"] == "已恢复营业"
    assert client.get("/abnormal-outlets", headers=office).json() == []
    letter = {"company": "zto-sc", "season": "2026", "signed_on": "2026-10-28",
              "signer_name": "赵总", "signer_title": "总经理"}  # fmt: skip
    assert client.post("/commitments", headers=carrier, json=letter).status_code == 403
    assert client.post("/commitments", headers=office, json=letter).status_code == 201
    seen = client.get("/commitments", headers=office, params={"season": "2026"}).json()
    assert [(item["company"], item["missing"]) for item in seen] == [
        ("yto-sc", True),
        ("zto-sc", False),
    ]
    assert seen[1]["letters"][0]["signer_name"] == "赵总"
