"""The statuses every route shares, written into the OpenAPI document from the route table.

A route declares only the errors of its own making (``responses=documented(404, 409)``); what
the machinery around every route can answer is added here, from what the route is: its
declared permission (401 without credentials, 403 without the permission or a cookie
session's CSRF token), its body (413 over the limit) and its parameters (422, as an
:class:`~peakguard.api.schemas.ErrorOut`, not FastAPI's own validation body, which this API
never sends).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from peakguard.api.schemas import documented
from peakguard.api.security import SAFE_METHODS, Requirement

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _requirements(dependant: Dependant) -> Iterator[Requirement]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requirement):
            yield dependency.call
        yield from _requirements(dependency)


def shared_statuses(route: APIRoute) -> list[int]:
    """The error statuses ``route`` can answer without its own code raising them."""
    statuses: list[int] = []
    requirements = list(_requirements(route.dependant))
    methods = route.methods or set()
    changes = bool(methods - SAFE_METHODS)
    if any(r.permission is not None for r in requirements):
        statuses += [401, 403]
    elif changes and any(r.resolve for r in requirements):
        statuses.append(403)  # a cookie session without its CSRF token
    if methods & BODY_METHODS:
        statuses.append(413)
    if get_flat_params(route.dependant) or route.body_field is not None or methods & BODY_METHODS:
        statuses.append(422)
    return statuses


def document_shared_statuses(router: APIRouter) -> APIRouter:
    """Add each route's shared statuses to its ``responses`` (a route's own entry wins);
    before the router is included (an application's table builds included routes lazily)."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            for status, entry in documented(*shared_statuses(route)).items():
                route.responses.setdefault(status, entry)
    return router
