"""The FastAPI application: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

from fastapi import FastAPI

from peakguard import __version__
from peakguard.api.errors import install_error_handlers
from peakguard.api.routers import (
    admin,
    audit,
    auth,
    bulletins,
    events,
    forecasts,
    health,
    networks,
    plans,
    simulations,
)
from peakguard.app.authentication import PrincipalCache, SecurityPolicy
from peakguard.app.context import open_store
from peakguard.config import Settings
from peakguard.store.database import Store


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
    install_error_handlers(app, settings.language)
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(networks.router)
    app.include_router(simulations.router)
    app.include_router(plans.router)
    app.include_router(forecasts.router)
    app.include_router(events.router)
    app.include_router(bulletins.router)
    app.include_router(admin.router)
    app.include_router(audit.router)
    return app
