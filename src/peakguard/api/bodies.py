"""Every request body bounded and every JSON body guarded, before any route sees it.

:class:`RequestBodyGuard` is a pure ASGI middleware (it never buffers what it need not):

- a body whose declared length (``Content-Length``) is over the route's limit is refused with
  413 before a byte of it is read;
- a body sent without a length (chunked) is counted as it streams in and refused at the limit;
- a JSON body (``application/json``, ``…+json``) of a request that changes something is read
  whole (within the limit) and parsed by the one guarded JSON reader
  (:func:`peakguard.formats.structured.parse_json`) before FastAPI parses it again: nesting
  that would overflow the parser's stack, ``Infinity``/``NaN``, numbers of thousands of digits
  or beyond 64 bits, strings of megabytes are a located 422, never a 500.

A JSON body's values (numbers, strings, lists, mappings) are counted before it is parsed,
from its commas and brackets (an upper bound, in milliseconds): parsing, checking and
validating cost some microseconds a value, so 10 MB of ``[0,0,…]`` (5 million values) took
30 s to refuse, and a million wrong items in a list 150 s and 2 GB.

The limits are ``Settings.input_limits().max_request_bytes`` and :data:`MAX_REQUEST_VALUES`
unless a route registered larger ones in ``app.state.body_limits`` (a path, or a path prefix
ending in ``/``, to a :class:`BodyLimit`): the bulk events route takes 64 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peakguard.api.errors import (
    BodyTooLarge,
    error_response,
    page_errors,
    request_language,
    too_large_message,
)
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import InputLimits
from peakguard.formats.structured import parse_json
from peakguard.i18n import Message as TranslatedMessage
from peakguard.i18n import _

MAX_REQUEST_VALUES = 500_000
"""Values one JSON body may hold: a national network of some 8,600 nodes holds about 300,000
(the Sichuan demo's 1,113 nodes and 1,412 lanes hold 39,160)."""
SOURCE = "request"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
PARSED_JSON = "peakguard.json"
"""The scope key holding the guarded, parsed JSON body (a route reading the body itself may
take it from ``request.scope`` instead of parsing it again)."""


def is_json(content_type: str) -> bool:
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


@dataclass(frozen=True)
class BodyLimit:
    """What a route's request body may hold."""

    bytes: int
    values: int = MAX_REQUEST_VALUES


def values_at_most(body: bytes) -> int:
    """An upper bound of the values a JSON text holds (commas inside strings count too)."""
    return body.count(b",") + body.count(b"[") + body.count(b"{") + 1


class RequestBodyGuard:
    """Bound and guard request bodies (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: InputLimits,
        larger: Mapping[str, BodyLimit],
        language: str,
    ) -> None:
        self.app = app
        self.limits = limits
        self.larger = larger
        self.language = language

    def limit_for(self, path: str) -> BodyLimit:
        """The route's own limit when it registered one, else the deployment's."""
        for prefix, limit in self.larger.items():
            if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
                return limit
        return BodyLimit(
            self.limits.max_request_bytes, min(MAX_REQUEST_VALUES, self.limits.max_nodes)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit.bytes:
            await self._refuse(scope, receive, send, too_large_message(limit.bytes))
            return
        if scope["method"] in BODY_METHODS and is_json(headers.get("content-type", "")):
            await self._guarded_json(scope, receive, send, limit)
            return
        await self._counted(scope, receive, send, limit.bytes)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the body through, counting; over the limit the route's reading raises 413."""
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, too_large_message(limit))

    async def _guarded_json(
        self, scope: Scope, receive: Receive, send: Send, limit: BodyLimit
    ) -> None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before sending its body: nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit.bytes:
                await self._refuse(scope, receive, send, too_large_message(limit.bytes))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        del chunks
        if values_at_most(body) > limit.values:
            await self._refuse(scope, receive, send, _too_many_values(limit.values))
            return
        if body.strip():
            try:
                scope[PARSED_JSON] = await run_in_threadpool(
                    parse_json, body, SOURCE, limits=self.limits
                )
            except InvalidInputError as error:
                language = request_language(Request(scope), self.language)
                problems = [_as_field(problem) for problem in error.problems]
                mistakes = _("the request has mistakes")
                refusal = error_response(
                    422, "invalid_input", mistakes, language, problems, total=error.total
                )
                await refusal(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, message: TranslatedMessage
    ) -> None:
        request = Request(scope)
        if "app" in scope and (pages := page_errors(request)):
            await pages.too_large(request, message)(scope, receive, send)
            return
        language = request_language(request, self.language)
        refusal = error_response(413, "payload_too_large", message, language)
        await refusal(scope, receive, send)


def _too_many_values(values: int) -> TranslatedMessage:
    return _(
        "The request holds more than {values} values (numbers, texts, lists and mappings): "
        "send less in one request.",
        values=f"{values:,}",
    )


def _as_field(problem: Problem) -> Problem:
    """``events[3].time`` as FastAPI's validation names a field; a place in the text keeps
    its prefix (``request: line 1, column 9``)."""
    place = problem.location.removeprefix(f"{SOURCE}: ")
    if place.startswith("line ") or place == problem.location:
        return problem
    return Problem(place, problem.message)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then waits on the client (for its leaving)."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay
