"""The landing pages (command centre, network desk, platform, notices) through the real login
form: each reader sees only its reach on the map, in the tables and in their exports."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from peakguard.app import accounts
from peakguard.app.networks import parse_network_document, save_network
from peakguard.identity.model import LOCAL_ADMINISTRATOR as ADMIN
from peakguard.identity.model import Organisation, OrganisationKind
from tests.integration.test_authentication import Site, cheap_passwords, make_site
from tests.unit.app.test_situation import (
    CHENGDU,
    SF_HUB,
    ZTO,
    finished_simulation,
    two_brand_document,
)

__all__ = ["cheap_passwords"]


@pytest.fixture
def site(tmp_path: Path, cheap_passwords: None) -> Iterator[Site]:
    """site: SQLite (the pages only read), the two-brands network stored, a finished
    simulation of Chengdu's office and of ZTO, a platform and a public reader. The site runs
    no jobs itself: its worker would otherwise claim the simulations queued here first."""
    url = f"sqlite:///{tmp_path / 'peakguard.db'}"
    for made in make_site(url, tmp_path, language="en", concurrent_runs=0):
        network = parse_network_document(two_brand_document())
        save_network(made.store, network, actor=ADMIN, source="test")
        for organisation in (
            Organisation("shop", "A platform", OrganisationKind.platform),
            Organisation("readers", "Readers", OrganisationKind.public),
        ):
            accounts.create_organisation(made.store, ADMIN, organisation)
        for username, organisation, role in (
            ("cd.duty", "sc-cd", "duty_officer"),
            ("zto.planner", "zto", "network_planner"),
            ("shop.operator", "shop", "platform_operator"),
            ("reader", "readers", "public_reader"),
        ):
            made.passwords[username] = f"Pw-{len(username)}-q7Rm2xLw9Zt4"
            accounts.create_user(
                made.store, ADMIN, username=username, organisation=organisation, roles=[role],
                display_name=username, password=made.passwords[username],
            )  # fmt: skip
        finished_simulation(made.store, tmp_path, CHENGDU)
        finished_simulation(made.store, tmp_path, ZTO)
        yield made


def log_in(site: Site, username: str) -> str:
    site.client.cookies.clear()
    page = site.client.post(
        "/app/login",
        data={"username": username, "password": site.passwords[username]},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    return str(page.headers["location"])


def chart_option(html: str, key: str) -> dict:
    found = re.search(rf'<script type="application/json" id="chart-{key}-option">(.*?)</script>',
                      html, re.S)  # fmt: skip
    assert found, f"no chart {key}"
    return json.loads(found.group(1))


def test_the_chengdu_office_lands_on_its_command_centre_with_chengdu_hubs_only(site: Site) -> None:
    """The map, the hubs' table, the embedded curves and the exports hold Chengdu's hubs of
    both brands and nothing of Mianyang or Xi'an."""
    assert log_in(site, "cd.duty") == "/app/command"
    page = site.client.get("/app/command")
    assert page.status_code == 200
    option = chart_option(page.text, "map")
    assert option["geo"]["map"] == "510000"
    nodes = {item["node"] for series in option["series"] for item in series["data"]}
    assert nodes == {"ZTO-CD-HUB", SF_HUB}
    for outside in ("ZTO-MY-HUB", "ZTO-XA-GW", "中通绵阳转运中心"):
        assert outside not in page.text
    hubs = site.client.get("/app/command", params={"export": "csv", "table": "hubs"})
    assert hubs.status_code == 200 and "ZTO-CD-HUB" in hubs.text and SF_HUB in hubs.text
    assert "ZTO-MY-HUB" not in hubs.text
    warnings = site.client.get("/app/command", params={"export": "csv", "table": "warnings"})
    assert warnings.status_code == 200 and "ZTO-MY-HUB" not in warnings.text
    assert 'data-testid="hour-shown"' in page.text


def test_a_zto_planner_lands_on_its_desk_without_any_sf_hub(site: Site) -> None:
    assert log_in(site, "zto.planner") == "/app/desk"
    page = site.client.get("/app/desk")
    assert page.status_code == 200
    assert "ZTO-MY-HUB" in page.text and SF_HUB not in page.text
    load = site.client.get("/app/desk", params={"export": "xlsx", "table": "hub_load"})
    assert load.status_code == 200 and load.content[:2] == b"PK"
    assert site.client.get("/app/command").status_code == 200  # a page it may open, not its own


def test_a_bad_hour_is_located(site: Site) -> None:
    log_in(site, "cd.duty")
    page = site.client.get("/app/command", params={"at": "eleven"})
    assert page.status_code == 422 and "<code>at</code>" in page.text


def test_the_platform_and_the_public_see_that_no_notice_is_published(site: Site) -> None:
    assert log_in(site, "shop.operator") == "/app/platform"
    assert 'data-testid="no-notices"' in site.client.get("/app/platform").text
    assert site.client.get("/app/command").status_code == 403
    assert log_in(site, "reader") == "/app/notices"
    assert 'data-testid="no-notices"' in site.client.get("/app/notices").text
    site.client.cookies.clear()
    # the notices in force are the public's to read: open to anonymous visitors too (#18)
    anonymous = site.client.get("/app/notices", follow_redirects=False)
    assert anonymous.status_code == 200 and 'data-testid="no-notices"' in anonymous.text


def test_a_view_again_is_quick(site: Site) -> None:
    """Measured, not a benchmark: the second view of the command centre is answered from what
    the process keeps (the network, the run's files)."""
    log_in(site, "cd.duty")
    site.client.get("/app/command")
    start = time.perf_counter()
    assert site.client.get("/app/command").status_code == 200
    # Wall time (the server answers on another thread), with room for the suite's other
    # worker sharing the cores.
    assert time.perf_counter() - start < 2.0
