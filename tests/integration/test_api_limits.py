"""Request bodies are bounded and guarded on every route: the issue's examples (#13).

A body over the limit is refused with 413 before it is read (a 48 MB body to
``/networks/validate`` added 1.15 GB to the server), and a JSON body nested deep, with
``Infinity``, numbers of thousands of digits or an overflowing float is a located 422, never
a 500, whichever route it is sent to.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from peakguard.api.app import create_app
from peakguard.app.context import open_store
from peakguard.config import Settings
from tests.conftest import administrator_headers

MEBIBYTE = 1024 * 1024
EXAMPLE_EVENT = {
    "waybill": "ZT7800012345",
    "carrier": "ZTO",
    "event": "accept",
    "node_id": "ZTO-CD-O1",
    "time": "2026-11-11T08:05:00+08:00",
    "origin_region": "510104",
    "destination_region": "510703",
    "real_name_verified": True,
    "inspected": True,
    "x_rayed": True,
}
JSON_ROUTES = ["/networks/validate", "/events/bulk", "/admin/organisations", "/auth/login"]
"""Routes taking a JSON body: a model's (validate, organisations, login) or its own (bulk)."""


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'peakguard.db'}",
        home=tmp_path,
        language="en",
        event_lake=tmp_path / "lake",
    )
    store = open_store(settings)
    with TestClient(create_app(settings, store)) as test_client:
        test_client.headers.update(administrator_headers(store))
        yield test_client
    store.engine.dispose()


def post_json(client: TestClient, path: str, text: str | bytes) -> Any:
    return client.post(path, content=text, headers={"content-type": "application/json"})


def problems_of(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    return [(problem["location"], problem["message"]) for problem in error["problems"]]


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_deep_nesting_is_located(client: TestClient, path: str) -> None:
    """JSON nested 100,000 deep (a RecursionError, a 500) is a 422 naming where the nesting
    goes past the limit."""
    found = problems_of(post_json(client, path, "[" * 100_000 + "]" * 100_000))
    assert found[0][0] == "request: line 1, column 33"
    assert "nested more than 32 deep" in found[0][1]


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize(
    ("number", "said"),
    [
        ("1" * 5000, "5000 characters"),
        ("1e400", "not a finite number"),
        ("Infinity", "Infinity is not a number"),
        ("NaN", "NaN is not a number"),
        ("-Infinity", "-Infinity is not a number"),
    ],
)
def test_numbers_beyond_any_column_are_located(
    client: TestClient, path: str, number: str, said: str
) -> None:
    """Thousands of digits, overflowing floats and the non-finite constants: 422 at the field
    that holds them, on every route (before, the digits were a 500, Infinity stored)."""
    found = problems_of(post_json(client, path, '{"first": [1, {"value": ' + number + "}]}"))
    assert found == [("first[1].value", found[0][1])]
    assert said in found[0][1]


def test_an_empty_event_is_located(client: TestClient) -> None:
    """``{"events":[{}]}`` (a 500 found by schemathesis) names the missing fields of event 0."""
    found = problems_of(client.post("/events/bulk", json={"events": [{}]}))
    assert found and all(location.startswith("events[0]") for location, _ in found)


def test_an_event_in_year_10000_is_located(client: TestClient) -> None:
    """An event time in year 10000 (a 500) is a 422 at its field."""
    event = {**EXAMPLE_EVENT, "time": "10000-01-01T00:00:00+08:00"}
    found = problems_of(client.post("/events/bulk", json={"events": [event]}))
    assert [location for location, _ in found] == ["events[0].time"]


def test_a_long_list_of_mistakes_is_cut_and_counted(client: TestClient) -> None:
    """150 non-finite numbers: the first 100 problems listed, the total said."""
    response = post_json(
        client, "/admin/organisations", '{"code": [' + ",".join(["NaN"] * 150) + "]}"
    )
    error = response.json()["error"]
    assert (len(error["problems"]), error["total"]) == (100, 150)
    assert error["problems"][99]["location"] == "code[99]"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/admin/organisations", b"[" + b"0," * (5 * MEBIBYTE) + b"0]"),
        ("/admin/users", json.dumps({"username": "a", "roles": [0] * 1_000_000}).encode()),
        ("/events/bulk", b'{"events": [' + b"{}," * (3 * MEBIBYTE) + b"{}]}"),
    ],
    ids=["10 MB of zeros", "a million wrong roles", "3 million empty events"],
)
def test_a_body_of_millions_of_values_is_refused_before_it_is_parsed(
    client: TestClient, path: str, body: bytes
) -> None:
    """Millions of values took 30 s (zeros) and 150 s and 2 GB (wrong roles, each one
    reported) to refuse: 413 at once, counted before any parsing."""
    started = time.monotonic()
    response = post_json(client, path, body)
    assert response.status_code == 413
    assert "values" in response.json()["error"]["message"]
    assert time.monotonic() - started < 3


