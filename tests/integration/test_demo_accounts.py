"""The demo's logins: one user for each kind of reader, each seeing its own part of a network,
with passwords made at demo time and made anew when the demo runs again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from peakguard.app import accounts
from peakguard.app.authentication import SecurityPolicy, login
from peakguard.app.context import open_store
from peakguard.app.demo_accounts import demo_accounts
from peakguard.app.networks import get_network, parse_network_document, save_network
from peakguard.config import Settings
from peakguard.domain.network import Network
from peakguard.errors import ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Organisation, OrganisationKind
from peakguard.store.database import Store
from tests.conftest import tiny_document

ADMIN = LOCAL_ADMINISTRATOR

EXPECTED = {
    # user: organisation kind, level, region, carrier; role
    "spb.analyst": (("regulator", "national", None, None), "analyst"),
    "sc.director": (("regulator", "provincial", "510000", None), "director"),
    "cd.duty": (("regulator", "city", "510100", None), "duty_officer"),
    "cd.complaints": (("regulator", "city", "510100", None), "complaint_handler"),
    "zto.planner": (("carrier", None, None, "ZTO"), "network_planner"),
    "zto-sc.reporter": (("carrier", None, "510000", "ZTO"), "data_reporter"),
    "zto-sc.service": (("carrier", None, "510000", "ZTO"), "carrier_complaint_handler"),
    "sf.planner": (("carrier", None, None, "SF"), "network_planner"),
    "sf-sc.security": (("carrier", None, "510000", "SF"), "security_officer"),
    "platform.operator": (("platform", None, None, None), "platform_operator"),
    "public.reader": (("public", None, None, None), "public_reader"),
}

ZTO_SICHUAN = {"CD-HUB", "DY-HUB", "MY-HUB", "CD-O1", "MY-S1"}
ZTO_ALL = ZTO_SICHUAN | {"CQ-S1"}
SF_ALL = {"SF-CD-O1", "SF-MY-S1"}
CHENGDU_NODES = {"CD-HUB", "CD-O1", "SF-CD-O1"}
SEES: dict[str, set[str] | None] = {
    # user: the nodes of the stored network it reads (None: it may not read networks)
    "spb.analyst": ZTO_ALL | SF_ALL,
    "sc.director": ZTO_SICHUAN | SF_ALL,
    "cd.duty": CHENGDU_NODES,
    "cd.complaints": CHENGDU_NODES,
    "zto.planner": ZTO_ALL,
    "zto-sc.reporter": ZTO_SICHUAN,
    "zto-sc.service": None,
    "sf.planner": SF_ALL,
    "sf-sc.security": SF_ALL,
    "platform.operator": None,
    "public.reader": None,
}


@dataclass
class Deployment:
    store: Store
    policy: SecurityPolicy


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its lowest cost: each run of the demo's accounts hashes a password per user (a
    fifth of a CPU second each at the deployment's cost) and these tests are about who the
    users are and what they see, which no cost changes; a wrong password is still refused and
    the right one still logs in. The deployment's cost has its own test
    (test_authentication.py)."""
    monkeypatch.setattr(
        credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def deployment(database_url: str, tmp_path: Path) -> Iterator[Deployment]:
    settings = Settings(database_url=database_url, home=tmp_path / "home")
    store = open_store(settings)
    yield Deployment(store, SecurityPolicy.of(settings))
    store.engine.dispose()


def small_network() -> Network:
    """The tiny ZTO line from Chengdu to Mianyang with a ZTO station in Chongqing, and two SF
    points (Chengdu, Mianyang)."""
    document = tiny_document()
    model = document["nodes"][3]
    document["carriers"].append({"code": "SF", "name": "顺丰速运"})
    document["nodes"] += [
        {**model, "id": "CQ-S1", "kind": "station", "region": "500103"},
        {**model, "id": "SF-CD-O1", "carrier": "SF", "region": "510104"},
        {**model, "id": "SF-MY-S1", "kind": "station", "carrier": "SF", "region": "510703"},
    ]
    lane = document["lanes"][0]
    document["lanes"] += [
        {**lane, "id": "L6", "origin": "MY-HUB", "destination": "CQ-S1", "transit_hours": 5.0},
        {**lane, "id": "L7", "origin": "SF-CD-O1", "destination": "SF-MY-S1"},
    ]
    return parse_network_document(document, "small")


def test_accounts_have_their_organisations_and_roles(deployment: Deployment) -> None:
    """Each demo user belongs to an organisation of the right kind, level, territory and
    brand, and holds the role that fits it."""
    store = deployment.store
    logins = demo_accounts(store, ADMIN)
    assert [login.username for login in logins] == list(EXPECTED)
    assert all(login.created for login in logins)
    organisations = {o.code: o for o in accounts.list_organisations(store, ADMIN)}
    for user in accounts.list_users(store, ADMIN):
        organisation = organisations[user.organisation]
        shape = (
            organisation.kind.value,
            organisation.level.value if organisation.level else None,
            organisation.region,
            organisation.carrier,
        )
        assert (shape, user.roles) == (EXPECTED[user.username][0], (EXPECTED[user.username][1],))
    names = {o.name for o in organisations.values()}
    assert {"国家邮政局", "四川省邮政管理局", "成都市邮政管理局"} <= names
    assert len({login.password for login in logins}) == len(logins)
    assert all(login.password not in repr(login) for login in logins)


def test_a_second_run_resets_every_password(deployment: Deployment) -> None:
    """Run again on the same database: nothing is registered twice, every password changes,
    the old one is refused and the new one logs in."""
    store = deployment.store
    first = demo_accounts(store, ADMIN)
    count = len(accounts.list_organisations(store, ADMIN))
    second = demo_accounts(store, ADMIN)
    assert len(accounts.list_organisations(store, ADMIN)) == count
    assert len(accounts.list_users(store, ADMIN)) == len(EXPECTED)
    assert not any(login.created for login in second)
    assert all(old.password != new.password for old, new in zip(first, second, strict=True))
    # a regulator, a carrier and the public
    for old, new in zip(first[2::3], second[2::3], strict=True):
        with pytest.raises(UnauthenticatedError):
            login(store, old.username, old.password, policy=deployment.policy)
        opened = login(store, new.username, new.password, policy=deployment.policy)
        assert opened.principal.name == new.username


def visible_nodes(deployment: Deployment, username: str, password: str) -> set[str] | None:
    principal = login(deployment.store, username, password, policy=deployment.policy).principal
    try:
        network = get_network(deployment.store, "small", actor=principal)
    except ForbiddenError:
        return None
    except NotFoundError:
        return set()
    return {node.id for node in network.nodes}


def test_each_login_sees_its_part_of_a_network(deployment: Deployment) -> None:
    """The national office sees every node, Sichuan's its province, Chengdu's only 5101…
    nodes; each carrier its own brand (a provincial company inside Sichuan); a platform and
    the public read no network at all."""
    network = small_network()
    save_network(deployment.store, network, actor=ADMIN, source="test")
    seen = {
        each.username: visible_nodes(deployment, each.username, each.password)
        for each in demo_accounts(deployment.store, ADMIN)
    }
    assert seen == SEES
    regions = {node.id: node.region for node in network.nodes}
    chengdu = seen["cd.duty"]
    assert chengdu
    assert all(regions[node].startswith("5101") for node in chengdu)


def test_a_stranger_of_a_demo_name_is_left_alone(deployment: Deployment) -> None:
    """A user named like a demo user but of another organisation stops the demo before any
    change: its password still works and no demo organisation is registered."""
    store = deployment.store
    accounts.create_organisation(store, ADMIN, Organisation("ops", "运维", OrganisationKind.system))
    _user, password = accounts.create_user(
        store, ADMIN, username="cd.duty", organisation="ops", roles=["administrator"]
    )
    with pytest.raises(ConflictError):
        demo_accounts(store, ADMIN)
    assert [o.code for o in accounts.list_organisations(store, ADMIN)] == ["ops"]
    assert login(store, "cd.duty", password, policy=deployment.policy).principal.name == "cd.duty"
