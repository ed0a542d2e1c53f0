"""Notices to the public over the API, the pages and the CLI, on SQLite (the operations are
tested on both engines in test_notices.py): an anonymous caller tracks a parcel bound for
controlled Mianyang and sees the notice and no scan; the public page is open to all; the
administrator's API publishes a tip the public then reads; the CLI publishes the city's
notice, tracks the parcel, sends the message from a CSV and shows the outbox with the phone
masked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from peakguard.app.incidents import IncidentDraft, open_incident
from peakguard.cli import app as cli_app
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from tests.conftest import administrator_headers
from tests.integration.test_authentication import Site, make_site
from tests.integration.test_notices import lake_of

CST = CHINA_STANDARD_TIME
PHONE = "13812345678"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site, its lake holding the Mianyang parcels, and Mianyang controlled from 12
    to 17 November."""
    home = tmp_path_factory.mktemp("notices")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            lake_of(made.lake)
            start = datetime(2026, 11, 12, tzinfo=CST)
            draft = IncidentDraft(
                "epidemic_control", "ZTO", "510700", start, "Mianyang under static control",
                period_end=datetime(2026, 11, 17, tzinfo=CST), blocked=True,
            )  # fmt: skip
            open_incident(made.store, draft, actor=LOCAL_ADMINISTRATOR, now=start)
            yield made


def test_anyone_tracks_a_parcel_and_sees_the_notice_but_no_scan(site: Site) -> None:
    """GET /tracking/ZT-IN1 without credentials: the notice in English, an arrival held by
    no scans; an unknown waybill is a 404; the page shows the notice too."""
    site.client.cookies.clear()
    answer = site.client.get("/tracking/ZT-IN1", headers={"Accept-Language": "en"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "static control" in body["notice"] and body["notice_region"] == "510700"
    assert body["scans"] == []
    # measured parcels older than the week's look-back before now: no estimate is promised
    assert (body["arrival"], body["arrival_basis"]) == (None, "unknown")
    assert site.client.get("/tracking/NO-SUCH").status_code == 404
    page = site.client.get("/app/tracking?waybill=ZT-IN1", follow_redirects=False)
    assert page.status_code == 200 and 'data-testid="tracking-notice"' in page.text
    assert site.client.get("/app/notices", follow_redirects=False).status_code == 200


def test_a_tip_published_through_the_api_is_read_by_the_public(site: Site) -> None:
    """The administrator publishes a Sichuan tip; anonymous GET /notices?region=510703 has it,
    in Chinese by default; Guangdong's region does not."""
    tip = {
        "territory": "510000", "valid_from": "2026-01-01T00:00:00+08:00",
        "valid_until": "2099-01-01T00:00:00+08:00", "title_zh": "旺季提示",
        "title_en": "Peak tip", "text_zh": "请提前寄递。", "text_en": "Send early.",
    }  # fmt: skip
    made = site.client.post("/notices/tips", json=tip, headers=administrator_headers(site.store))
    assert made.status_code == 201, made.text
    site.client.cookies.clear()
    shown = site.client.get("/notices", params={"region": "510703"}).json()
    assert [notice["title_zh"] for notice in shown] == ["旺季提示"]
    assert site.client.get("/notices", params={"region": "440300"}).json() == []


def test_the_cli_publishes_tracks_sends_and_shows_the_outbox_masked(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """notice publish / track / send / outbox: the message's phone is masked in every output."""
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", site.settings.database_url)
    monkeypatch.setenv("PEAKGUARD_HOME", str(site.settings.home))
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> str:
        result = runner.invoke(cli_app, ["--lang", "en", *arguments], env={"COLUMNS": "240"})
        assert result.exit_code == code, result.output
        return result.output

    lake = ["--lake", str(site.lake), "--at", "2026-11-13T12:00+08:00"]
    assert "Published notice" in run("notice", "publish", "510700", "--at", lake[3])
    tracked = run("notice", "track", "ZT-IN1", *lake)
    assert "ZTO-CD-O1" in tracked and "static control" in tracked
    recipients = tmp_path / "recipients.csv"
    recipients.write_text(f"waybill,phone,language\nZT-IN1,{PHONE},en\nZT-CD,13900002222,zh\n")
    sent = run("notice", "send", str(recipients), *lake)
    assert "138****5678" in sent and PHONE not in sent and "Skipped ZT-CD" in sent
    outbox = run("notice", "outbox")
    assert "138****5678" in outbox and PHONE not in outbox
    assert "Notices to the public" in run("notice", "list")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("waybill\nZT-IN1\n")
    run("notice", "send", str(wrong), *lake, code=2)
