"""Security evidence files on each engine: sniffed from their bytes, kept once by hash, attached
and read only inside the reader's reach, and every read audited."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from peakguard.app.context import open_store
from peakguard.app.security_evidence import attach_evidence, evidence_for, read_evidence
from peakguard.config import Settings
from peakguard.errors import ForbiddenError, InvalidInputError, NotFoundError
from peakguard.identity.model import (
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.audit_trail import query_entries
from peakguard.store.database import Store, transaction

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SECURITY = frozenset(
    {Permission.security_read, Permission.inspection_conduct, Permission.hold_place}
)


def person(code: str, kind: OrganisationKind, **fields: object) -> Principal:
    organisation = Organisation(code=code, name=code, kind=kind, **fields)  # type: ignore[arg-type]
    return Principal(f"officer-{code}", organisation, SECURITY, Channel.session)


SICHUAN = person(
    "sc-post", OrganisationKind.regulator, level=RegulatorLevel.provincial, region="510000"
)
CHENGDU = person("cd-post", OrganisationKind.regulator, level=RegulatorLevel.city, region="510100")
ZTO = person("zto-sc", OrganisationKind.carrier, carrier="ZTO", region="510000")
YTO = person("yto-sc", OrganisationKind.carrier, carrier="YTO", region="510000")


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(Settings(database_url=database_url, home=tmp_path))
    yield opened
    opened.engine.dispose()


def reads(store: Store) -> int:
    with transaction(store.sessions) as session:
        _total, entries = query_entries(session, limit=500)
    return sum(1 for entry in entries if entry.action == "security.evidence_read")


def test_a_hold_photo_is_kept_once_and_read_only_within_reach(store: Store) -> None:
    """ZTO's officer attaches an X-ray image to hold 7 in Mianyang (510703) twice: one file;
    the Sichuan office and ZTO read it (2 audited reads), Chengdu's office (5101) and YTO are
    told it does not exist, and reading refuses nothing more."""
    first = attach_evidence(
        store,
        ZTO,
        subject="hold",
        subject_id=7,
        name="../x光.png",
        content=PNG,
        region="510703",
        carrier="ZTO",
    )
    again = attach_evidence(
        store,
        ZTO,
        subject="hold",
        subject_id=7,
        name="again.png",
        content=PNG,
        region="510703",
        carrier="ZTO",
    )
    assert (first.added, again.added) == (True, False)
    assert (first.sha256, first.media_type, first.file_name) == (
        hashlib.sha256(PNG).hexdigest(),
        "image/png",
        "x光.png",
    )
    assert [ref.sha256 for ref in evidence_for(store, SICHUAN, subject="hold", subject_id=7)] == [
        first.sha256
    ]
    assert evidence_for(store, YTO, subject="hold", subject_id=7) == []
    assert read_evidence(store, SICHUAN, first.sha256)[1] == PNG
    assert read_evidence(store, ZTO, first.sha256.upper())[1] == PNG
    for outsider in (CHENGDU, YTO):
        with pytest.raises(NotFoundError):
            read_evidence(store, outsider, first.sha256)
    assert reads(store) == 2


def test_a_file_is_judged_by_its_bytes_and_outside_reach_refused(store: Store) -> None:
    """A text file named .png is refused with its location; YTO cannot attach to ZTO's record;
    a reader without a permission to attach to holds is refused."""
    with pytest.raises(InvalidInputError) as refused:
        attach_evidence(
            store,
            ZTO,
            subject="hold",
            subject_id=1,
            name="photo.png",
            content=b"hello",
            region="510703",
            carrier="ZTO",
        )
    assert refused.value.problems[0].location == "file"
    with pytest.raises(ForbiddenError):
        attach_evidence(
            store,
            YTO,
            subject="hold",
            subject_id=1,
            name="a.png",
            content=PNG,
            region="510703",
            carrier="ZTO",
        )
    reader = Principal(
        "analyst", SICHUAN.organisation, frozenset({Permission.security_read}), Channel.session
    )
    with pytest.raises(ForbiddenError):
        attach_evidence(
            store,
            reader,
            subject="hold",
            subject_id=1,
            name="a.png",
            content=PNG,
            region="510703",
            carrier="ZTO",
        )
