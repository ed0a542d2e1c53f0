"""Scan events into the event lake (POST /events/bulk), as ``peakguard events ingest``, and
their retraction (POST /events/retractions), as ``peakguard events retract``
(docs/reference/scan-events.md). Mistakes come back as 422 with every location
(``events[3].time``, or ``request line 4, field time`` for JSON lines); a request over the
limits as 413; events of a brand the caller may not send or retract as 403."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field
from starlette.concurrency import run_in_threadpool

from peakguard.api.errors import request_language
from peakguard.api.schemas import ErrorBody, ErrorOut, RequestModel, ResponseModel, documented
from peakguard.api.security import requires
from peakguard.app import events as event_operations
from peakguard.app.context import event_lake
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _, render
from peakguard.identity.model import Permission, Principal
from peakguard.store.event_lake import IngestReport
from peakguard.store.event_retraction import Retraction

router = APIRouter(tags=["events"])

MAX_EVENTS_PER_REQUEST = 100_000
"""Events one request may carry; send more in several requests (re-sending is harmless)."""
MAX_BODY_BYTES = 64 * 1024 * 1024
"""Bytes one request may carry (100,000 events of about 300 bytes fit with room to spare)."""
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")

_EXAMPLE = {
    "waybill": "ZT7800012345",
    "carrier": "ZTO",
    "event": "accept",
    "node_id": "ZTO-CD-O1",
    "time": "2026-11-11T08:05:00+08:00",
    "origin_region": "510104",
    "destination_region": "510703",
    "product": "standard",
    "real_name_verified": True,
    "inspected": True,
    "x_rayed": True,
}


class IngestOut(ResponseModel):
    """What the ingest did (the fields of :class:`~peakguard.store.event_lake.IngestReport`)."""

    batch: str
    """The batch id: name it to retract the batch."""
    received: int
    duplicates_in_batch: int
    already_stored: int
    stored: int
    partitions: int
    quarantined: int = 0
    """Events held in the lake's quarantine with their reasons (``PEAKGUARD_INGEST_QUARANTINE``):
    they did not fit the registered networks or the clock, and no figure counts them."""
    network_checked: bool = True
    """False when no network is registered: carriers and nodes were not checked."""


IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9_.:>\-]{0,63}$"
"""A waybill or a node id as the lake stores it (the reader folds full-width forms to it)."""
CARRIER = r"^[A-Za-z0-9_-]{1,32}$"
REGION = r"^[1-8][0-9]{5}$"
PRODUCT = (
    r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb\ue000-\uf8ff]{0,64}$"
)
"""Free text without control, format (zero-width) or private-use characters."""
EventName = Literal[
    "accept", "sort", "depart", "arrive", "out_for_delivery", "deliver", "exception", "return"
]
ReasonName = Literal["damage", "loss", "refused", "address_problem", "locker_without_consent"]


class ScanEventIn(RequestModel):
    """One scan event as ``POST /events/bulk`` takes it (docs/reference/scan-events.md). Its
    ``time`` lies between 2000-01-01 and now plus the scanner clocks' tolerance (24 hours by
    default); ``reason`` is on exception events only, the three security flags required on
    accept events, ``x_rayed`` also allowed on sort and arrive events (X-ray screening at a
    hub) and the flags on no other event, ``next_node_id`` required on depart events."""

    waybill: str = Field(pattern=IDENTIFIER)
    carrier: str = Field(pattern=CARRIER)
    event: EventName
    reason: ReasonName | None = None
    node_id: str = Field(pattern=IDENTIFIER)
    time: AwareDatetime
    next_node_id: str | None = Field(default=None, pattern=IDENTIFIER)
    origin_region: str = Field(pattern=REGION)
    destination_region: str = Field(pattern=REGION)
    product: str | None = Field(default=None, pattern=PRODUCT)
    real_name_verified: bool | None = None
    inspected: bool | None = None
    x_rayed: bool | None = None


def _needed_on(
    event: str,
    fields: tuple[str, ...],
    *,
    only_there: bool,
    also_on: tuple[str, ...] = (),
) -> dict[str, Any]:
    """JSON Schema: ``fields`` present and not null on ``event`` events; with ``only_there``,
    absent or null on every other event except those of ``also_on``, where they may be given
    (``x_rayed`` on a hub's sort or arrive)."""
    rule: dict[str, Any] = {
        "if": {"properties": {"event": {"const": event}}, "required": ["event"]},
        "then": {
            "required": list(fields),
            "properties": {name: {"not": {"type": "null"}} for name in fields},
        },
    }
    if only_there:
        absent: dict[str, Any] = {"properties": {name: {"type": "null"} for name in fields}}
        if also_on:
            absent = {
                "if": {"properties": {"event": {"enum": list(also_on)}}, "required": ["event"]},
                "else": absent,
            }
        rule["else"] = absent
    return rule


def scan_event_schema() -> dict[str, Any]:
    """The JSON Schema of one event: the model's fields and the rules between them."""
    schema = ScanEventIn.model_json_schema()
    schema["allOf"] = [
        _needed_on("exception", ("reason",), only_there=True),
        _needed_on("accept", ("real_name_verified", "inspected"), only_there=True),
        _needed_on("accept", ("x_rayed",), only_there=True, also_on=("sort", "arrive")),
        _needed_on("depart", ("next_node_id",), only_there=False),
    ]
    return schema


class EventKeyIn(RequestModel):
    """One stored event, named by the lake's key, spelled as the lake stores it (the carrier
    and the event in any case)."""

    carrier: str = Field(pattern=CARRIER)
    waybill: str = Field(pattern=IDENTIFIER)
    event: str = Field(pattern="^[A-Za-z_]{1,32}$")
    node_id: str = Field(pattern=IDENTIFIER)
    time: AwareDatetime


class RetractionIn(RequestModel):
    """What to retract — a batch, events by key, or the events of a batch with those keys —
    and why."""

    reason: str = Field(min_length=1, max_length=event_operations.REASON_LENGTH)
    batch: str | None = Field(
        default=None, pattern=f"^{event_operations.BATCH_PATTERN}$", examples=[None]
    )
    events: list[EventKeyIn] | None = Field(
        default=None, min_length=1, max_length=MAX_EVENTS_PER_REQUEST
    )


class RetractionOut(ResponseModel):
    """What the retraction did; ``retraction`` names its record (none when nothing was left to
    retract: every event named had been retracted already)."""

    retraction: str | None
    retracted: int
    already_retracted: int
    """Events named that an earlier retraction had already withdrawn."""
    batches: list[str]
    """The batches that had stored the retracted events."""
    reason: str


@router.post(
    "/events/bulk",
    response_model=IngestOut,
    responses=documented(403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["events"],
                        "additionalProperties": False,
                        "properties": {
                            "events": {
                                "type": "array",
                                "maxItems": MAX_EVENTS_PER_REQUEST,
                                "items": scan_event_schema(),
                            }
                        },
                    },
                    "example": {"events": [_EXAMPLE]},
                },
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "one scan event (the JSON object above) a line",
                    }
                },
            },
        }
    },
)
async def ingest_events(
    request: Request, actor: Annotated[Principal, requires(Permission.events_write)]
) -> IngestOut | JSONResponse:
    """Validate the events and store each once; nothing is stored if any event is wrong.
    Body: ``{"events": [...]}`` as JSON, or one event a line as ``application/x-ndjson``.
    At most 100,000 events and 64 MB a request."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _too_large(request)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return _too_large(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    locate = event_operations.json_lines_location
    if content_type in JSON_LINES_TYPES:
        if sum(1 for line in bytes(body).splitlines() if line.strip()) > MAX_EVENTS_PER_REQUEST:
            return _too_large(request)
        table = await run_in_threadpool(
            event_operations.parse_event_json_lines, bytes(body), source="request"
        )
    else:
        records = _events_of(bytes(body))
        if len(records) > MAX_EVENTS_PER_REQUEST:
            return _too_large(request)
        table = await run_in_threadpool(
            event_operations.parse_event_records, records, source="events"
        )
        locate = event_operations.json_location
    settings: Settings = request.app.state.settings
    report: IngestReport = await run_in_threadpool(
        partial(
            event_operations.ingest_events,
            request.app.state.store,
            event_lake(settings),
            table,
            actor=actor,
            source="api",
            locate=locate,
            checks=event_operations.EventChecks.of(settings),
        )
    )
    return IngestOut(
        batch=report.batch,
        received=report.received,
        duplicates_in_batch=report.duplicates_in_batch,
        already_stored=report.already_stored,
        stored=report.stored,
        partitions=report.partitions,
        quarantined=report.quarantined,
        network_checked=report.network_checked,
    )


def _events_of(body: bytes) -> list[Any]:
    def refuse(location: str, message: Message) -> InvalidInputError:
        return InvalidInputError(_("the request has mistakes"), [Problem(location, message)])

    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else str(error.reason)
        raise refuse("request", _("not valid JSON: {detail}", detail=detail)) from None
    if not isinstance(document, dict) or "events" not in document:
        raise refuse("events", _("is required"))
    events = document["events"]
    if not isinstance(events, list):
        raise refuse("events", _("must be a list of scan events"))
    extra = sorted(key for key in document if key != "events")
    if extra:
        raise refuse(
            extra[0], _("is not a known field: check its spelling against the format reference")
        )
    empty = [index for index, event in enumerate(events) if event == {}]
    if empty:
        problems = [
            Problem(f"events[{index}]", _("is empty: an event needs its fields"))
            for index in empty[:200]
        ]
        raise InvalidInputError(
            _("The scan events have mistakes: {count} in all.", count=len(empty)), problems
        )
    return events


@router.post(
    "/events/retractions",
    response_model=RetractionOut,
    responses=documented(403, 404, 422),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "reason": "sent under the wrong node",
                        "events": [
                            {
                                key: _EXAMPLE[key]
                                for key in ("carrier", "waybill", "event", "node_id", "time")
                            }
                        ],
                    }
                }
            }
        }
    },
)
async def retract_events(
    body: RetractionIn,
    request: Request,
    actor: Annotated[Principal, requires(Permission.events_write)],
) -> RetractionOut:
    """Withdraw stored events by a retraction recorded in the lake and the audit trail (never
    deleted): those of ``batch``, those named in ``events``, or those of the batch with those
    keys. A carrier retracts only its own brand's events; one key that matches no stored event
    it may retract refuses the whole request (422, located). A retracted event sent again is
    stored again. 404: the batch has no stored event the caller may retract."""
    keys = None
    if body.events is not None:
        keys = event_operations.retraction_keys(
            [event.model_dump() for event in body.events], locate=_body_location
        )
    settings: Settings = request.app.state.settings
    done: Retraction = await run_in_threadpool(
        partial(
            event_operations.retract_events,
            request.app.state.store,
            event_lake(settings),
            actor=actor,
            reason=body.reason,
            batch=body.batch,
            keys=keys,
            locate=_body_location,
        )
    )
    return RetractionOut(
        retraction=done.id if done.retracted else None,
        retracted=done.retracted,
        already_retracted=len(done.already_retracted),
        batches=done.batches,
        reason=done.reason,
    )


def _body_location(index: int, field: str) -> str:
    return f"events[{index}].{field}"


def _too_large(request: Request) -> JSONResponse:
    language = request_language(request, request.app.state.settings.language)
    message = _(
        "Too many scan events in one request: send at most {events} events and {megabytes} MB "
        "a request, in several requests (sending an event twice stores it once).",
        events=f"{MAX_EVENTS_PER_REQUEST:,}",
        megabytes=MAX_BODY_BYTES // (1024 * 1024),
    )
    body = ErrorOut(error=ErrorBody(code="payload_too_large", message=render(message, language)))
    return JSONResponse(body.model_dump(), status_code=413)
