"""``peakguard cases`` and ``peakguard calendar`` on each engine, acting as the local
administrator: an appeal opened, stepped, refused and unmasked from the command line, the
overdue sweep, and a year's holiday notice loaded for clocks that waited for it."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from peakguard.app import accounts
from peakguard.app.audit import audit_entries
from peakguard.app.cases import get_case
from peakguard.app.context import open_store
from peakguard.cli import app as cli_app
from peakguard.config import Settings
from peakguard.errors import ConflictError, InvalidInputError
from peakguard.identity.model import LOCAL_ADMINISTRATOR, Organisation, OrganisationKind
from peakguard.store.database import Store

ADMIN = LOCAL_ADMINISTRATOR
NAME, PHONE, ADDRESS = "张三丰", "13812345678", "四川省成都市武侯区科华北路1号"
NOTICE_2027 = """\
year = 2027
source = "国办发明电〔2026〕测试号"
rest_days = [
    "2027-01-01",
    { from = "2027-02-06", to = "2027-02-12" },
]
working_days = ["2027-02-20"]
"""
"""A 2027 notice as an administrator would type it (the package knows the years to 2026)."""

Run = Callable[..., Result]


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """The command does not depend on the engine: SQLite only (the workflows run on both
    engines in their own tests)."""
    return sqlite_url


@pytest.fixture
def site(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Run, Store]]:
    """site: the CLI over a fresh database, in English, and the same database opened by the
    application (to check what the CLI did without the CLI); ZTO's headquarters exists."""
    home = tmp_path / "home"
    monkeypatch.setenv("PEAKGUARD_HOME", str(home))
    monkeypatch.setenv("PEAKGUARD_DATABASE_URL", database_url)
    store = open_store(Settings(database_url=database_url, home=home))
    accounts.create_organisation(
        store, ADMIN, Organisation("zto", "中通快递", OrganisationKind.carrier, carrier="ZTO")
    )
    runner = CliRunner()

    def run(*arguments: str, code: int = 0) -> Result:
        result = runner.invoke(
            cli_app, ["--lang", "en", *arguments], catch_exceptions=False, env={"COLUMNS": "240"}
        )
        assert result.exit_code == code, result.output
        return result

    yield run, store
    store.engine.dispose()


OPENING = (
    "--kind",
    "appeal",
    "--carrier",
    "ZTO",
    "--region",
    "510104",
    "--channel",
    "letter",
    "--category",
    "loss",
    "--waybill",
    "ZT7700001234",
    "--name",
    NAME,
    "--phone",
    PHONE,
    "--address",
    ADDRESS,
    "--summary",
    "快件丢失，快递公司七日未答复",
)
"""The options of a Chengdu user's appeal about a lost ZTO parcel, but its moment."""


def open_appeal(run: Run, received_at: str) -> Result:
    return run("cases", "open", *OPENING, "--received-at", received_at)


def clocks(store: Store, reference: str) -> dict[str, Any]:
    return {clock.rule_key: clock for clock in get_case(store, reference, actor=ADMIN).clocks}


def test_an_appeal_is_opened_stepped_and_refused_from_the_command_line(
    site: tuple[Run, Store],
) -> None:
    """The year's first appeal is SS2026-000001; the complainant is masked in what open, show
    and list print; review with the version read moves it on; closing it now is refused
    (exit 4) naming what it can do; a step on an old version is refused (exit 4)."""
    run, store = site
    opened = open_appeal(run, "2026-09-30T10:00")
    reference = "SS2026-000001"
    assert reference in opened.output
    case = get_case(store, reference, actor=ADMIN)
    assert case.received_at.astimezone(UTC) == datetime(2026, 9, 30, 2, tzinfo=UTC)
    shown = run("cases", "show", reference)
    listed = run("cases", "list")
    for printed in (opened, shown, listed):
        assert not any(value in printed.output for value in (NAME, PHONE, ADDRESS))
    assert reference in listed.output and "review" in shown.output
    run("cases", "step", reference, "review", "--version", str(case.version))
    moved = get_case(store, reference, actor=ADMIN)
    assert (moved.state, moved.version) == ("admissibility", case.version + 1)
    assert [step.actor for step in moved.steps][-1] == "local@system"
    illegal = run("cases", "step", reference, "close", "--version", str(moved.version), code=4)
    assert ConflictError.exit_code == 4
    assert "admit and register" in illegal.output and "reject" in illegal.output
    stale = run("cases", "step", reference, "admit", "--version", str(case.version), code=4)
    assert "version" in stale.output.lower()
    assert get_case(store, reference, actor=ADMIN).state == "admissibility"
    missing = run("cases", "step", reference, "reject", "--version", str(moved.version), code=2)
    assert InvalidInputError.exit_code == 2 and "reason" in missing.output
    far = run("cases", "open", *OPENING, "--received-at", "9999-12-31T23:00", code=2)
    assert "--received-at" in far.output and "2100" in far.output


