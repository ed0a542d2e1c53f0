"""The FastAPI application: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

from fastapi import FastAPI

from peakguard import __version__
from peakguard.api.bodies import BodyLimit, RequestBodyGuard
from peakguard.api.case_sweeper import install_case_sweeper
from peakguard.api.contract import document_shared_statuses
from peakguard.api.errors import install_error_handlers
from peakguard.api.job_runner import install_job_runner
from peakguard.api.routers import (
    admin,
    audit,
    auth,
    bulletin_drill,
    bulletins,
    case_files,
    cases,
    consolidation,
    coverage,
    daily_reports,
    duty,
    emergency,
    events,
    forecasts,
    health,
    holds,
    incidents,
    inspections,
    jobs,
    networks,
    notices,
    observed_warnings,
    passes,
    plans,
    real_name,
    rectification,
    security,
    shuttles,
    simulations,
    supervision,
    supply_orders,
)
from peakguard.app.authentication import PrincipalCache, SecurityPolicy
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.store.database import Store
from peakguard.web.pages.routes import install_pages


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The API over the configured database (migrated on start)."""
    app = FastAPI(
        title="peakguard",
        version=__version__,
        description="快递业务旺季服务保障 — peak-season service assurance for express delivery.",
    )
    app.state.store = store or open_store(settings)
    app.state.settings = settings
    app.state.security = SecurityPolicy.of(settings)
    app.state.principals = PrincipalCache(settings.auth_cache_seconds)
    # Routes that take more than the deployment's request limit (a path, or a prefix ending
    # in /); a router may add its own before the first request.
    app.state.body_limits = {
        "/events/bulk": BodyLimit(events.MAX_BODY_BYTES, events.MAX_EVENTS_PER_REQUEST * 16)
    }
    app.add_middleware(
        RequestBodyGuard,
        limits=settings.input_limits(),
        larger=app.state.body_limits,
        language=settings.language,
    )
    install_error_handlers(app, settings.language)
    app.include_router(document_shared_statuses(health.router))
    app.include_router(document_shared_statuses(auth.router))
    app.include_router(document_shared_statuses(networks.router))
    app.include_router(document_shared_statuses(simulations.router))
    app.include_router(document_shared_statuses(jobs.router))
    app.include_router(document_shared_statuses(plans.router))
    app.include_router(document_shared_statuses(forecasts.router))
    app.include_router(document_shared_statuses(events.router))
    app.include_router(document_shared_statuses(bulletins.router))
    app.include_router(document_shared_statuses(bulletin_drill.router))
    app.include_router(document_shared_statuses(admin.router))
    app.include_router(document_shared_statuses(audit.router))
    app.include_router(document_shared_statuses(cases.router))
    app.include_router(document_shared_statuses(case_files.router))
    app.include_router(document_shared_statuses(daily_reports.router))
    app.include_router(document_shared_statuses(duty.router))
    app.include_router(document_shared_statuses(incidents.router))
    app.include_router(document_shared_statuses(emergency.router))
    app.include_router(document_shared_statuses(observed_warnings.router))
    app.include_router(document_shared_statuses(supervision.router))
    for area in (security, real_name, inspections, rectification, holds):  # issue 17
        app.include_router(document_shared_statuses(area.router))
    for area in (supply_orders, consolidation, shuttles, passes, coverage, notices):  # issue 18
        app.include_router(document_shared_statuses(area.router))
    install_pages(app)
    install_job_runner(app)  # runs queued jobs while the app is up (its lifespan)
    install_case_sweeper(app)  # the cases' reminders and breaches, at start and periodically
    return app
