"""The API under authentication: requests per second and p50/p99 latency of authorised reads,
50 concurrent clients on loopback against PostgreSQL, with and without the authorisation checks.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/api_auth.py
    .venv/bin/python benchmarks/api_auth.py --reads list,tiny --auth-cache-seconds 0
    .venv/bin/python benchmarks/api_auth.py --profile-only

The database (``--database``, dropped and made again on the server ``--server``) holds two
networks: the test suite's ``tiny`` (5 nodes, 5 lanes, ZTO only) and the Sichuan demo network
at its smallest (``DemoParameters(outlets_per_carrier=2)``: 497 nodes, 796 lanes, 7 carriers),
stored as ``sichuan``. Two callers, made through ``app/accounts.py`` as an administrator would:

- a user of the Chengdu city postal administration (``sc-chengdu``, regulator, city, 510100)
  with the role ``analyst``, logged in through ``POST /auth/login`` (Argon2 once, here): every
  request sends the session cookie, so ``session_principal`` runs (the session joined to its
  user and organisation, then the roles joined to their permissions);
- an API token of ZTO's headquarters (``zto``, carrier ZTO) holding ``network.read``: every
  request sends ``Authorization: Bearer pgt_…``, so ``token_principal`` runs (one indexed
  SELECT joining the token to its organisation).

The reads (``--reads``), each a GET every client repeats as fast as it is answered:

- ``list``: ``GET /networks``, the lightest authorised read. With the checks the node and lane
  counts are those inside the caller's reach (a filtered count in SQL).
- ``tiny``: ``GET /networks/tiny/nodes/CD-HUB``: loads a 5-node network, so what is left
  besides the checks is little (the largest share the checks can take of a node read).
- ``sichuan``: ``GET /networks/sichuan/nodes/ZTO-510100-HUB``: the same read on a network of a
  realistic size; it loads all 497 nodes and 796 lanes from the database on every request,
  which is most of its time.

Every read runs once as the regulator's session and once as the carrier's token.

"Without the checks" is the same application in which every ``Requirement`` dependency of every
route is overridden (``app.dependency_overrides[requirement] = lambda: LOCAL_ADMINISTRATOR``):
no credential is read or looked up, no permission is checked, and the caller reaches
everything, so ``visible_network`` (the filter to the caller's territory or brand) and the
filtered counts of ``GET /networks`` go too. That filtering is part of the cost of
authorisation and is measured with it. The override still costs FastAPI a ``get_dependant``
on the lambda and a thread-pool call per request (about 10 µs and a few tens of µs), both
also in the checked application's dependency.

Each application is served by uvicorn (one worker, h11, asyncio, access log off) in its own
process on 127.0.0.1, both running throughout; the clients are one httpx2 ``AsyncClient`` with
``--clients`` tasks and as many kept-alive connections, in this process. Each run is
``--warmup`` seconds unrecorded, then ``--seconds`` recorded: requests per second are the
responses that arrived in the window, latencies those of the requests sent in it. Runs
alternate checked and unchecked (the order swapped every round), ``--rounds`` rounds; the table
gives the medians over the rounds and the ratio checked ÷ unchecked of those medians, with each
round's own ratio. Any response other than 200 fails the run. Each server also answers
``GET /_benchmark/process`` (added here, open, not a peakguard route): its CPU seconds
(``time.process_time``, all threads) and its garbage collections by generation with their CPU
seconds (``gc.callbacks``, the collecting thread's ``time.thread_time``), read before and after
each run, so the table gives the server's CPU and collector time per answered request.

Both servers run as ``peakguard serve`` does: ``gc.collect()`` and ``gc.freeze()`` before
serving, and (the checked one) keeping a looked-up principal ``auth_cache_seconds`` (5 s by
default, the deployment's setting; ``--auth-cache-seconds 0`` looks every credential up on
every request). The fixes the first runs of this benchmark tried as prototypes — the network
list's statement built once, the collector off start-up's objects, principals kept a few
seconds — are now the product's own.

``--profile`` (or ``--profile-only``) then times, in this process with no concurrency, the parts
of an authorised request the checks add: ``token_principal``, ``session_principal``, the
network read as the caller and as the local administrator, each with the container objects it
leaves to the garbage collector, the cost of a full collection once the app is built, and
cProfile's top entries for the credential lookups and the filtered list.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import platform
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

SERVER = "postgresql+psycopg://postgres@127.0.0.1:54331/postgres"
DATABASE = "bench_auth"
AUDIT_KEY = "benchmark-audit-key-not-secret"
REGULATOR = "sc-chengdu"
CARRIER = "zto"
USER = "cd.analyst"

READS: dict[str, str] = {
    "list": "/networks",
    "tiny": "/networks/tiny/nodes/CD-HUB",
    "sichuan": "/networks/sichuan/nodes/ZTO-510100-HUB",
}
LONGER = {"sichuan": 2.0}
"""Reads recorded for this many times ``--seconds`` (about 10 answers a second)."""
CREDENTIALS = ("session", "token")
MODES = ("checked", "unchecked")


# --- the servers -------------------------------------------------------------------------


def _database_url(server: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server).set(database=database).render_as_string(hide_password=False)


def _settings(url: str, home: Path) -> Any:
    from peakguard.config import Settings

    return Settings(
        database_url=url, home=home, audit_key=AUDIT_KEY, cookie_secure=False, language="en"
    )


def strip_checks(app: Any) -> int:
    """Override every route's ``Requirement`` with the local administrator; how many."""
    from fastapi.routing import APIRoute

    from peakguard.api.security import Requirement
    from peakguard.identity.model import LOCAL_ADMINISTRATOR

    found: dict[int, Any] = {}

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            if isinstance(sub.call, Requirement):
                found[id(sub.call)] = sub.call
            walk(sub)

    for route in app.routes:
        if isinstance(route, APIRoute):
            walk(route.dependant)
        # FastAPI 0.165 keeps an included router whole (``_IncludedRouter``) and gives each
        # of its routes, as included, a dependant of its own with its own copy of every
        # dependency: those copies are the ones a request calls.
        for context in getattr(route, "effective_route_contexts", list)():
            if context.dependant is not None:
                walk(context.dependant)
    for requirement in found.values():
        app.dependency_overrides[requirement] = lambda: LOCAL_ADMINISTRATOR
    return len(found)


