"""How a message reaches a recipient: a :class:`Notifier`. The default keeps each message in
the outbox (a table the operators read and the tests check); an SMS gateway adapter is a class
that posts the message to a gateway's HTTP API and is never called in tests.

A message carries the recipient's phone in clear only while it is being sent: its ``repr``
leaves it out, and nothing here logs it."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient: the parcel it is about, the language and the text."""

    waybill: str
    carrier: str
    phone: str = field(repr=False)
    language: str
    text: str
    kind: str = "arrival"


@dataclass(frozen=True)
class Receipt:
    """What the channel said: accepted or not, and its own id for the message."""

    accepted: bool
    channel: str
    channel_id: str = ""


class Notifier(Protocol):
    """Sends one message; answers with the channel's receipt."""

    def send(self, message: OutgoingMessage) -> Receipt: ...


class SmsGateway:
    """An SMS gateway reached over HTTP (a JSON POST of ``{"to", "text"}`` with a bearer
    key). Never used by the tests or the demo; a deployment wires it with its gateway's URL
    and key."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 10.0) -> None:
        self._url = url
        self._api_key = api_key
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SmsGateway({self._url!r})"

    def send(self, message: OutgoingMessage) -> Receipt:  # pragma: no cover - network
        request = urllib.request.Request(
            self._url,
            data=json.dumps({"to": message.phone, "text": message.text}).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {self._api_key}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self._timeout) as response:
            raw = response.read()
            accepted = 200 <= response.status < 300
        body = json.loads(raw) if raw else {}
        identifier = str(body.get("id", "")) if isinstance(body, dict) else ""
        return Receipt(accepted, "sms", identifier)
