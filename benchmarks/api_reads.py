"""The demo network's reads under authentication: requests per second and p50/p99 latency of
the network summary (``GET /networks/{name}``) and a node page
(``GET /networks/{name}/nodes/{node_id}``), several concurrent clients on loopback, beside the
server's floor (``GET /health``) measured in the same run.

Run it from the repository root (it is not part of the test run)::

    .venv/bin/python benchmarks/api_reads.py
    .venv/bin/python benchmarks/api_reads.py --workers 2 --clients 8 --rounds 3
    .venv/bin/python benchmarks/api_reads.py --database sqlite --profile-only

The database (``--database``: ``postgresql``, a fresh database ``bench_reads`` on ``--server``,
dropped and made again; or ``sqlite``, a file in a temporary home) holds the Sichuan demo
network as ``peakguard demo`` builds it (``DemoParameters()``: 1,113 nodes, 1,412 lanes,
7 carriers; ``--outlets-per-carrier 600``: 8,589 nodes, the issue's large network), stored
under ``sichuan-demo`` through ``app.networks.save_network``. Two callers hold an API token
with ``network.read`` (made through ``app/accounts.py``):

- ``province``: the Sichuan provincial postal administration (regulator, 510000): it reaches
  every node of the demo network;
- ``carrier``: ZTO's headquarters (carrier ZTO): it reaches ZTO's nodes only, so its summary
  is that of a filtered network.

The server is ``--workers`` uvicorn processes (h11, asyncio, access log off) sharing the port
through ``SO_REUSEPORT`` (see :func:`serve_one` for why not uvicorn's ``--workers``), each
building the app as ``peakguard serve`` does (``create_app(Settings())`` from ``PEAKGUARD_*``,
then ``gc.collect(); gc.freeze()``), the principal kept 5 s (the deployment's default).
The clients are ``--clients`` threads of this process, each with one
kept-alive ``http.client`` connection (the cheapest Python client, so that the client takes as
little of the two cores as it can); each repeats its GET as fast as it is answered. A run is
``--warmup`` seconds unrecorded, then ``--seconds`` recorded; any answer other than 200 fails it.
Rounds alternate the order of the reads; the table gives medians over ``--rounds`` rounds and
each read's ratio to the floor (``/health``) of the same round.

``--profile`` (or ``--profile-only``) then runs, in this process with no server, cProfile over
the routes' own work — the app functions the routers call — for the summary and the node page.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import http.client
import inspect
import io
import os
import platform
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER = "postgresql+psycopg://postgres@127.0.0.1:54331/postgres"
DATABASE = "bench_reads"
AUDIT_KEY = "benchmark-audit-key-not-secret"
NETWORK = "sichuan-demo"
NODE = "ZTO-510100-HUB"
READS: dict[str, str] = {
    "health": "/health",
    "summary": f"/networks/{NETWORK}",
    "node": f"/networks/{NETWORK}/nodes/{NODE}",
}
CALLERS = ("province", "carrier")


def application() -> Any:
    """The app as ``peakguard serve`` builds it, from ``PEAKGUARD_*`` (uvicorn's factory)."""
    from peakguard.api.app import create_app
    from peakguard.config import Settings

    app = create_app(Settings())
    gc.collect()
    gc.freeze()
    return app


# --- the data ----------------------------------------------------------------------------


def prepare(
    database: str, server: str, home: Path, outlets_per_carrier: int = 60
) -> tuple[str, dict[str, str]]:
    """A fresh database with the demo network and the two callers' tokens."""
    import sqlalchemy as sa

    from peakguard.app import accounts
    from peakguard.app.networks import save_network
    from peakguard.demo.sichuan import DemoParameters, build_sichuan_network
    from peakguard.identity.model import (
        LOCAL_ADMINISTRATOR,
        Organisation,
        OrganisationKind,
        Permission,
        RegulatorLevel,
    )
    from peakguard.store.database import open_store

    if database == "sqlite":
        url = f"sqlite:///{home / 'peakguard.db'}"
    else:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
        admin.dispose()
        url = sa.engine.make_url(server).set(database=DATABASE).render_as_string(False)
    store = open_store(url, AUDIT_KEY.encode())
    actor = LOCAL_ADMINISTRATOR
    network = build_sichuan_network(DemoParameters(outlets_per_carrier=outlets_per_carrier))
    started = time.perf_counter()
    save_network(
        store, network.model_copy(update={"name": NETWORK}), actor=actor, source="benchmark"
    )
    print(
        f"stored {len(network.nodes):,} nodes, {len(network.lanes):,} lanes "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    organisations = {
        "province": Organisation(
            code="sc",
            name="四川省邮政管理局",
            kind=OrganisationKind.regulator,
            level=RegulatorLevel.provincial,
            region="510000",
        ),
        "carrier": Organisation(
            code="zto", name="中通快递", kind=OrganisationKind.carrier, carrier="ZTO"
        ),
    }
    tokens = {}
    for caller, organisation in organisations.items():
        accounts.create_organisation(store, actor, organisation)
        tokens[caller] = accounts.issue_token(
            store,
            actor,
            organisation=organisation.code,
            name="benchmark",
            permissions=[Permission.network_read.value],
            days=1,
            max_days=1,
        ).text
    store.engine.dispose()
    return url, tokens


# --- the server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_one(port: int, access_log: bool) -> None:
    """One server process on 127.0.0.1:``port`` until killed; several share the port.

    Each binds its own listening socket with ``SO_REUSEPORT`` (the kernel spreads connections
    over them) and ``IPPROTO_TCP`` named, so that asyncio sets ``TCP_NODELAY`` on every
    accepted connection. uvicorn's own ``--workers`` binds one socket without the protocol
    and the accepted connections keep Nagle's algorithm: every keep-alive request after the
    first then waits ~40 ms for the client's delayed ACK (uvicorn issue #3149, open).
    """
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        application(),
        log_level="info" if access_log else "warning",
        access_log=access_log,
        loop="asyncio",
        http="h11",
    )
    uvicorn.Server(config).run(sockets=[listener])


def start_server(
    url: str, home: Path, workers: int, access_log: bool = False
) -> tuple[list[subprocess.Popen[bytes]], int]:
    """``workers`` server processes on one port, each building the app as peakguard serve."""
    port = _free_port()
    environment = {
        **os.environ,
        "PEAKGUARD_DATABASE_URL": url,
        "PEAKGUARD_HOME": str(home),
        "PEAKGUARD_AUDIT_KEY": AUDIT_KEY,
        "PEAKGUARD_LANGUAGE": "en",
    }
    command = [sys.executable, __file__, "--serve", str(port)]
    command += ["--access-log"] if access_log else []
    output = subprocess.DEVNULL if access_log else None
    processes = [
        subprocess.Popen(command, env=environment, stdout=output, stderr=output)
        for _ in range(workers)
    ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise SystemExit("a server process exited")
        try:
            if all(_get(port, "/health", {})[0] == 200 for _ in range(4 * workers)):
                time.sleep(2.0)  # the other processes finish starting
                return processes, port
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer in 120 s")


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


# --- the clients -------------------------------------------------------------------------


@dataclass
class Run:
    read: str
    caller: str
    round: int
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: Counter[int] = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")  # nothing sent in the window was answered in it
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def line(self) -> str:
        failures = f"  FAILURES {dict(self.failures)}" if self.failures else ""
        return (
            f"  round {self.round} {self.read:<8} {self.caller:<9}{self.rps:8,.1f} req/s  "
            f"p50 {self.percentile(0.5) * 1000:6.1f} ms  p99 {self.percentile(0.99) * 1000:6.1f}"
            f" ms  ({len(self.latencies):,} timed){failures}"
        )


def drive(run: Run, port: int, headers: dict[str, str], args: argparse.Namespace) -> Run:
    """``args.clients`` threads repeating the read for warm-up plus the recorded window."""
    path = READS[run.read]
    start = time.perf_counter() + args.warmup
    end = start + args.seconds
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies: list[float] = []
        failures: Counter[int] = Counter()
        arrived = 0
        while (sent := time.perf_counter()) < end:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            done = time.perf_counter()
            if answer.status != 200:
                failures[answer.status] += 1
            if sent >= start:
                latencies.append(done - sent)
            if start <= done < end:
                arrived += 1
        connection.close()
        with lock:
            run.latencies.extend(latencies)
            run.failures.update(failures)
            run.requests += arrived

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = args.seconds
    return run


def benchmark(port: int, tokens: dict[str, str], args: argparse.Namespace) -> list[Run]:
    cases = [("health", "none")] + [
        (read, caller) for read in args.reads.split(",") if read != "health" for caller in CALLERS
    ]
    runs: list[Run] = []
    for number in range(1, args.rounds + 1):
        order = cases if number % 2 else cases[::-1]
        for read, caller in order:
            headers = {"Authorization": f"Bearer {tokens[caller]}"} if caller in tokens else {}
            run = drive(Run(read, caller, number), port, headers, args)
            runs.append(run)
            print(run.line(), flush=True)
    return runs


def table(runs: list[Run]) -> list[str]:
    floors = {run.round: run.rps for run in runs if run.read == "health"}
    lines = [
        "| read | caller | req/s | p50 ms | p99 ms | ÷ /health (rounds) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    keys = list(dict.fromkeys((run.read, run.caller) for run in runs))
    for read, caller in keys:
        mine = [run for run in runs if (run.read, run.caller) == (read, caller)]
        ratios = [run.rps / floors[run.round] for run in mine]
        lines.append(
            f"| {read} | {caller} | {statistics.median(r.rps for r in mine):,.0f} "
            f"| {statistics.median(r.percentile(0.5) for r in mine) * 1000:.1f} "
            f"| {statistics.median(r.percentile(0.99) for r in mine) * 1000:.1f} "
            f"| {statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)}) |"
        )
    return lines


def machine() -> list[str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return [
        f"machine: {os.cpu_count()} CPUs ({model}), Python {platform.python_version()}",
        f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
    ]


# --- the profile -------------------------------------------------------------------------


def profile(url: str, token: str, repeats: int) -> None:
    """cProfile of the summary and the node page in process, as the province's token: the
    routers' functions called directly (what a request runs besides HTTP and the checks)."""
    from starlette.requests import Request

    from peakguard.api.app import create_app
    from peakguard.api.routers import networks
    from peakguard.app.authentication import token_principal
    from peakguard.config import Settings
    from peakguard.store.database import open_store

    store = open_store(url, AUDIT_KEY.encode())
    app = create_app(Settings(database_url=url, audit_key=AUDIT_KEY, language="en"), store)
    actor = token_principal(store, token, address=None)
    request = Request({"type": "http", "app": app, "method": "GET", "path": "/", "headers": []})
    routes: dict[str, Callable[[], Any]] = {
        "summary": lambda: networks.read_network(request=request, name=NETWORK, actor=actor),
        "node": lambda: networks.read_node(
            request=request, actor=actor, name=NETWORK, node_id=NODE
        ),
    }
    loop = asyncio.new_event_loop()

    def answered(route: Callable[[], Any]) -> Callable[[], object]:
        """The route's answer, awaited on one loop when the route is asynchronous."""

        def call() -> object:
            result = route()
            return loop.run_until_complete(result) if inspect.isawaitable(result) else result

        return call

    reads = {read: answered(route) for read, route in routes.items()}
    for read, call in reads.items():
        call()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(repeats):
            call()
        profiler.disable()
        took = (time.perf_counter() - started) / repeats
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(22)
        print(f"\ncProfile, {repeats} x {READS[read]} in process: {took * 1000:.3f} ms each")
        print("\n".join(line for line in text.getvalue().splitlines()[:40] if line.strip()))
    loop.close()
    store.engine.dispose()


# --- main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--server", default=SERVER, help="a PostgreSQL server's URL")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="recorded, per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unrecorded, per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reads", default="summary,node", help="besides health: summary,node")
    parser.add_argument(
        "--outlets-per-carrier", type=int, default=60, help="the demo's size (600: 8,589 nodes)"
    )
    parser.add_argument("--profile", action="store_true", help="then profile in process")
    parser.add_argument("--profile-only", action="store_true")
    parser.add_argument("--profile-repeats", type=int, default=20)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request, as peakguard serve does (to /dev/null here)",
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_one(args.serve, args.access_log)
        return 0

    with tempfile.TemporaryDirectory(prefix="peakguard-reads-") as folder:
        home = Path(folder)
        url, tokens = prepare(args.database, args.server, home, args.outlets_per_carrier)
        print("\n".join(machine()), flush=True)
        runs: list[Run] = []
        if not args.profile_only:
            processes, port = start_server(url, home, args.workers, args.access_log)
            try:
                runs = benchmark(port, tokens, args)
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.wait(timeout=30)
            print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            print(
                f"{args.database}, {args.workers} worker(s), {args.clients} clients, "
                f"access log {'on' if args.access_log else 'off'}, "
                f"{args.seconds:g} s recorded per run after {args.warmup:g} s warm-up, "
                f"{args.rounds} rounds; medians over the rounds"
            )
            print("\n".join(table(runs)))
        if args.profile or args.profile_only:
            profile(url, tokens["province"], args.profile_repeats)
    return 1 if any(run.failures for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