def test_show_personal_prints_the_complainant_in_clear_and_is_audited(
    site: tuple[Run, Store],
) -> None:
    """``cases show --personal`` prints the name, phone and address, and the audit trail
    records that one read, by the local administrator, without the data itself."""
    run, store = site
    open_appeal(run, "2026-09-30T10:00")
    shown = run("cases", "show", "SS2026-000001", "--personal")
    assert NAME in shown.output and PHONE in shown.output
    _total, entries = audit_entries(store, ADMIN, record_id="SS2026-000001", limit=50, offset=0)
    reads = [entry for entry in entries if entry.action == "case.personal_read"]
    assert [entry.actor for entry in reads] == ["local@system"]
    assert NAME not in str(reads[0].detail) and PHONE not in str(reads[0].detail)


def test_the_sweep_records_a_breach_once(site: tuple[Run, Store]) -> None:
    """An appeal received Wed 2026-09-30 had to be registered by the end of Fri 2026-10-09
    (two working days after the National Day holiday); swept now, its registration clock is
    marked breached (it keeps running: the appeal still has to be registered), and a second
    sweep records no new breach."""
    run, store = site
    open_appeal(run, "2026-09-30T10:00")
    due = clocks(store, "SS2026-000001")["appeal.register"].due_at
    assert due.astimezone(UTC) == datetime(2026, 10, 9, 16, tzinfo=UTC)
    first = run("cases", "sweep")
    assert "Breaches recorded" in first.output
    breached = clocks(store, "SS2026-000001")["appeal.register"]
    assert breached.breached_at is not None and breached.overdue(datetime.now(UTC))
    second = run("cases", "sweep")
    assert _figure(second.output, "Breaches recorded") == 0
    assert _figure(first.output, "Breaches recorded") >= 1


def _figure(output: str, label: str) -> int:
    line = next(line for line in output.splitlines() if label in line)
    return int(line.split(label)[1].strip(" │|").replace(",", ""))


def test_a_notice_for_an_unknown_year_gives_the_waiting_clocks_their_deadline(
    site: tuple[Run, Store], tmp_path: Path
) -> None:
    """An appeal received Wed 2026-12-30 cannot have deadlines while 2027 is unknown (its two
    working days reach New Year's Day); once the 2027 notice is loaded, registration is due
    at the end of Mon 2027-01-04 (Thu 12-31, then past the holiday and the weekend) and the
    answer to the user at the end of Fri 2027-01-29 (30 calendar days). A notice naming a
    weekday as a make-up working day is refused, located, and loads nothing."""
    run, store = site
    years = run("calendar", "years")
    assert "2026" in years.output and "chinesecalendar" in years.output
    assert "2027" not in years.output
    open_appeal(run, "2026-12-30T10:00")
    waiting = clocks(store, "SS2026-000001")
    assert waiting["appeal.register"].due_at is None
    assert waiting["appeal.answer_user"].due_at is None
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(NOTICE_2027.replace("2027-02-20", "2027-02-22"), encoding="utf-8")
    refused = run("calendar", "load", str(wrong), code=2)
    assert "working_days[0]" in refused.output
    assert clocks(store, "SS2026-000001")["appeal.register"].due_at is None
    notice = tmp_path / "2027.toml"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    loaded = run("calendar", "load", str(notice))
    assert "2 clock(s)" in loaded.output
    scheduled = clocks(store, "SS2026-000001")
    assert scheduled["appeal.register"].due_at.astimezone(UTC) == datetime(
        2027, 1, 4, 16, tzinfo=UTC
    )
    assert scheduled["appeal.answer_user"].due_at.astimezone(UTC) == datetime(
        2027, 1, 29, 16, tzinfo=UTC
    )
    assert {clock.outcome for clock in scheduled.values()} == {"running"}
    years = run("calendar", "years")
    assert "2027" in years.output and "测试号" in years.output


EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cases-12305.csv"


def test_an_export_is_imported_once_and_counted_in_the_appeals_bulletin(
    site: tuple[Run, Store], tmp_path: Path
) -> None:
    """``cases import`` opens the example export's appeals (one a row), a second run opens
    none; ``report appeals`` writes the workbook, JSON and page counting them in their month;
    ``cases retention`` clears no open case's complainant."""
    run, _store = site
    with EXAMPLE.open(encoding="utf-8", newline="") as lines:
        rows = list(csv.DictReader(lines))
    first = run("cases", "import", str(EXAMPLE))
    assert re.search(rf"Cases opened\W+{len(rows)}\b", first.output), first.output
    again = run("cases", "import", str(EXAMPLE))
    assert re.search(r"Cases opened\W+0\b", again.output), again.output
    run("events", "ingest", str(EXAMPLE.with_name("scan-events.csv")))  # the parcels' lake
    out = tmp_path / "appeals"
    run("report", "appeals", "--month", "2026-10", "--out", str(out), "--lang", "en")
    names = sorted(path.name for path in out.iterdir())
    assert names == ["appeals_bulletin.html", "appeals_bulletin.json", "appeals_bulletin.xlsx"]
    document = json.loads((out / "appeals_bulletin.json").read_text(encoding="utf-8"))
    in_october = [row for row in rows if row["受理时间"].replace("/", "-").startswith("2026-10")]
    assert document["period"] == "2026-10"
    assert document["appeals"] == len(in_october) == len(rows)
    cleared = run("cases", "retention")
    assert "0 case(s)" in cleared.output
