"""The hostile-input corpus of issue #13, and a runner that puts each file through the real CLI.

Every example the issue lists that reaches the command line is one :class:`Case`: a small
mutation of a valid file (the example network and scenario in ``docs/examples``, the network
exported as CSV tables and as a workbook, the example scan events), the ``peakguard`` command
that reads it, the exit code it must end with, the words of the location its error must name,
and, for a refused file, that nothing was stored (no network, no event in the lake).

:func:`run_cases` runs each command as its own process on its own ``PEAKGUARD_HOME``, with the
address space limited to one GiB above what ``peakguard --help`` reserves (measured first, by
:func:`measure_baseline`) and a 30-second limit, a few at once, and records exit code, output,
peak resident memory and CPU and wall time. Measured on the development machine (2 cores
shared with other work): ``peakguard --help`` reserves 1.61 GiB of address space (VmPeak:
thread stacks and the allocators of the numerical libraries) and 238 MiB resident, so each
case may reserve 2.61 GiB; every case, refused or not, peaks at 237–254 MiB resident and
3.3–5.1 s of CPU — almost all of it the command's start-up (importing every command group).

``python -m tests.hostile_corpus`` prints the table of outcomes.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from peakguard.app.networks import export_network, read_network_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
PEAKGUARD = Path(sys.executable).parent / "peakguard"
GIB = 1024**3
CPU_SECONDS = 30
"""The CPU time a process may use (RLIMIT_CPU; the kernel stops it past that)."""
WALL_SECONDS = 300.0
"""A backstop on waiting: on a machine shared by many processes, a run that needs 4 s of CPU
can take 30 s of wall time to be scheduled, so the bound that means something is the CPU's."""
AT_ONCE = 2
BORDERS = " ┃┏┓┗┛━┳┻╇┡┩└┘┴┬─╭╮╰╯┌┐├┤┼"
"""Processes run at once: the CLI's start-up is CPU-bound, and the machine has few cores."""


@dataclass(frozen=True)
class Case:
    """One hostile file, the command that reads it, and what must come of it."""

    id: str
    build: Callable[[Path], list[str]]
    """Writes the file(s) into the given folder; returns the command's arguments."""
    locations: tuple[str, ...] = ()
    """Words the error output must contain: the file's name, its row, line, sheet or field;
    ``row 3|line 3`` is either."""
    exit_code: int = 2
    absent: tuple[str, ...] = ()
    """Words the output must not contain (a line that does not exist)."""
    same_line: bool = True
    """The location's words must all stand on one line of the output (one problem's row)."""


@dataclass
class Outcome:
    """What one run of the CLI did."""

    case: str
    exit_code: int | None
    stdout: str
    stderr: str
    cpu_seconds: float
    wall_seconds: float
    peak_resident_mib: float
    stored_networks: int
    stored_event_files: int
    timed_out: bool = False
    notes: list[str] = field(default_factory=list)

    def first_lines(self, count: int = 4) -> str:
        """The first lines of the error output without the table's borders."""
        shown = []
        for line in self.stderr.splitlines():
            cells = [cell.strip() for cell in line.split("│") if cell.strip()]
            if cells and not set("".join(cells)) <= set(BORDERS):
                shown.append(": ".join(cell.strip(BORDERS) for cell in cells))
        if "Traceback" in self.stderr:
            shown = [self.stderr.strip().splitlines()[-1], *shown]
        return " / ".join(shown[:count])[:400]


# ---------------------------------------------------------------- the valid files mutated


