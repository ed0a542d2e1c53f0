"""Shared set-up of the inspection tests: Chengdu–Mianyang stored; the Sichuan and Chengdu
offices, ZTO's and YTO's Sichuan companies; an inspector at each office and a security officer
at ZTO."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from peakguard.app import accounts
from peakguard.app.networks import save_network
from peakguard.formats.loading import load_network
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
    RegulatorLevel,
)
from peakguard.store.database import Store

CHINA = ZoneInfo("Asia/Shanghai")
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
MORNING = datetime(2026, 11, 5, 9, 0, tzinfo=CHINA)
INSPECTOR = frozenset(
    {Permission.security_read, Permission.inspection_conduct, Permission.order_issue}
)
READER = frozenset({Permission.security_read})
ORGANISATIONS = (
    ("sc-post", OrganisationKind.regulator, None, RegulatorLevel.provincial, "510000"),
    ("cd-post", OrganisationKind.regulator, None, RegulatorLevel.city, "510100"),
    ("zto-sc", OrganisationKind.carrier, "ZTO", None, "510000"),
    ("yto-sc", OrganisationKind.carrier, "YTO", None, "510000"),
)
USERS = (
    ("wang", "sc-post", "inspector"),
    ("li", "sc-post", "inspector"),
    ("zhou", "cd-post", "inspector"),
    ("chen", "zto-sc", "security_officer"),
)


def populate(store: Store) -> None:
    save_network(
        store,
        actor=LOCAL_ADMINISTRATOR,
        network=load_network(EXAMPLES / "chengdu-mianyang.yaml"),
        source="test",
    )
    for code, kind, carrier, level, region in ORGANISATIONS:
        accounts.create_organisation(
            store,
            LOCAL_ADMINISTRATOR,
            Organisation(
                code=code, name=code, kind=kind, carrier=carrier, level=level, region=region
            ),
        )
    for username, organisation, role in USERS:
        accounts.create_user(
            store,
            LOCAL_ADMINISTRATOR,
            username=username,
            organisation=organisation,
            roles=[role],
            password="a long enough passphrase 2026",
        )


def principal(store: Store, code: str, name: str, permissions: frozenset[Permission]) -> Principal:
    found = {item.code: item for item in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)}
    return Principal(name, found[code], permissions, Channel.session)
