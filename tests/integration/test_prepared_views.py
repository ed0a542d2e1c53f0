"""Views prepared before anyone asks: after the preparer's round, a user's first view of its
bulletin is read from what the process kept (nothing is measured again), and a new event
makes the next round measure afresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peakguard.app import bulletins
from peakguard.app.events import ingest_events, parse_event_records
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from peakguard.web.pages.prepared import organisations_with_users, prepare_all
from tests.integration.test_authentication import Site, cheap_passwords, make_site
from tests.integration.test_events_api import example_records

__all__ = ["cheap_passwords"]


@pytest.fixture
def site(tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    yield from make_site(f"sqlite:///{tmp_path / 'p.db'}", tmp_path)


def test_a_first_view_reads_what_was_prepared(site: Site) -> None:
    events = parse_event_records(example_records())
    ingest_events(site.store, site.lake, events, actor=LOCAL_ADMINISTRATOR, source="test")
    kinds = {o.code: o.kind.value for o in organisations_with_users(site.store)}
    assert kinds == {"zto": "carrier", "sc-cd": "regulator"}, "the system is not prepared"
    bulletins._bulletins_kept.clear()
    assert prepare_all(site.client.app) == 2  # type: ignore[arg-type]
    prepared = len(bulletins._bulletins_kept)
    assert prepared >= 1
    site.client.post(
        "/app/login", data={"username": "cd.analyst", "password": site.passwords["cd.analyst"]}
    )
    page = site.client.get("/app/bulletins", follow_redirects=False)
    assert page.status_code == 200 and 'data-table="carriers"' in page.text, page.text[:300]
    assert len(bulletins._bulletins_kept) == prepared, "the page measured again"
    more = [dict(record, waybill="W-NEW-" + str(i)) for i, record in enumerate(example_records())]
    ingest_events(
        site.store, site.lake, parse_event_records(more), actor=LOCAL_ADMINISTRATOR, source="t2"
    )
    prepare_all(site.client.app)  # type: ignore[arg-type]
    assert len(bulletins._bulletins_kept) > prepared, "a new event is measured afresh"