def serve(mode: str, port: int, url: str, home: Path, cache_seconds: float) -> None:
    """One application on 127.0.0.1:``port`` until killed (the child process)."""
    import gc

    import uvicorn

    from peakguard.api.app import create_app

    app = create_app(_settings(url, home).model_copy(update={"auth_cache_seconds": cache_seconds}))
    collections = [0, 0, 0]
    collecting = [0.0, 0.0, 0.0]
    began = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.thread_time()
        else:
            collections[info["generation"]] += 1
            collecting[info["generation"]] += time.thread_time() - began[0]

    gc.callbacks.append(on_gc)

    @app.get("/_benchmark/process", include_in_schema=False)
    async def process() -> dict[str, Any]:
        """This process's CPU seconds and garbage collections so far (not a peakguard route)."""
        return {"cpu": time.process_time(), "collections": collections, "seconds": collecting}

    if mode == "unchecked":
        count = strip_checks(app)
        print(f"unchecked server: {count} Requirement dependencies overridden", flush=True)
    gc.collect()  # as peakguard serve does
    gc.freeze()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="asyncio",
        http="h11",
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start(
    mode: str, url: str, home: Path, cache_seconds: float
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            mode,
            "--port",
            str(port),
            "--url",
            url,
            "--home",
            str(home),
            "--auth-cache-seconds",
            str(cache_seconds),
        ]
    )
    return process, f"http://127.0.0.1:{port}"


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    import httpx2

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {base} exited with {process.returncode}")
        try:
            if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server for {base} did not answer in 120 s")


# --- the data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Callers:
    password: str
    token: str


