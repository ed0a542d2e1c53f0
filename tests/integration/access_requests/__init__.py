"""The access matrix's requests for the operations desk's routes, one module per area (each
owned with its routes): ``REQUESTS`` maps (method, path) to a request maker as in
:mod:`tests.integration.test_access_matrix`, ``FILL`` maps a path parameter's placeholder (as
``"{report_id}"``) to the value sent. A caller past the permission check must get 2xx, 404 or
422, so send an id no one has or a body with an unknown field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.access_requests import (
    consolidation,
    coverage,
    daily_reports,
    duty,
    emergency,
    holds,
    incidents,
    inspections,
    notices,
    observed_warnings,
    plan_schedules,
    real_name,
    rectification,
    security,
    shuttles,
    supervision,
    supply_orders,
)

AREAS = (
    daily_reports,
    duty,
    incidents,
    emergency,
    observed_warnings,
    supervision,
    security,
    real_name,
    inspections,
    rectification,
    holds,
    supply_orders,
    consolidation,
    shuttles,
    coverage,
    notices,
    plan_schedules,
)
DESK_REQUESTS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    key: maker for area in AREAS for key, maker in area.REQUESTS.items()
}
DESK_FILL: dict[str, str] = {key: value for area in AREAS for key, value in area.FILL.items()}
