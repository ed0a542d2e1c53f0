"""Views prepared before anyone asks for them: what each regulator's and carrier's landing
page, default bulletin and network pages open on, measured when the server starts and again
whenever the scan-event lake changes.

A landing page's figures and a day's bulletin take one to three seconds to measure on a
season's events; the application layer keeps what it measured (``app/kept.py``) until the lake
changes. ``peakguard serve`` runs a :class:`ViewPreparer` in a thread: for every organisation
that a regulator or carrier user belongs to, it asks the landing page's panels and the
bulletin's default period for exactly what the page will ask, as a reader of that organisation
(its reach, read-only permissions), so the user's first view is read from what is kept. Only
views are prepared — nothing is written, no personal data is read — and a user's own request
still passes its own permission check before it reads what is kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request

from peakguard.app import accounts
from peakguard.app.bulletin_drill import event_days_in_reach
from peakguard.app.bulletins import daily_period, measure_bulletin
from peakguard.app.kept import lake_signature
from peakguard.app.networks import list_networks
from peakguard.config import Settings
from peakguard.errors import PeakguardError
from peakguard.identity.model import (
    LOCAL_ADMINISTRATOR,
    Channel,
    Organisation,
    OrganisationKind,
    Permission,
    Principal,
)
from peakguard.store.database import Store
from peakguard.web.pages.network_views import visible_network
from peakguard.web.pages.panels import COMMAND_CENTRE, NETWORK_DESK, Board, PanelContext

log = logging.getLogger(__name__)

POLL_SECONDS = 15.0
"""How often the preparer looks at the lake's signature."""
REFRESH_SECONDS = 300.0
"""Views are prepared again at least this often (new simulations change the map)."""
READER_PERMISSIONS = frozenset(
    {Permission.network_read, Permission.bulletin_read, Permission.simulation_run}
)
"""What the preparing reader may do: read what a landing page shows, nothing else."""
BOARDS: dict[OrganisationKind, Board] = {
    OrganisationKind.regulator: COMMAND_CENTRE,
    OrganisationKind.carrier: NETWORK_DESK,
}


def reader_of(organisation: Organisation) -> Principal:
    """A read-only reader with ``organisation``'s reach."""
    return Principal(
        name="prepare",
        organisation=organisation,
        permissions=READER_PERMISSIONS,
        channel=Channel.local,
    )


def organisations_with_users(store: Store) -> list[Organisation]:
    """The regulators and carriers at least one enabled user belongs to."""
    codes = {
        user.organisation
        for user in accounts.list_users(store, LOCAL_ADMINISTRATOR)
        if not user.disabled
    }
    return [
        organisation
        for organisation in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)
        if organisation.code in codes and organisation.kind in BOARDS
    ]


def prepare_organisation(app: FastAPI, organisation: Organisation) -> None:
    """What ``organisation``'s landing page and bulletin page open on, measured and kept."""
    settings: Settings = app.state.settings
    store: Store = app.state.store
    reader = reader_of(organisation)
    scope = {"type": "http", "method": "GET", "path": "/app/", "headers": [], "app": app}
    context = PanelContext(
        request=Request(scope),
        actor=reader,
        language=settings.language,
        store=store,
        settings=settings,
    )
    BOARDS[organisation.kind].views(context)
    for stored in list_networks(store, actor=reader):
        visible_network(store, stored.name, reader)
    lake = settings.resolved_event_lake()
    days = event_days_in_reach(lake, actor=reader)
    if days:
        period = daily_period(days[-1].isoformat(), option_prefix="")
        measure_bulletin(lake, period, actor=reader, source_name="day", store=store)


def prepare_all(app: FastAPI) -> int:
    """Every organisation's views; returns how many were prepared (a failure is logged and
    the others go on)."""
    prepared = 0
    for organisation in organisations_with_users(app.state.store):
        try:
            prepare_organisation(app, organisation)
            prepared += 1
        except PeakguardError as refused:
            log.info("no views prepared for %s: %s", organisation.code, refused.message)
        except Exception:  # a page that fails will say so to its reader; keep preparing
            log.exception("preparing the views of %s failed", organisation.code)
    return prepared


class ViewPreparer:
    """A thread that prepares the views at start and whenever the lake changes."""

    def __init__(self, app: FastAPI, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="view-preparer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        lake = self.app.state.settings.resolved_event_lake()
        seen: tuple[Any, ...] | None = None
        prepared_at = 0.0
        while not self._stop.is_set():
            signature = lake_signature(lake)
            if signature != seen or time.monotonic() - prepared_at > REFRESH_SECONDS:
                started = time.monotonic()
                count = prepare_all(self.app)
                log.info(
                    "views of %d organisations prepared in %.1f s",
                    count,
                    time.monotonic() - started,
                )
                seen, prepared_at = signature, time.monotonic()
                self.rounds += 1
            self._stop.wait(self.poll_seconds)


def install_view_preparer(app: FastAPI) -> None:
    """Prepare the views for as long as the app is up, when ``app.state.prepare_views`` is
    set by the time it starts (``peakguard serve`` sets it; tests leave it off)."""
    inner: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        preparer = None
        if getattr(app.state, "prepare_views", False):
            preparer = ViewPreparer(app)
            preparer.start()
        app.state.view_preparer = preparer
        try:
            async with inner(application) as state:
                yield state
        finally:
            if preparer is not None:
                preparer.stop()

    app.router.lifespan_context = lifespan
