"""The warnings pages (SQLite): Sichuan's duty officer sees the open yellow warning on
Deyang in its colour with its reason and the local-policy note, acknowledges it from the list,
and reads it acknowledged; YTO's network planner sees none of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app import accounts
from peakguard.app.context import open_store
from peakguard.app.networks import parse_network_document, save_network
from peakguard.app.observed_warnings import evaluate_warnings
from peakguard.config import Settings
from peakguard.identity import credentials
from peakguard.identity.model import LOCAL_ADMINISTRATOR
from tests.integration.test_observed_warnings import (
    DAY,
    SC_POST,
    YTO,
    ZTO_SC,
    arrivals,
    events,
    watched_document,
)

PASSWORD = "Pw-watch-q7Rm2xLw9Zt4"


@pytest.fixture
def client(
    tmp_path: Path, tiny: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, int]]:
    """A site with a yellow warning on Deyang, a duty officer at Sichuan's administration and
    a network planner at YTO; the client and the warning's id."""
    monkeypatch.setattr(
        credentials, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'p.db'}", home=tmp_path, language="en",
        cookie_secure=False, auth_cache_seconds=0,
    )  # fmt: skip
    store = open_store(settings)
    admin = LOCAL_ADMINISTRATOR
    for organisation in (SC_POST, ZTO_SC, YTO):
        accounts.create_organisation(store, admin, organisation)
    for username, code, role in (
        ("duty.sc", "sc-post", "duty_officer"),
        ("yto.a", "yto", "network_planner"),
    ):
        accounts.create_user(
            store, admin, username=username, organisation=code, roles=[role],
            display_name=username, password=PASSWORD,
        )  # fmt: skip
    save_network(store, parse_network_document(watched_document(tiny)), actor=admin, source="t")
    done = evaluate_warnings(
        store, actor=admin, now=DAY + timedelta(hours=12), network_name="tiny",
        events=events(arrivals(8, 10)),
    )  # fmt: skip
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client, done.raised[0]
    store.engine.dispose()


def log_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    answer = client.post(
        "/app/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def test_the_duty_acknowledges_from_the_list(client: tuple[TestClient, int]) -> None:
    """The list shows one open yellow card (reason 80 %, local policy); Acknowledge posts the
    version read and leads to the warning, now acknowledged by the officer; again: 409."""
    site, warning_id = client
    log_in(site, "duty.sc")
    page = site.get("/app/warnings")
    assert page.status_code == 200
    assert page.text.count('data-testid="open-warning"') == 1
    assert 'data-level="yellow"' in page.text and "80%" in page.text
    assert "local policy" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "version": "1"}
    done = site.post(f"/app/warnings/{warning_id}/acknowledge", data=form, follow_redirects=True)
    assert done.status_code == 200
    assert 'data-state="acknowledged"' in done.text and "duty.sc" in done.text
    again = site.post(f"/app/warnings/{warning_id}/acknowledge", data=form)
    assert again.status_code == 409 and 'data-testid="warning-message"' in again.text
    exported = site.get(
        "/app/warnings", params={"state": "all", "export": "csv", "table": "warnings"}
    )
    assert exported.status_code == 200 and "DY-HUB" in exported.text


def test_another_brand_sees_nothing(client: tuple[TestClient, int]) -> None:
    """YTO's network planner: no open warning, and the warning's page is not found."""
    site, warning_id = client
    log_in(site, "yto.a")
    assert 'data-testid="open-warning"' not in site.get("/app/warnings").text
    assert site.get(f"/app/warnings/{warning_id}").status_code == 404