def prepare(server: str, database: str) -> tuple[str, Callers]:
    """A fresh database with both networks, the regulator's user and the carrier's token."""
    import sqlalchemy as sa

    from peakguard.app import accounts
    from peakguard.app.networks import parse_network_document, save_network
    from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
    from peakguard.identity.model import (
        LOCAL_ADMINISTRATOR,
        Organisation,
        OrganisationKind,
        Permission,
        RegulatorLevel,
    )
    from peakguard.store.database import open_store

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import tiny_document

    admin = sa.create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    url = _database_url(server, database)
    store = open_store(url, AUDIT_KEY.encode())
    actor = LOCAL_ADMINISTRATOR
    save_network(store, parse_network_document(tiny_document()), actor=actor, source="benchmark")
    sichuan = build_sichuan_network(DemoParameters(outlets_per_carrier=2))
    save_network(
        store, sichuan.model_copy(update={"name": "sichuan"}), actor=actor, source="benchmark"
    )
    accounts.create_organisation(
        store,
        actor,
        Organisation(
            code=REGULATOR,
            name="成都市邮政管理局",
            kind=OrganisationKind.regulator,
            level=RegulatorLevel.city,
            region="510100",
        ),
    )
    accounts.create_organisation(
        store,
        actor,
        Organisation(code=CARRIER, name="中通快递", kind=OrganisationKind.carrier, carrier="ZTO"),
    )
    _info, password = accounts.create_user(
        store, actor, username=USER, organisation=REGULATOR, roles=["analyst"]
    )
    issued = accounts.issue_token(
        store,
        actor,
        organisation=CARRIER,
        name="benchmark",
        permissions=[Permission.network_read.value],
        days=1,
        max_days=1,
    )
    store.engine.dispose()
    return url, Callers(password, issued.text)


def log_in(base: str, password: str) -> str:
    """The session cookie of the regulator's user, through ``POST /auth/login``."""
    import httpx2

    from peakguard.api.security import SESSION_COOKIE

    answer = httpx2.post(
        f"{base}/auth/login", json={"username": USER, "password": password}, timeout=30
    )
    answer.raise_for_status()
    cookie: str = answer.cookies[SESSION_COOKIE]
    return cookie


