"""Access checks that once let something slip: each test is built from the case that showed it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.audit import audit_entries, prune_audit, record, verify_audit
from peakguard.app.authentication import SecurityPolicy, login
from peakguard.app.context import open_store
from peakguard.app.events import ingest_events, parse_event_records
from peakguard.app.networks import save_network
from peakguard.config import Settings
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import ConflictError, ForbiddenError, UnauthenticatedError
from peakguard.formats.network_document import parse_network
from peakguard.identity.credentials import generate_password
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
)
from peakguard.store.database import Store
from tests.conftest import administrator_headers
from tests.integration.test_events_api import example_records

ADMIN = LOCAL_ADMINISTRATOR


@dataclass
class Site:
    store: Store
    lake: Path


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    store = open_store(settings)
    yield Site(store, tmp_path / "lake")
    store.engine.dispose()


def carrier(code: str, brand: str, region: str | None = None) -> Principal:
    organisation = Organisation(code, code, OrganisationKind.carrier, region=region, carrier=brand)
    return Principal(
        f"planner.{code}",
        organisation,
        frozenset(Permission),
        Channel.token,
    )


def one_brand(document: dict[str, Any], brand: str, name: str) -> dict[str, Any]:
    changed = dict(document, name=name, carriers=[{"code": brand, "name": brand}])
    changed["nodes"] = [dict(node, carrier=brand) for node in document["nodes"]]
    return changed


def test_another_carriers_network_name_answers_as_any_taken_name(
    site: Site, tiny: dict[str, Any]
) -> None:
    """ZTO storing under the name of SF's network learns only that the name is taken (409, the
    same with and without replace), never that the network holds another carrier's nodes."""
    save_network(
        site.store, parse_network(one_brand(tiny, "SF", "sf-only")), actor=ADMIN, source="t"
    )
    mine = parse_network(one_brand(tiny, "ZTO", "sf-only"))
    answers = []
    for replace in (False, True):
        with pytest.raises(ConflictError) as refused:
            save_network(site.store, mine, actor=carrier("zto", "ZTO"), source="t", replace=replace)
        answers.append(refused.value.render("en"))
    assert answers[0] == answers[1]
    assert "SF" not in answers[0] and "node" not in answers[0]


def test_audit_user_filter_is_not_a_prefix(site: Site) -> None:
    """Asking for user ``li`` does not return ``lin``'s entries, and ``_`` is no wildcard."""
    for name in ("li", "lin", "l_"):
        actor = Principal(name, ADMIN.organisation, frozenset(), Channel.session)
        record(site.store, actor, "login", "user", name)
    for asked, expected in (
        ("li", ["li@system"]),
        ("l_", ["l_@system"]),
        ("lin@system", ["lin@system"]),
    ):
        _total, found = audit_entries(site.store, ADMIN, user=asked)
        assert [entry.actor for entry in found] == expected


def test_pruning_never_takes_newer_entries(site: Site) -> None:
    """Entries written now, then some stamped long ago: pruning removes no entry newer than the
    retention, and the trail still verifies."""
    now = datetime.now(UTC)
    for index in range(3):
        record(site.store, ADMIN, "network.import", "network", f"new-{index}", at=now)
    for index in range(2):
        record(
            site.store,
            ADMIN,
            "network.import",
            "network",
            f"late-{index}",
            at=now - timedelta(days=2000),
        )
    assert prune_audit(site.store, ADMIN, retention_days=1096, now=now) == 0
    _total, left = audit_entries(site.store, ADMIN)
    assert {entry.record_id for entry in left} >= {"new-0", "new-1", "new-2"}
    assert verify_audit(site.store).intact


def test_every_refused_login_reads_the_same(site: Site) -> None:
    """An unknown name, a wrong password and a locked user get one message, so a guesser
    cannot tell which user names exist."""
    accounts.create_organisation(
        site.store, ADMIN, Organisation("ops", "ops", OrganisationKind.system)
    )
    _user, password = accounts.create_user(
        site.store, ADMIN, username="ops.admin", organisation="ops", roles=["administrator"]
    )
    policy = SecurityPolicy(timedelta(minutes=30), timedelta(hours=12), 2, timedelta(minutes=15))
    messages = []
    for name, attempt in (
        ("nobody", "x"),
        ("ops.admin", "wrong"),
        ("ops.admin", "wrong"),
        ("ops.admin", password),
    ):
        with pytest.raises(UnauthenticatedError) as refused:
            login(site.store, name, attempt, policy=policy)
        messages.append(refused.value.render("en"))
    assert len(set(messages)) == 1, messages


def test_a_provincial_company_sends_only_its_provinces_parcels(site: Site) -> None:
    """ZTO's Guangdong company may not send ZTO events of parcels neither from nor to
    Guangdong (the example's parcels run from Chengdu): refused with the row located, nothing
    stored; ZTO's Sichuan company sends the same events."""
    records = [dict(row, carrier="ZTO") for row in example_records()]
    assert all(row["origin_region"].startswith("51") for row in records)
    table = parse_event_records(records)
    with pytest.raises(ForbiddenError) as refused:
        ingest_events(
            site.store, site.lake, table, actor=carrier("zto-gd", "ZTO", "440000"), source="t"
        )
    assert refused.value.problems[0].location == "events[0].origin_region"
    assert not site.lake.exists() or not any(site.lake.rglob("*.parquet"))
    report = ingest_events(
        site.store, site.lake, table, actor=carrier("zto-sc", "ZTO", "510000"), source="t"
    )
    assert report.stored == len(records)


def test_generated_passwords_never_read_as_an_option() -> None:
    """A generated password never starts with '-' (a shell command would take it for an
    option); 2,000 draws, where one in 64 would otherwise."""
    assert not [p for p in (generate_password() for _ in range(2000)) if not p[0].isalnum()]


def test_audit_query_times_without_a_zone_are_china_time(database_url: str, tmp_path: Path) -> None:
    """GET /audit?since= with a time without its zone reads it as China time, as the CLI
    does, whatever the server's own zone: an entry written a minute ago is found from two
    minutes ago, and not from a minute ahead."""
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    store = open_store(settings)
    record(store, ADMIN, "network.import", "network", "probe")
    china_now = datetime.now(CHINA_STANDARD_TIME).replace(tzinfo=None)
    with TestClient(create_app(settings, store)) as client:
        client.headers.update(administrator_headers(store))
        found = {}
        for label, moment in (
            ("before", china_now - timedelta(minutes=2)),
            ("after", china_now + timedelta(minutes=1)),
        ):
            answer = client.get("/audit", params={"record": "probe", "since": moment.isoformat()})
            assert answer.status_code == 200, answer.text
            found[label] = answer.json()["total"]
    store.engine.dispose()
    assert found == {"before": 1, "after": 0}


def test_a_kept_principal_yields_at_once_to_a_revocation_here(
    database_url: str, tmp_path: Path
) -> None:
    """With the server keeping looked-up tokens (the default), a token revoked through this
    server is refused on the very next request, and a session ends at logout at once."""
    settings = Settings(database_url=database_url, home=tmp_path, language="en")
    assert settings.auth_cache_seconds > 0
    store = open_store(settings)
    with TestClient(create_app(settings, store)) as client:
        headers = administrator_headers(store)
        assert client.get("/networks", headers=headers).status_code == 200
        assert client.get("/networks", headers=headers).status_code == 200
        token_id = accounts.list_tokens(store, ADMIN)[-1].id
        accounts.revoke_token(store, ADMIN, token_id)
        assert client.get("/networks", headers=headers).status_code == 401
    store.engine.dispose()
