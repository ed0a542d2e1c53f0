"""The notice forms (publish a tip, publish a controlled area's notice, withdraw) and their API
under hostile input, in the spirit of the hostile corpus of issue #13 (tests/hostile_corpus.py):
NUL and invisible characters, full-width digits, numbers past 2**63, a year 1 the store cannot
turn into UTC. Each is refused naming its field, never a 500, and no notice is written or
changed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from peakguard.app import accounts
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.store.database import transaction
from peakguard.store.notice_tables import PublicNoticeRow
from tests.integration.test_authentication import Site, make_site

TIP = {"territory": "510000", "valid_from": "2026-11-10T00:00+08:00",
       "valid_until": "2026-11-20T00:00+08:00", "title_zh": "旺季提示", "title_en": "Peak tip",
       "text_zh": "请提前寄递。", "text_en": "Send early."}  # fmt: skip
TIP_CASES: list[tuple[str, str]] = [
    ("territory", "５１００００"),
    ("territory", "510000\x00"),
    ("valid_from", "0001-01-01T00:00+08:00"),
    ("valid_until", "9999-12-31T23:00-05:00"),
    ("valid_from", "2026-02-30T00:00+08:00"),
    ("title_zh", "旺季\u202e提示"),
    ("text_zh", "请提前\x00寄递。"),
    ("text_en", "Send\u200bearly."),
    ("title_en", "x" * 5000),
]
BIG = "18446744073709551616"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """make_site's ZTO with a supply coordinator (who publishes ZTO's notices)."""
    home = tmp_path_factory.mktemp("notices-hostile")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        for made in make_site(f"sqlite:///{home / 'peakguard.db'}", home):
            made.passwords["zto.notices"] = "Pw-11-q7Rm2xLw9Zt4-notices"
            accounts.create_user(
                made.store, ADMIN, username="zto.notices", organisation="zto",
                roles=["supply_coordinator"], display_name="中通保供专员",
                password=made.passwords["zto.notices"],
            )  # fmt: skip
            yield made


@pytest.fixture(scope="module")
def csrf(site: Site) -> str:
    """Signed in on the pages as ZTO's coordinator; the form's CSRF token."""
    site.client.cookies.clear()
    answer = site.client.post(
        "/app/login",
        data={"username": "zto.notices", "password": site.passwords["zto.notices"]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    found = re.search(
        r'name="csrf_token" value="([^"]+)"', site.client.get("/app/notices/manage").text
    )
    assert found is not None
    return found.group(1)


def _notices(site: Site) -> list[tuple[int, str, int]]:
    with transaction(site.store.sessions) as session:
        rows = session.scalars(select(PublicNoticeRow).order_by(PublicNoticeRow.id))
        return [(row.id, row.state, row.version) for row in rows]


@pytest.mark.parametrize(("field", "value"), TIP_CASES)
def test_the_tip_form_refuses_a_hostile_value_naming_its_field(
    site: Site, csrf: str, field: str, value: str
) -> None:
    """One hostile value on the tip form: 422, the field named, nothing published (a year-1
    start used to be a 500, full-width digits a tip for the region '５１００００')."""
    before = _notices(site)
    answer = site.client.post(
        "/app/notices/manage/tips",
        data={**TIP, field: value, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 422, answer.text[:300]
    assert 'role="alert"' in answer.text and field in answer.text
    assert _notices(site) == before


def test_a_withdrawal_with_numbers_past_int64_is_refused(site: Site, csrf: str) -> None:
    """A version or a notice number of 2**64 on the withdraw form and the API: refused (422 or
    404), never a 500; the notice stays published at its version."""
    published = site.client.post(
        "/app/notices/manage/tips", data={**TIP, "csrf_token": csrf}, follow_redirects=False
    )
    assert published.status_code == 303, published.text[:300]
    before = _notices(site)
    notice = before[-1][0]
    for path, version in (
        (f"/app/notices/manage/{notice}/withdraw", BIG),
        (f"/app/notices/manage/{notice}/withdraw", "１"),
        (f"/app/notices/manage/{BIG}/withdraw", "1"),
    ):
        answer = site.client.post(
            path, data={"version": version, "csrf_token": csrf}, follow_redirects=False
        )
        assert answer.status_code in (404, 422), (path, version, answer.status_code)
    headers = {"X-CSRF-Token": csrf}
    for path, version in (
        (f"/notices/{notice}/withdraw", int(BIG)),
        (f"/notices/{BIG}/withdraw", 1),
    ):
        answer = site.client.post(path, json={"expected_version": version}, headers=headers)
        assert answer.status_code == 422, (path, answer.status_code, answer.text[:200])
    assert _notices(site) == before


def test_the_control_notice_refuses_a_hostile_region_or_window(site: Site, csrf: str) -> None:
    """The controlled area's form with a NUL or full-width region, and the API with a year-1
    start: refused, naming the field as the body names it (start, not the tip's valid_from),
    nothing published."""
    before = _notices(site)
    for region in ("５１０７００", "5107\x00", "<b>"):
        answer = site.client.post(
            "/app/notices/manage/controls",
            data={"region": region, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert answer.status_code == 422, (region, answer.status_code)
    body = {"region": "510700", "start": "0001-01-01T00:00:00+08:00",
            "end": "2026-11-17T00:00:00+08:00"}  # fmt: skip
    answer = site.client.post("/notices/controls", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422, answer.text
    assert [p["location"] for p in answer.json()["error"]["problems"]] == ["start"]
    assert _notices(site) == before
