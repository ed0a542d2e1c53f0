"""X-ray screening recorded where it happens: ``x_rayed`` on a hub's sort or arrive scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakguard.errors import InvalidInputError
from peakguard.formats.scan_event_document import read_event_files, read_events
from tests.unit.ingest.conftest import write_csv

ACCEPT = "ZT1,ZTO,accept,,O1,2026-11-11T08:00:00+08:00,,510104,510703,standard,true,true,false"


def test_a_hub_may_record_its_x_ray_on_sort_and_arrive(tmp_path: Path) -> None:
    """The outlet records no X-ray; the hub's arrive (yes) and sort (true) scans are stored
    with the flag, and the two acceptance-only flags stay empty there."""
    rows = [
        ACCEPT,
        "ZT1,ZTO,arrive,,H1,2026-11-11T12:00:00+08:00,,510104,510703,standard,,,yes",
        "ZT1,ZTO,sort,,H1,2026-11-11T12:30:00+08:00,,510104,510703,standard,,,true",
        "ZT1,ZTO,depart,,H1,2026-11-11T13:00:00+08:00,S1,510104,510703,standard,,,",
    ]
    table = read_events(write_csv(tmp_path / "events.csv", rows))
    by_event = {row["event"]: row for row in table.to_pylist()}
    assert by_event["accept"]["x_rayed"] is False
    assert by_event["arrive"]["x_rayed"] is True
    assert by_event["sort"]["x_rayed"] is True
    assert by_event["depart"]["x_rayed"] is None
    assert by_event["sort"]["real_name_verified"] is None


def test_x_ray_elsewhere_and_acceptance_checks_at_a_hub_are_refused(tmp_path: Path) -> None:
    """x_rayed on a depart, and real-name or inspection on a sort, are located mistakes."""
    rows = [
        ACCEPT,
        "ZT1,ZTO,depart,,O1,2026-11-11T09:00:00+08:00,H1,510104,510703,standard,,,true",
        "ZT1,ZTO,sort,,H1,2026-11-11T12:30:00+08:00,,510104,510703,standard,true,false,true",
    ]
    with pytest.raises(InvalidInputError) as caught:
        read_event_files([write_csv(tmp_path / "events.csv", rows)])
    problems = [problem.render("en") for problem in caught.value.problems]
    assert problems == [
        "events.csv row 3, column x_rayed: only accept, sort and arrive events carry x_rayed "
        "(screening at the outlet or at a hub): leave it empty",
        "events.csv row 4, column real_name_verified: only accept events carry the security "
        "flags: leave it empty",
        "events.csv row 4, column inspected: only accept events carry the security flags: "
        "leave it empty",
    ]
