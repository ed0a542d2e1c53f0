"""The abnormal-outlet list and the season's commitment letters on each engine: entries kept
with their history, read within reach; a company without a letter shown missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from peakguard.app.abnormal_outlets import (
    AbnormalOutletEntry,
    abnormal_outlets,
    add_abnormal_outlet,
    remove_abnormal_outlet,
)
from peakguard.app.commitments import (
    CommitmentDraft,
    attach_commitment_letter,
    commitments,
    record_commitment,
)
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.errors import ConflictError, ForbiddenError, InvalidInputError, StaleRecordError
from peakguard.store.database import Store
from tests.integration.inspection_fixtures import INSPECTOR, READER, populate, principal

PDF = b"%PDF-1.4\n" + b"x" * 40


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    populate(opened)
    yield opened
    opened.engine.dispose()


def test_an_outlet_listed_and_removed_keeps_its_history(store: Store) -> None:
    """The Sichuan office lists ZTO's Fucheng outlet (closed without notice); ZTO sees it, YTO
    not; removal needs a reason and the version read; afterwards the current list is empty and
    the history holds the entry with who removed it and why."""
    office = principal(store, "sc-post", "wang", INSPECTOR)
    entry = add_abnormal_outlet(
        store,
        office,
        AbnormalOutletEntry(
            reason="擅自停业",
            listed_from=date(2026, 11, 12),
            network="chengdu-mianyang",
            node_id="ZTO-MY-O1",
        ),
    )
    assert (entry.carrier, entry.region, entry.outlet) == ("ZTO", "510703", "中通涪城网点")
    assert entry.listed_on(date(2026, 11, 12)) and not entry.listed_on(date(2026, 11, 11))
    zto = principal(store, "zto-sc", "chen", READER)
    assert [item.id for item in abnormal_outlets(store, zto)] == [entry.id]
    assert abnormal_outlets(store, principal(store, "yto-sc", "yu", READER)) == []
    with pytest.raises(InvalidInputError):
        remove_abnormal_outlet(store, office, entry.id, reason=" ", expected_version=1)
    with pytest.raises(StaleRecordError):
        remove_abnormal_outlet(store, office, entry.id, reason="已恢复营业", expected_version=2)
    removed = remove_abnormal_outlet(
        store, office, entry.id, reason="已恢复营业", expected_version=1
    )
    assert (removed.removal_reason, removed.removed_by) == ("已恢复营业", "wang@sc-post")
    assert abnormal_outlets(store, office) == []
    assert [item.id for item in abnormal_outlets(store, office, include_removed=True)] == [entry.id]


def test_a_city_office_lists_only_in_its_city(store: Store) -> None:
    """Chengdu's office cannot list an outlet in Mianyang; a mistaken entry is located."""
    city = principal(store, "cd-post", "zhou", INSPECTOR)
    with pytest.raises(ForbiddenError):
        add_abnormal_outlet(
            store,
            city,
            AbnormalOutletEntry(
                reason="x",
                listed_from=date(2026, 11, 1),
                network="chengdu-mianyang",
                node_id="ZTO-MY-O1",
            ),
        )
    with pytest.raises(InvalidInputError) as refused:
        add_abnormal_outlet(
            store,
            city,
            AbnormalOutletEntry(
                reason="x",
                listed_from=date(2026, 11, 2),
                listed_until=date(2026, 11, 1),
                carrier="ZTO",
                region="510104",
                outlet="锦江网点",
            ),
        )
    assert [p.location for p in refused.value.problems] == ["listed_until"]


def test_a_company_without_its_letter_is_missing(store: Store) -> None:
    """ZTO signed with the Sichuan office on 28 October, YTO did not: the office sees YTO
    missing first, then ZTO with its signer and scan; ZTO sees only its own; a second letter of
    the same company, office and season is refused."""
    office = principal(store, "sc-post", "wang", INSPECTOR)
    letter = record_commitment(
        store,
        office,
        CommitmentDraft(
            company="zto-sc",
            season="2026",
            signed_on=date(2026, 10, 28),
            signer_name="赵总",
            signer_title="总经理",
        ),
    )
    scan = attach_commitment_letter(store, office, letter.id, name="承诺书.pdf", content=PDF)
    seen = commitments(store, office, season="2026")
    assert [(item.company, item.missing) for item in seen] == [("yto-sc", True), ("zto-sc", False)]
    signed, office_code, files = seen[1].letters[0]
    assert (signed.signer_name, office_code, files[0].sha256) == ("赵总", "sc-post", scan.sha256)
    zto = principal(store, "zto-sc", "chen", READER)
    assert [item.company for item in commitments(store, zto, season="2026")] == ["zto-sc"]
    with pytest.raises(ConflictError):
        record_commitment(
            store,
            office,
            CommitmentDraft(
                company="zto-sc",
                season="2026",
                signed_on=date(2026, 10, 29),
                signer_name="赵总",
                signer_title="总经理",
            ),
        )
    assert all(item.missing for item in commitments(store, office, season="2025"))