def headers_for(credential: str, cookie: str, token: str) -> dict[str, str]:
    from peakguard.api.security import SESSION_COOKIE

    if credential == "session":
        return {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    return {"Authorization": f"Bearer {token}"}


def sanity(bases: dict[str, str], cookie: str, token: str) -> None:
    """The checked server refuses what the callers may not see; the unchecked one does not;
    both give the same node to a caller who may see it."""
    import httpx2

    session = headers_for("session", cookie, token)
    carrier = headers_for("token", cookie, token)
    cases = [
        # (path, headers, checked status, unchecked status)
        ("/networks", {}, 401, 200),
        ("/networks/sichuan/nodes/ZTO-511400-HUB", session, 404, 200),  # Meishan, not Chengdu
        ("/networks/sichuan/nodes/YTO-510100-HUB", carrier, 404, 200),  # YTO, not ZTO
        (READS["sichuan"], session, 200, 200),
        (READS["sichuan"], carrier, 200, 200),
        (READS["tiny"], session, 200, 200),
    ]
    for path, headers, *expected in cases:
        bodies = []
        for mode, status in zip(MODES, expected, strict=True):
            answer = httpx2.get(f"{bases[mode]}{path}", headers=headers, timeout=30)
            if answer.status_code != status:
                raise SystemExit(f"{mode} {path}: {answer.status_code}, expected {status}")
            bodies.append(answer.json())
        if expected == [200, 200] and bodies[0] != bodies[1]:
            raise SystemExit(f"{path}: the two servers answer differently")
    for headers in (session, carrier):
        seen = httpx2.get(f"{bases['checked']}/networks", headers=headers, timeout=30).json()
        print("  checked GET /networks:", [(n["name"], n["nodes"], n["lanes"]) for n in seen])
    whole = httpx2.get(f"{bases['unchecked']}/networks", timeout=30).json()
    print("  unchecked GET /networks:", [(n["name"], n["nodes"], n["lanes"]) for n in whole])


# --- the clients -------------------------------------------------------------------------


@dataclass
class Run:
    read: str
    credential: str
    mode: str
    round: int
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: Counter[int] = field(default_factory=Counter)
    answered: int = 0
    """Responses over the whole run, warm-up included (the server figures' denominator)."""
    server_cpu: float = 0.0
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    collecting: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def per_request_ms(self, seconds: float) -> float:
        return seconds / self.answered * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        failures = f"  FAILURES {dict(self.failures)}" if self.failures else ""
        return (
            f"  round {self.round} {self.read:<8} {self.credential:<8} {self.mode:<10} "
            f"{self.rps:8,.1f} req/s  p50 {self.percentile(0.5) * 1000:7.1f} ms  "
            f"p99 {self.percentile(0.99) * 1000:7.1f} ms  ({len(self.latencies):,} timed); "
            f"server CPU {self.per_request_ms(self.server_cpu):.2f} ms/req, "
            f"GC {self.per_request_ms(sum(self.collecting)):.2f} ms/req "
            f"({self.collections[2]} full collections, "
            f"{self.per_request_ms(self.collecting[2]):.2f} ms/req){failures}"
        )

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _drive(
    base: str, path: str, headers: dict[str, str], clients: int, warmup: float, seconds: float
) -> tuple[int, int, list[float], Counter[int]]:
    import httpx2

    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    failures: Counter[int] = Counter()
    arrived = answered = 0
    async with httpx2.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=120
    ) as client:
        start = time.perf_counter() + warmup
        end = start + seconds

        async def client_loop() -> None:
            nonlocal arrived, answered
            while True:
                sent = time.perf_counter()
                if sent >= end:
                    return
                answer = await client.get(path)
                done = time.perf_counter()
                answered += 1
                if answer.status_code != 200:
                    failures[answer.status_code] += 1
                if sent >= start:
                    latencies.append(done - sent)
                if start <= done < end:
                    arrived += 1

        await asyncio.gather(*(client_loop() for _ in range(clients)))
    return arrived, answered, latencies, failures


def _process(base: str) -> dict[str, Any]:
    import httpx2

    answer: dict[str, Any] = httpx2.get(f"{base}/_benchmark/process", timeout=30).json()
    return answer


def measure(run: Run, base: str, headers: dict[str, str], args: argparse.Namespace) -> Run:
    seconds = args.seconds * LONGER.get(run.read, 1.0)
    before = _process(base)
    arrived, answered, latencies, failures = asyncio.run(
        _drive(base, READS[run.read], headers, args.clients, args.warmup, seconds)
    )
    after = _process(base)
    run.requests, run.answered, run.seconds = arrived, answered, seconds
    run.latencies, run.failures = latencies, failures
    run.server_cpu = after["cpu"] - before["cpu"]
    run.collections = [
        b - a for a, b in zip(before["collections"], after["collections"], strict=True)
    ]
    run.collecting = [b - a for a, b in zip(before["seconds"], after["seconds"], strict=True)]
    return run


# --- the report --------------------------------------------------------------------------