def network_document() -> dict[str, Any]:
    """The example network (8 nodes, 9 lanes) as a mapping."""
    loaded = yaml.safe_load((EXAMPLES / "chengdu-mianyang.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def write_yaml_text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def example_yaml(folder: Path, old: str, new: str, name: str = "network.yaml") -> Path:
    """The example network's YAML with one piece of text replaced."""
    text = (EXAMPLES / "chengdu-mianyang.yaml").read_text(encoding="utf-8")
    assert old in text, old
    return write_yaml_text(folder, name, text.replace(old, new, 1))


def exported(folder: Path, form: str) -> Path:
    """The example network written by peakguard's own exporter as CSV tables or a workbook."""
    network = read_network_file(EXAMPLES / "chengdu-mianyang.yaml")
    target = folder / ("network" if form == "csv" else "network.xlsx")
    export_network(network, target)
    return target


def events_lines() -> list[str]:
    return (EXAMPLES / "scan-events.csv").read_text(encoding="utf-8").splitlines()


def events_csv(folder: Path, lines: Sequence[str], name: str = "events.csv") -> list[str]:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["events", "ingest", str(path)]


def with_time(year: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        lines = events_lines()
        lines[2] = lines[2].replace("2026-11-11T18:00:00", f"{year}-11-11T18:00:00")
        return events_csv(folder, lines)

    return build


def import_(path: Path, *extra: str) -> list[str]:
    return ["network", "import", str(path), *extra]


# ---------------------------------------------------------------- YAML and JSON


def deep_yaml(folder: Path) -> list[str]:
    depth = 100_000
    return import_(
        example_yaml(folder, "title: 成都—绵阳 示例网络", "title: " + "[" * depth + "]" * depth)
    )


def deep_json(folder: Path) -> list[str]:
    text = json.dumps(network_document(), ensure_ascii=False)
    depth = 100_000
    text = text.replace('"title": ', '"title": ' + "[" * depth + "]" * depth + ', "x": ', 1)
    path = folder / "network.json"
    path.write_text(text, encoding="utf-8")
    return import_(path)


def long_number_yaml(folder: Path) -> list[str]:
    return import_(
        example_yaml(folder, "storage_capacity: 40000", "storage_capacity: " + "9" * 5000)
    )


def long_number_json(folder: Path) -> list[str]:
    document = network_document()
    document["nodes"][0]["storage_capacity"] = 1
    text = json.dumps(document, ensure_ascii=False).replace(
        '"storage_capacity": 1,', '"storage_capacity": ' + "9" * 5000 + ",", 1
    )
    path = folder / "network.json"
    path.write_text(text, encoding="utf-8")
    return import_(path)


def capacity_2_64(folder: Path) -> list[str]:
    return import_(example_yaml(folder, "storage_capacity: 40000", f"storage_capacity: {2**64}"))


def infinite_yaml(folder: Path) -> list[str]:
    return import_(example_yaml(folder, "floor_area_m2: 12000", "floor_area_m2: .inf"))


def infinite_json(spelling: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        document = network_document()
        document["nodes"][0]["floor_area_m2"] = 12345.5
        text = json.dumps(document, ensure_ascii=False).replace("12345.5", spelling, 1)
        path = folder / "network.json"
        path.write_text(text, encoding="utf-8")
        return import_(path)

    return build


def billion_laughs(folder: Path) -> list[str]:
    """Nine levels of ten aliases each: 10⁹ strings from 5 KB."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    text = (EXAMPLES / "chengdu-mianyang.yaml").read_text(encoding="utf-8")
    bomb = "\n".join(lines) + "\n" + text.replace("title: 成都—绵阳 示例网络", "title: *l9", 1)
    return import_(write_yaml_text(folder, "network.yaml", bomb))


def markup_value(folder: Path) -> list[str]:
    return import_(example_yaml(folder, "kind: hub", "kind: '[/x]'"))


def control_in_identifier(folder: Path) -> list[str]:
    document = network_document()
    text = json.dumps(document, ensure_ascii=False).replace("ZTO-CD-O1", "ZTO-CD-\\u001b[2JO1")
    path = folder / "network.json"
    path.write_text(text, encoding="utf-8")
    return import_(path)


def override_loop(folder: Path) -> list[str]:
    """Two hubs that send parcels for Xi'an to each other."""
    loop = (
        "routing_overrides:\n"
        "  - {node: ZTO-CD-HUB, destination: ZTO-XA-GW, next_node: ZTO-MY-HUB}\n"
        "  - {node: ZTO-MY-HUB, destination: ZTO-XA-GW, next_node: ZTO-CD-HUB}\n"
    )
    text = (EXAMPLES / "chengdu-mianyang.yaml").read_text(encoding="utf-8")
    return import_(write_yaml_text(folder, "network.yaml", text + loop))


# ---------------------------------------------------------------- names, scenarios, releases


def named(name: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        return import_(EXAMPLES / "chengdu-mianyang.yaml", "--name", name)

    return build


def scenario_9999(folder: Path) -> list[str]:
    text = (EXAMPLES / "double11-small.yaml").read_text(encoding="utf-8")
    path = write_yaml_text(
        folder, "scenario.yaml", text.replace("first_day: 2026-11-09", "first_day: 9999-12-30")
    )
    return [
        "simulate",
        "--network",
        str(EXAMPLES / "chengdu-mianyang.yaml"),
        "--scenario",
        str(path),
        "--out",
        str(folder / "out"),
    ]


def releases(parcels: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        path = folder / "releases.csv"
        path.write_text(
            "origin,carrier,release_day,latest_day,parcels\n"
            "ZTO-CD-O2,ZTO,2026-11-10,2026-11-12,3000\n"
            f"ZTO-CD-O1,ZTO,2026-11-10,2026-11-12,{parcels}\n",
            encoding="utf-8",
        )
        return [
            "plan", "stagger", "--network", str(EXAMPLES / "chengdu-mianyang.yaml"),
            "--scenario", str(EXAMPLES / "double11-small.yaml"), "--releases", str(path),
            "--out", str(folder / "out"), "--no-check",
        ]  # fmt: skip

    return build


# ---------------------------------------------------------------- CSV tables


def csv_network(mutate: Callable[[list[str]], list[str]]) -> Callable[[Path], list[str]]:
    """The exported CSV network with its nodes.csv lines changed by ``mutate``."""

    def build(folder: Path) -> list[str]:
        tables = exported(folder, "csv")
        nodes = tables / "nodes.csv"
        lines = nodes.read_text(encoding="utf-8-sig").splitlines()
        nodes.write_text("\n".join(mutate(lines)) + "\n", encoding="utf-8")
        return import_(tables)

    return build


def long_cell(lines: list[str]) -> list[str]:
    lines[2] = lines[2].replace("中通绵阳转运中心", "x" * 131_073, 1)
    return lines


def extra_cells(lines: list[str]) -> list[str]:
    lines[2] = lines[2] + ",surplus,cells"
    return lines


def duplicate_header(lines: list[str]) -> list[str]:
    lines[0] = lines[0] + ",storage_capacity"
    return [lines[0], *(line + ",1" for line in lines[1:])]


def events_long_cell(folder: Path) -> list[str]:
    lines = events_lines()
    lines[2] = lines[2].replace(",standard,", "," + "p" * 131_073 + ",", 1)
    return events_csv(folder, lines)


def events_column_twice(folder: Path) -> list[str]:
    lines = events_lines()
    return events_csv(folder, [lines[0] + ",carrier", *(line + ",ZTO" for line in lines[1:])])


def events_extra_cells(folder: Path) -> list[str]:
    lines = events_lines()
    lines[2] = lines[2] + ",surplus"
    return events_csv(folder, lines)


def events_nul(folder: Path) -> list[str]:
    lines = events_lines()
    lines[2] = lines[2].replace("ZTO-CD-O1", "ZTO-CD\x00-O1", 1)
    return events_csv(folder, lines)


def events_control(folder: Path) -> list[str]:
    lines = events_lines()
    lines[2] = lines[2].replace("ZT7800012345", "ZT78000\x1b[2J12345", 1)
    return events_csv(folder, lines)


def five_spellings(folder: Path) -> list[str]:
    """One scan (row 2) and four disguises of it (rows 3–6)."""
    lines = events_lines()
    scan = lines[2]
    disguises = [
        scan.replace("ZT7800012345", "ZT7800012345\u00a0", 1),
        scan.replace("ZTO-CD-O1", "ZTO-CD-\u041e1", 1),
        scan.replace("ZT7800012345", "ZT78000\u200b12345", 1),
        scan.replace("ZTO-CD-O1", "ZTO\u2010CD-O1", 1),
    ]
    return events_csv(folder, [lines[0], scan, *disguises])


# ---------------------------------------------------------------- JSON lines


def jsonl_rows() -> list[dict[str, Any]]:
    lines = events_lines()
    header = lines[0].split(",")
    return [
        {key: value for key, value in zip(header, line.split(","), strict=True) if value}
        for line in lines[1:4]
    ]


def jsonl_empty_objects(folder: Path) -> list[str]:
    path = folder / "events.jsonl"
    path.write_text("{}\n{}\n", encoding="utf-8")
    return ["events", "ingest", str(path)]


def jsonl_line_separator(folder: Path) -> list[str]:
    rows = jsonl_rows()
    rows[1]["waybill"] = "ZT78000\u202812345"
    path = folder / "events.jsonl"
    text = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return ["events", "ingest", str(path)]


# ---------------------------------------------------------------- workbooks


def xlsx_far_cell(folder: Path) -> list[str]:
    path = exported(folder, "xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["nodes"]["XFD1048576"] = "x"
    workbook.save(path)
    return import_(path)


def xlsx_blank_rows(folder: Path) -> list[str]:
    """Rows 4–6 of the nodes sheet blank, and a bad cell in the sheet's row 7."""
    path = exported(folder, "xlsx")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["nodes"]
    sheet.insert_rows(4, 3)
    column = [cell.value for cell in sheet[1]].index("storage_capacity") + 1
    sheet.cell(row=7, column=column, value="lots")
    workbook.save(path)
    return import_(path)


def xlsx_zip_bomb(folder: Path) -> list[str]:
    """The nodes sheet padded with 1.2 GiB of spaces: 1.3 MB on disk."""
    source = exported(folder, "xlsx")
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(source) as workbook:
        members = [(info.filename, workbook.read(info.filename)) for info in workbook.infolist()]
    with path.open("wb") as out:
        central = b""
        for name, data in members:
            if name == "xl/worksheets/sheet4.xml":
                head, tail = data.split(b"<sheetData>", 1)
                entry = padded_member(head + b"<sheetData>", tail, chunks=300)
            else:
                compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
                entry = (
                    compressor.compress(data) + compressor.flush(),
                    zlib.crc32(data),
                    len(data),
                )
            central += write_member(out, name, *entry)
        end = out.tell()
        out.write(central)
        count = len(members)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), end, 0))
    return import_(path)


def padded_member(head: bytes, tail: bytes, *, chunks: int) -> tuple[bytes, int, int]:
    """A deflate stream of ``head``, ``chunks`` × 4 MiB of spaces, ``tail``: each chunk after a
    full flush compresses to the same bytes, so the bomb is built without deflating 1.2 GiB."""
    chunk = b" " * (4 * 1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(chunks):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    stream = start + block * chunks + end
    return stream, crc, len(head) + chunks * len(chunk) + len(tail)


def write_member(out: Any, name: str, stream: bytes, crc: int, size: int) -> bytes:
    """Write one deflated zip member; return its central-directory record."""
    encoded = name.encode()
    offset = out.tell()
    fixed = (20, 0, 8, 0, 0x21, crc, len(stream), size, len(encoded))
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fixed, 0) + encoded + stream)
    record = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fixed, 0, 0, 0, 0, 0, offset)
    return record + encoded


# ---------------------------------------------------------------- the valid controls


def valid_import(folder: Path) -> list[str]:
    return import_(EXAMPLES / "chengdu-mianyang.yaml")


def valid_events(folder: Path) -> list[str]:
    return events_csv(folder, events_lines())


def valid_workbook(folder: Path) -> list[str]:
    return import_(exported(folder, "xlsx"))


W, NODES, ROW_3 = ("network.yaml",), "nodes[0].storage_capacity", "row 3|line 3"

CASES: tuple[Case, ...] = (
    Case("control-network-yaml", valid_import, exit_code=0),
    Case("control-network-xlsx", valid_workbook, exit_code=0),
    Case("control-events-csv", valid_events, exit_code=0),
    Case("yaml-nested-100000", deep_yaml, W),
    Case("json-nested-100000", deep_json, ("network.json",)),
    Case("yaml-number-5000-digits", long_number_yaml, (*W, "line 11")),
    Case("json-number-5000-digits", long_number_json, ("network.json", NODES)),
    Case("yaml-capacity-2**64", capacity_2_64, (*W, NODES)),
    Case("csv-cell-131073-characters", csv_network(long_cell), ("nodes.csv", ROW_3)),
    Case("events-csv-cell-131073", events_long_cell, ("events.csv", ROW_3)),
    Case("events-column-twice", events_column_twice, ("events.csv", "carrier")),
    Case("events-year-0", with_time("0000"), ("events.csv", "row 3", "time")),
    Case("events-year-10000", with_time("10000"), ("events.csv", "row 3", "time")),
    Case("events-year-2099", with_time("2099"), ("events.csv", "row 3", "time")),
    Case("scenario-year-9999", scenario_9999, ("scenario.yaml", "first_day")),
    Case("releases-1e30-parcels", releases("1e30"), ("releases.csv", "row 3", "parcels")),
    Case("name-with-space", named("my network"), ("--name",)),
    Case("name-with-dotdot", named("../escape"), ("--name",)),
    Case("value-with-markup", markup_value, (*W, "nodes[0].kind", "[/x]")),
    Case("yaml-billion-laughs", billion_laughs, W),
    Case("xlsx-cell-XFD1048576", xlsx_far_cell, ("network.xlsx", "nodes")),
    Case("yaml-inf", infinite_yaml, (*W, "nodes[0].floor_area_m2")),
    Case("json-Infinity", infinite_json("Infinity"), ("network.json", "floor_area_m2")),
    Case("json-1e309", infinite_json("1e309"), ("network.json", "floor_area_m2")),
    Case("csv-extra-cells", csv_network(extra_cells), ("nodes.csv", "row 3")),
    Case("events-csv-extra-cells", events_extra_cells, ("events.csv", "row 3")),
    Case("csv-duplicate-header", csv_network(duplicate_header), ("nodes.csv", "storage_capacity")),
    Case("events-nul-in-identifier", events_nul, ("events.csv", ROW_3)),
    Case("events-escape-in-identifier", events_control, ("events.csv", "row 3", "waybill")),
    Case("network-escape-in-identifier", control_in_identifier, ("network.json", "nodes[3].id")),
    Case(
        "events-one-scan-five-ways",
        five_spellings,
        ("events.csv", "row 4", "row 5"),
        same_line=False,
    ),
    Case("jsonl-empty-objects", jsonl_empty_objects, ("events.jsonl", "line 1")),
    Case(
        "jsonl-line-separator",
        jsonl_line_separator,
        ("events.jsonl", "line 2", "waybill"),
        absent=("line 4",),
    ),
    Case(
        "xlsx-blank-rows-and-sheet-name",
        xlsx_blank_rows,
        ("network.xlsx", "nodes", "row 7", "storage_capacity"),
    ),
    Case("xlsx-zip-bomb", xlsx_zip_bomb, ("bomb.xlsx",)),
    Case("yaml-routing-override-loop", override_loop, (*W, "routing_overrides")),
)
"""Every case runs on an empty home; a refused file must leave it without a stored network
and without an event file in the lake."""


# ---------------------------------------------------------------- running them


def limits(address_space: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))

    return limit


def environment(home: Path) -> dict[str, str]:
    kept = {key: value for key, value in os.environ.items() if not key.startswith("PEAKGUARD_")}
    return kept | {
        "PEAKGUARD_HOME": str(home),
        "PEAKGUARD_LANGUAGE": "en",
        "COLUMNS": "2000",
        "NO_COLOR": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def measure_baseline(folder: Path) -> tuple[int, float]:
    """The address space (bytes, VmPeak) and resident memory (MiB) of ``peakguard --help``."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [str(PEAKGUARD), "--help"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(folder / "home"),
    )
    peak = 0
    while True:
        peak = max(peak, virtual_peak(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return peak, usage.ru_maxrss / 1024
        time.sleep(0.02)


def virtual_peak(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class Running:
    case: Case
    folder: Path
    process: subprocess.Popen[bytes]
    started: float


def run_cases(cases: Sequence[Case], folder: Path, *, address_space: int) -> dict[str, Outcome]:
    """Every case's command run a few at a time; each process limited and timed."""
    waiting = list(cases)
    running: dict[int, Running] = {}
    outcomes: dict[str, Outcome] = {}
    while waiting or running:
        while waiting and len(running) < AT_ONCE:
            started = start(waiting.pop(0), folder, address_space)
            running[started.process.pid] = started
        for pid, run in list(running.items()):
            reaped, status, usage = os.wait4(pid, os.WNOHANG)
            late = time.monotonic() - run.started > WALL_SECONDS
            if not reaped and late:
                os.kill(pid, signal.SIGKILL)
                reaped, status, usage = os.wait4(pid, 0)
            if reaped:
                del running[pid]
                run.process.returncode = os.waitstatus_to_exitcode(status)
                outcomes[run.case.id] = finish(run, usage, timed_out=late)
        time.sleep(0.05)
    return outcomes


def start(case: Case, folder: Path, address_space: int) -> Running:
    here = folder / case.id
    shutil.rmtree(here, ignore_errors=True)
    (here / "home").mkdir(parents=True)
    arguments = case.build(here)
    with (here / "stdout.txt").open("wb") as out, (here / "stderr.txt").open("wb") as err:
        process = subprocess.Popen(
            [str(PEAKGUARD), *arguments],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=here,
            env=environment(here / "home"),
            preexec_fn=limits(address_space),  # noqa: PLW1509 (spawned from one thread)
        )
    return Running(case, here, process, time.monotonic())


def finish(run: Running, usage: resource.struct_rusage, *, timed_out: bool) -> Outcome:
    home = run.folder / "home"
    return Outcome(
        case=run.case.id,
        exit_code=None if timed_out else run.process.returncode,
        stdout=(run.folder / "stdout.txt").read_text(encoding="utf-8", errors="replace"),
        stderr=(run.folder / "stderr.txt").read_text(encoding="utf-8", errors="replace"),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        wall_seconds=time.monotonic() - run.started,
        peak_resident_mib=usage.ru_maxrss / 1024,
        stored_networks=stored_networks(home),
        stored_event_files=sum(1 for path in (home / "lake").rglob("*") if path.is_file()),
        timed_out=timed_out,
    )


def stored_networks(home: Path) -> int:
    database = home / "peakguard.db"
    if not database.exists():
        return 0
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("select count(*) from networks").fetchone()
    return int(count)


def main() -> None:
    folder = Path(os.environ.get("HOSTILE_FOLDER", "/tmp/hostile-corpus"))
    address_space, resident = measure_baseline(folder / "baseline")
    print(f"peakguard --help: VmPeak {address_space / GIB:.2f} GiB, {resident:.0f} MiB resident")
    chosen = [case for case in CASES if not sys.argv[1:] or case.id in sys.argv[1:]]
    outcomes = run_cases(chosen, folder, address_space=address_space + GIB)
    for case in chosen:
        outcome = outcomes[case.id]
        print(
            f"{case.id:38} exit {outcome.exit_code!s:4} cpu {outcome.cpu_seconds:5.1f}s "
            f"wall {outcome.wall_seconds:5.1f}s rss {outcome.peak_resident_mib:6.0f}MiB "
            f"networks {outcome.stored_networks} lake {outcome.stored_event_files} | "
            f"{outcome.first_lines()}"
        )


if __name__ == "__main__":
    main()
