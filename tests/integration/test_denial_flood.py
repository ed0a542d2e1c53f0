"""A caller hammering a forbidden route cannot flood the audit trail, nor hide the attempt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from peakguard.app.audit import audit_entries, verify_audit
from peakguard.app.authentication import DenialLedger, record_denial
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Principal,
)
from peakguard.store.database import Store

INTRUDER = Principal(
    "planner.zto",
    Organisation("zto-hq", "ZTO", OrganisationKind.carrier, carrier="ZTO"),
    frozenset(),
    Channel.token,
    token_id=17,
)


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def _denials(store: Store) -> list[int]:
    _total, entries = audit_entries(store, LOCAL_ADMINISTRATOR, limit=1000)
    counts = [
        int(entry.detail.get("refusals_in_window", 1))
        for entry in entries
        if entry.outcome == "denied"
    ]
    return sorted(counts)


def test_a_hundred_refusals_write_seven_entries_that_still_show_the_scale(store: Store) -> None:
    """Refusals 1, 2, 4 … 64 of one minute are recorded, each with its count: log₂(100) + 1
    entries, the largest saying 64 — the attempt's size to within a factor of two."""
    ledger = DenialLedger(window_seconds=3600)
    for _ in range(100):
        record_denial(store, INTRUDER, "admin.manage", "GET /admin/users", ledger=ledger)
    assert _denials(store) == [1, 2, 4, 8, 16, 32, 64]
    checked = verify_audit(store)
    assert checked.entries == 7
    assert not checked.breaks


def test_each_target_and_each_new_window_is_recorded_afresh() -> None:
    """Another route is another attempt; after the window the count starts again."""
    ledger = DenialLedger(window_seconds=60)
    key = ("token:17", "admin.manage", "GET /admin/users")
    assert [ledger.count(key, now=0.0) for _ in range(3)] == [1, 2, None]
    assert ledger.count(("token:17", "audit.read", "GET /audit"), now=1.0) == 1
    assert ledger.count(key, now=61.0) == 1