def _output(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(url: str) -> list[str]:
    import sqlalchemy as sa

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        postgres = connection.execute(sa.text("SHOW server_version")).scalar()
    engine.dispose()
    here = Path(__file__).resolve().parent
    dirty = _output("git", "-C", str(here), "status", "--porcelain", "--", "../src")
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg", "httpx2")
    )
    return [
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; commit "
        f"{_output('git', '-C', str(here), 'rev-parse', '--short', 'HEAD')}"
        f"{' (src/ with uncommitted changes)' if dirty else ''}",
        f"{os.cpu_count()} cores ({model}), {int(memory) / 2**20:.0f} GiB, Linux "
        f"{platform.release()}; Python {platform.python_version()}; PostgreSQL {postgres}",
        packages,
    ]


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def table(runs: list[Run]) -> list[str]:
    lines = [
        "| read | caller | checks | req/s | p50 ms | p99 ms | server CPU ms/req "
        "| of which GC | req/s ratio | p50 ratio | p99 ratio | rounds' req/s ratios |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for read in dict.fromkeys(run.read for run in runs):
        for credential in CREDENTIALS:
            cell = {
                mode: [
                    r for r in runs if (r.read, r.credential, r.mode) == (read, credential, mode)
                ]
                for mode in MODES
            }
            if not all(cell.values()):
                continue
            medians = {
                mode: (
                    statistics.median(r.rps for r in cell[mode]),
                    statistics.median(r.percentile(0.5) for r in cell[mode]) * 1000,
                    statistics.median(r.percentile(0.99) for r in cell[mode]) * 1000,
                    statistics.median(r.per_request_ms(r.server_cpu) for r in cell[mode]),
                    statistics.median(r.per_request_ms(sum(r.collecting)) for r in cell[mode]),
                )
                for mode in MODES
            }
            checked, unchecked = medians["checked"], medians["unchecked"]
            rounds = ", ".join(
                f"{a.rps / b.rps:.2f}"
                for a, b in zip(cell["checked"], cell["unchecked"], strict=True)
            )
            for mode in MODES:
                rps, p50, p99, cpu, collecting = medians[mode]
                ratios = (
                    f"{checked[0] / unchecked[0]:.2f} | {checked[1] / unchecked[1]:.2f} | "
                    f"{checked[2] / unchecked[2]:.2f} | {rounds}"
                    if mode == "checked"
                    else " | | |"
                )
                lines.append(
                    f"| {read} | {credential} | {'with' if mode == 'checked' else 'without'} | "
                    f"{rps:,.0f} | {p50:.1f} | {p99:.1f} | {cpu:.2f} | {collecting:.2f} | "
                    f"{ratios} |"
                )
    return lines


# --- the profile -------------------------------------------------------------------------


def _left_for_collector(work: Any, times: int) -> float:
    """Container objects a call leaves behind on average (net of those freed by reference
    counting: the garbage in reference cycles that only the collector frees)."""
    import gc

    work()
    gc.collect()
    gc.disable()
    left = 0
    try:
        for _ in range(times):
            before = gc.get_count()[0]
            work()
            left += gc.get_count()[0] - before
            gc.collect(0)
    finally:
        gc.enable()
    return left / times


def profile(url: str, cookie: str, token: str, repeats: int) -> None:
    """The checks' parts, one at a time in this process (no concurrency, warm pool)."""
    import gc

    from peakguard.api.app import create_app
    from peakguard.app.authentication import SecurityPolicy, session_principal, token_principal
    from peakguard.app.networks import get_network, list_networks
    from peakguard.identity.model import LOCAL_ADMINISTRATOR

    with tempfile.TemporaryDirectory(prefix="peakguard-bench-") as home:
        app = create_app(_settings(url, Path(home)))
    store = app.state.store
    policy = SecurityPolicy.of(_settings(url, Path(tempfile.gettempdir())))

    def session() -> Any:
        return session_principal(store, cookie, policy=policy, address="127.0.0.1")

    def carrier() -> Any:
        return token_principal(store, token, address="127.0.0.1")

    regulator, zto = session(), carrier()

    def timed(label: str, work: Any, times: int = repeats) -> None:
        work()
        samples = []
        for _ in range(times):
            started = time.perf_counter()
            work()
            samples.append(time.perf_counter() - started)
        median = statistics.median(samples) * 1000
        left = _left_for_collector(work, min(times, 100))
        print(f"  {label:<46} {median:7.3f} ms  {left:7,.0f} objects left for the collector")

    print("In-process, one call at a time (no concurrency; median of calls):")
    timed("session_principal (regulator's cookie)", session)
    timed("token_principal (carrier's token)", carrier)
    timed("list_networks as the regulator", lambda: list_networks(store, actor=regulator))
    timed("list_networks as ZTO", lambda: list_networks(store, actor=zto))
    timed(
        "list_networks as the administrator",
        lambda: list_networks(store, actor=LOCAL_ADMINISTRATOR),
    )
    for name in ("tiny", "sichuan"):
        times = repeats if name == "tiny" else max(10, repeats // 20)
        for label, actor in (
            ("the regulator", regulator),
            ("ZTO", zto),
            ("the administrator", LOCAL_ADMINISTRATOR),
        ):
            timed(
                f"get_network({name}) as {label}",
                lambda actor=actor, name=name: get_network(store, name, actor=actor),
                times,
            )
    for frozen in (False, True):
        if frozen:
            gc.freeze()
        samples = []
        for _ in range(5):
            started = time.thread_time()
            gc.collect()
            samples.append(time.thread_time() - started)
        print(
            f"  a full collection with the app built{' after gc.freeze()' if frozen else ''}: "
            f"{statistics.median(samples) * 1000:.1f} ms CPU, {len(gc.get_objects()):,} objects "
            f"tracked ({gc.get_freeze_count():,} frozen)"
        )
    gc.unfreeze()
    for label, work in (
        ("session_principal", session),
        ("token_principal", carrier),
        ("list_networks as the regulator", lambda: list_networks(store, actor=regulator)),
    ):
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeats):
            work()
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(20)
        print(f"\ncProfile, {repeats} calls of {label}, by cumulative time:")
        print("\n".join(line for line in text.getvalue().splitlines()[:50] if line.strip()))
    store.engine.dispose()


# --- main --------------------------------------------------------------------------------


def benchmark(
    bases: dict[str, str], cookie: str, token: str, reads: list[str], args: argparse.Namespace
) -> list[Run]:
    """Every read and caller, checked and unchecked alternately, ``args.rounds`` rounds."""
    runs: list[Run] = []
    for number in range(1, args.rounds + 1):
        order = MODES if number % 2 else MODES[::-1]
        for read in reads:
            for credential in CREDENTIALS:
                headers = headers_for(credential, cookie, token)
                for mode in order:
                    run = measure(Run(read, credential, mode, number), bases[mode], headers, args)
                    runs.append(run)
                    print(run.line(), flush=True)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--server", default=SERVER, help="a PostgreSQL server's URL")
    parser.add_argument("--database", default=DATABASE, help="dropped and made again")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0, help="recorded, per run")
    parser.add_argument("--warmup", type=float, default=1.5, help="unrecorded, per run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reads", default=",".join(READS), help="of " + ", ".join(READS))
    parser.add_argument("--profile", action="store_true", help="then profile the checks")
    parser.add_argument("--profile-only", action="store_true")
    parser.add_argument("--profile-repeats", type=int, default=500)
    parser.add_argument(
        "--auth-cache-seconds",
        type=float,
        default=5.0,
        help="how long the checked server keeps a looked-up principal (0: never)",
    )
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.url, args.home, args.auth_cache_seconds)
        return 0

    url, callers = prepare(args.server, args.database)
    print("\n".join(machine(url)))
    print(f"load average before: {_load()}", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="peakguard-bench-") as home:
        started = {mode: _start(mode, url, Path(home), args.auth_cache_seconds) for mode in MODES}
        try:
            for process, base in started.values():
                _wait_until_up(base, process)
            bases = {mode: base for mode, (_process, base) in started.items()}
            cookie = log_in(bases["checked"], callers.password)
            sanity(bases, cookie, callers.token)
            if not args.profile_only:
                runs = benchmark(bases, cookie, callers.token, args.reads.split(","), args)
        finally:
            for process, _base in started.values():
                process.terminate()
            for process, _base in started.values():
                process.wait(timeout=30)
    if runs:
        print(f"load average after: {_load()}\n")
        print(
            f"{args.clients} clients, {args.seconds:g} s recorded per run after "
            f"{args.warmup:g} s warm-up, {args.rounds} rounds; medians over the rounds; "
            "ratios checked ÷ unchecked"
            + f"; principals kept {args.auth_cache_seconds:g} s by the checked server."
        )
        print("\n".join(table(runs)))
    if args.profile or args.profile_only:
        print()
        profile(url, cookie, callers.token, args.profile_repeats)
    return 1 if any(run.failures for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
