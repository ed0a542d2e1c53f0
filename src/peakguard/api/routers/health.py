"""``GET /health``: is the service up and is its database reachable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from sqlalchemy import text

from peakguard import __version__
from peakguard.api.schemas import HealthOut, documented
from peakguard.api.security import open_to_all
from peakguard.errors import StorageError
from peakguard.i18n import _
from peakguard.identity.model import Principal

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut, responses=documented(503))
def health(request: Request, _caller: Annotated[Principal, open_to_all()]) -> HealthOut:
    store = request.app.state.store
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # the database's own errors vary by driver
        raise StorageError(_("cannot reach the database: {detail}", detail=str(error))) from None
    return HealthOut(status="ok", version=__version__, database=store.backend)