def test_audit_times_outside_any_audit_are_located(client: TestClient) -> None:
    """A year-9999 moment west of UTC overflowed the conversion to UTC (a 500): 422 at the
    query field."""
    response = client.get("/audit", params={"since": "9999-12-31T23:59:59-23:59"})
    assert problems_of(response)[0][0] == "since"


def test_a_body_over_the_limit_is_refused_unread(client: TestClient) -> None:
    """A declared length over 16 MB is 413 in the error form, the route's larger limit
    (64 MB for bulk events) stands, and a body without a length is stopped at the limit."""
    big = b" " * (17 * MEBIBYTE) + b"{}"
    refused = post_json(client, "/networks/validate", big)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "payload_too_large"
    assert "16 MB" in refused.json()["error"]["message"]
    assert post_json(client, "/events/bulk", big).status_code == 422  # read, then judged

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * MEBIBYTE

    streamed = client.post(
        "/admin/organisations", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "payload_too_large"
    text = client.post(
        "/events/bulk", content=chunks(), headers={"content-type": "application/x-ndjson"}
    )
    assert text.status_code != 413  # 20 MB of JSON lines is within the bulk route's 64 MB


# A real server: what the body costs the process ------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak since the last reset) of ``pid``, in bytes."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024
    return found


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """``peakguard serve`` on loopback: (port, pid)."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("measures the server's peak memory through Linux's /proc")
    port = _free_port()
    environment = {**os.environ, "PEAKGUARD_HOME": str(tmp_path), "PEAKGUARD_LANGUAGE": "en"}
    environment.pop("PEAKGUARD_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "peakguard.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90  # start-up is slow on a loaded machine
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _send(port: int, body: bytes | Iterator[bytes], length: int | None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/json"}
    if length is not None:
        headers["content-length"] = str(length)
    # The server may answer and close before the upload ends.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.request(
            "POST", "/networks/validate", body=body, headers=headers, encode_chunked=length is None
        )
    response = connection.getresponse()
    answer = (response.status, json.loads(response.read()))
    connection.close()
    return answer


def test_a_48_mb_body_costs_the_server_neither_time_nor_memory(server: tuple[int, int]) -> None:
    """48 MB to /networks/validate (it added 1.15 GB): 413 within seconds, the server's peak
    memory grown by far less than the body, whether the length is declared or not."""
    port, pid = server
    body = b'{"name": "' + b"x" * (48 * MEBIBYTE) + b'"}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), MEBIBYTE):
            yield body[start : start + MEBIBYTE]

    for payload, length, bound in ((body, len(body), 8), (chunks(), None, 32)):
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak starts again from now
        before = _memory(pid)["VmRSS"]
        started = time.monotonic()
        status, answer = _send(port, payload, length)
        elapsed = time.monotonic() - started
        grown = _memory(pid)["VmHWM"] - before
        assert status == 413 and answer["error"]["code"] == "payload_too_large"
        assert elapsed < 10, f"took {elapsed:.1f} s to refuse"
        assert grown < bound * MEBIBYTE, f"the server grew {grown / MEBIBYTE:.0f} MB"
