"""Settings files: every parameter class read from TOML, every mistake located, round trips."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakguard.analytics.settings import KpiSettings, ServiceStandard
from peakguard.cases.daily_reports import DailyReportSettings
from peakguard.cases.security_watch import SecurityWatchSettings
from peakguard.domain.network import NodeKind
from peakguard.domain.regions import PairClass
from peakguard.errors import InvalidInputError
from peakguard.forecast.orchestrator import ForecastParameters
from peakguard.optimize.releases import StaggerParameters
from peakguard.optimize.reroute_parameters import RerouteParameters
from peakguard.parameters import (
    SECTIONS,
    FileParameters,
    parameters_document,
    parameters_from_document,
    read_parameters,
    read_settings,
    settings_toml,
)
from peakguard.reserve.parameters import ReserveParameters
from peakguard.simulate.warning_rules import LevelThreshold, WarningThresholds

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "settings-files.md"
CLASSES: list[type[FileParameters]] = [
    StaggerParameters,
    RerouteParameters,
    ReserveParameters,
    ForecastParameters,
    KpiSettings,
    WarningThresholds,
    DailyReportSettings,
    SecurityWatchSettings,
]
BEIJING = timezone(timedelta(hours=8))

# Each class: TOML text changing some of its knobs, and the object that text must give.
WRITTEN: list[tuple[str, FileParameters]] = [
    (
        "[security]\nx_ray_threshold = 0.95\nwindow_days = 5\nslide_points = 3\n",
        SecurityWatchSettings(x_ray_threshold=0.95, window_days=5, slide_points=3.0),
    ),
    (
        "[daily_reports]\ndeadline_hour = 12\njump_factor = 2.5\n",
        DailyReportSettings(deadline_hour=12, jump_factor=2.5),
    ),
    (
        "[stagger]\nstorage_margin = 0.8\nstorage_hours_per_day = 12\ntime_limit_seconds = 30\n",
        StaggerParameters(storage_margin=0.8, storage_hours_per_day=12, time_limit_seconds=30.0),
    ),
    (
        "[reroute]\nmax_backups = 2\nother_carriers = true\ndetour_factor = 1.5\n",
        RerouteParameters(max_backups=2, other_carriers=True, detour_factor=1.5),
    ),
    (
        "[reserve]\nstaff_lead_days = 10\n\n[reserve.vehicle_load_parcels]\nstation = 250\n",
        ReserveParameters(
            staff_lead_days=10,
            vehicle_load_parcels={
                NodeKind.hub: 8000.0,
                NodeKind.outlet: 1500.0,
                NodeKind.station: 250.0,
                NodeKind.consolidation_point: 3000.0,
            },
        ),
    ),
    (
        '[forecast]\nmodels = ["seasonal_naive"]\nreconciliation = "ols"\n',
        ForecastParameters(models=("seasonal_naive",), reconciliation="ols"),
    ),
    (
        "[kpi]\ncutoff = 2026-11-20T00:00:00+08:00\ndelivery_limits_hours = [24]\n"
        '[[kpi.service_standards]]\npair_class = "same_city"\ntime_limit_hours = 12\n'
        '[[kpi.service_standards]]\npair_class = "same_province"\ntime_limit_hours = 48\n'
        '[[kpi.service_standards]]\npair_class = "other_province"\ntime_limit_hours = 72\n'
        'carrier = "SF"\n'
        '[[kpi.service_standards]]\npair_class = "other_province"\ntime_limit_hours = 96\n',
        KpiSettings(
            cutoff=datetime(2026, 11, 20, tzinfo=BEIJING),
            delivery_limits_hours=(24.0,),
            service_standards=(
                ServiceStandard(PairClass.same_city, 12.0),
                ServiceStandard(PairClass.same_province, 48.0),
                ServiceStandard(PairClass.other_province, 72.0, "SF"),
                ServiceStandard(PairClass.other_province, 96.0),
            ),
        ),
    ),
    (
        "[warnings]\nhold_hours = 6\n\n[warnings.orange]\nstorage_utilisation = 0.85\n",
        WarningThresholds(
            hold_hours=6,
            orange=LevelThreshold(storage_utilisation=0.85, overflow_within_hours=24),
        ),
    ),
]


def _problems(error: pytest.ExceptionInfo[InvalidInputError]) -> dict[str, str]:
    """Location → English message of each problem an error lists."""
    return {problem.location: problem.message.render("en") for problem in error.value.problems}


@pytest.mark.parametrize(("text", "expected"), WRITTEN, ids=[c.__name__ for c in CLASSES])
def test_each_class_reads_what_python_builds(
    tmp_path: Path, text: str, expected: FileParameters
) -> None:
    """Each of the six classes read from a TOML file equals the same object built in Python."""
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    assert type(expected).from_file(path) == expected


def test_one_file_holds_every_section(tmp_path: Path) -> None:
    """One file with every section gives each class its own section."""
    path = tmp_path / "settings.toml"
    path.write_text("\n".join(text for text, _ in WRITTEN), encoding="utf-8")
    settings = read_settings(path, CLASSES)
    for _, expected in WRITTEN:
        assert settings.get(type(expected)) == expected
    assert {cls.settings_section for cls in CLASSES} == set(SECTIONS)


@pytest.mark.parametrize("cls", CLASSES)
def test_absent_keys_and_sections_keep_defaults(cls: type[FileParameters]) -> None:
    """An empty file, or an empty section, gives the class's defaults."""
    assert read_parameters(cls, "") == cls()
    assert read_parameters(cls, f"[{cls.settings_section}]\n") == cls()


def test_sub_table_changes_only_the_keys_it_names() -> None:
    """[warnings.red] with one key keeps red's other key at its default."""
    read = read_parameters(WarningThresholds, "[warnings.red]\nstorage_utilisation = 1.2\n")
    assert read.red == LevelThreshold(storage_utilisation=1.2, overflow_within_hours=6)


def test_three_mistakes_are_listed_with_their_keys() -> None:
    """A file with an unknown key, a wrong type and an out-of-range value lists all three."""
    text = '[stagger]\nstorage_margn = 0.8\nstorage_hours_per_day = "eight"\nsorting_margin = 1.5\n'
    with pytest.raises(InvalidInputError) as error:
        read_parameters(StaggerParameters, text, source="settings.toml")
    problems = _problems(error)
    assert set(problems) == {
        "settings.toml: [stagger].storage_margn",
        "settings.toml: [stagger].storage_hours_per_day",
        "settings.toml: [stagger].sorting_margin",
    }
    assert "storage_margin" in problems["settings.toml: [stagger].storage_margn"]
    assert error.value.total == 3


def test_mistakes_of_several_sections_come_together() -> None:
    """read_settings lists the mistakes of every section it was asked for in one error."""
    text = "[stagger]\nstorage_margin = 2\n[reroute]\nmax_backups = 0\n"
    with pytest.raises(InvalidInputError) as error:
        read_settings(text, [StaggerParameters, RerouteParameters], source="s.toml")
    assert set(_problems(error)) == {
        "s.toml: [stagger].storage_margin",
        "s.toml: [reroute].max_backups",
    }


def test_unknown_key_is_refused() -> None:
    """A misspelt key is an error naming the known keys, never ignored."""
    with pytest.raises(InvalidInputError) as error:
        read_parameters(RerouteParameters, "[reroute]\nmax_backup = 3\n", source="s.toml")
    message = _problems(error)["s.toml: [reroute].max_backup"]
    assert "max_backups" in message


def test_unknown_key_in_a_nested_table_is_refused() -> None:
    """A misspelt key inside [[kpi.service_standards]] is located by its index."""
    text = '[[kpi.service_standards]]\npair_class = "same_city"\ntime_limt_hours = 24\n'
    with pytest.raises(InvalidInputError) as error:
        read_parameters(KpiSettings, text, source="s.toml")
    assert "s.toml: [kpi].service_standards[0].time_limt_hours" in _problems(error)


def test_unknown_section_is_refused() -> None:
    """A section no command knows is an error listing the sections, even when not asked for."""
    with pytest.raises(InvalidInputError) as error:
        read_parameters(StaggerParameters, "[stager]\nstorage_margin = 0.8\n", source="s.toml")
    assert "[stagger]" in _problems(error)["s.toml: stager"]


@pytest.mark.parametrize(
    ("text", "location", "words"),
    [
        ('[stagger]\nstorage_margin = "0.8"\n', "[stagger].storage_margin", "must be a number"),
        ("[stagger]\nstorage_hours_per_day = 8.0\n", "[stagger].storage_hours_per_day", "whole"),
        ("[reroute]\nmax_spare_share = true\n", "[reroute].max_spare_share", "must be a number"),
        ("[reroute]\nother_carriers = 1\n", "[reroute].other_carriers", "true or false"),
        ('[forecast]\nmodels = "seasonal_naive"\n', "[forecast].models", "must be a list"),
        (
            "[reserve]\nparcels_per_person_hour = 3\n",
            "[reserve].parcels_per_person_hour",
            "mapping",
        ),
        ("[kpi]\ncutoff = 2026-11-20\n", "[kpi].cutoff", "time zone"),
        ("[kpi]\ncutoff = 2026-11-20T00:00:00\n", "[kpi].cutoff", "time zone"),
        ("[stagger]\nstorage_margin = [0.8]\n", "[stagger].storage_margin", "must be a number"),
        ("stagger = 0.8\n", "stagger", "[stagger]"),
    ],
)
def test_wrong_type_is_refused(text: str, location: str, words: str) -> None:
    """A value of the wrong type (text for a number, a decimal for hours, no offset) is refused."""
    with pytest.raises(InvalidInputError) as error:
        read_settings(text, CLASSES, source="s.toml")
    problems = _problems(error)
    assert list(problems) == [f"s.toml: {location}"]
    assert words in problems[f"s.toml: {location}"]


@pytest.mark.parametrize(
    ("cls", "text", "location", "words"),
    [
        (StaggerParameters, "storage_margin = 1.2", "[stagger].storage_margin", "at most 1"),
        (RerouteParameters, "detour_factor = 0.9", "[reroute].detour_factor", "at least 1"),
        (ReserveParameters, "staff_lead_days = -1", "[reserve].staff_lead_days", "at least 0"),
        (ForecastParameters, 'models = ["prophet"]', "[forecast].models[0]", "prophet"),
        (KpiSettings, "stop_hours = 0", "[kpi].stop_hours", "greater than zero"),
        (WarningThresholds, "hold_hours = 300", "[warnings].hold_hours", "at most 240"),
    ],
)
def test_out_of_range_is_refused_by_the_class_rule(
    cls: type[FileParameters], text: str, location: str, words: str
) -> None:
    """A value the class's own rule refuses comes out located, in that rule's words."""
    with pytest.raises(InvalidInputError) as error:
        read_parameters(cls, f"[{cls.settings_section}]\n{text}\n", source="s.toml")
    problems = _problems(error)
    assert list(problems) == [f"s.toml: {location}"]
    assert words in problems[f"s.toml: {location}"]


def test_rule_over_a_whole_section_is_located_at_the_section() -> None:
    """Warning levels out of order are reported at [warnings], the validator's own message."""
    with pytest.raises(InvalidInputError) as error:
        read_parameters(WarningThresholds, "[warnings.blue]\nstorage_utilisation = 2.0\n")
    assert _problems(error) == {
        "settings: [warnings]": "storage_utilisation must not rise from red to blue"
    }


def test_syntax_error_is_located_by_line_and_column(tmp_path: Path) -> None:
    """A TOML syntax error names the file, its line and its column."""
    path = tmp_path / "settings.toml"
    path.write_text("[stagger]\nstorage_margin = 0.8\nsorting_margin = \n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as error:
        StaggerParameters.from_file(path)
    (location,) = _problems(error)
    assert re.fullmatch(r"settings\.toml:3:\d+", location)


def test_missing_file_is_a_located_error(tmp_path: Path) -> None:
    """A missing file or a folder is an InvalidInputError naming the path, not a traceback."""
    for path in (tmp_path / "absent.toml", tmp_path):
        with pytest.raises(InvalidInputError) as error:
            KpiSettings.from_file(path)
        assert list(_problems(error)) == [str(path)]


def _round_trip(parameters: FileParameters) -> FileParameters:
    text = settings_toml([parameters])
    return read_settings(text, [type(parameters)]).get(type(parameters))


@pytest.mark.parametrize("parameters", [item for _, item in WRITTEN] + [c() for c in CLASSES])
def test_round_trip(parameters: FileParameters) -> None:
    """Writing an object's table as TOML, or passing it as a document, reads back equal."""
    assert _round_trip(parameters) == parameters
    document = parameters_document(parameters)
    assert parameters_from_document(type(parameters), document) == parameters


@given(
    margins=st.tuples(*[st.floats(0.01, 1.0)] * 2),
    hours=st.integers(1, 24),
    fairness=st.tuples(*[st.floats(0, 1e6)] * 2),
    limit=st.floats(1e-3, 1e9),
)
def test_round_trip_of_any_stagger_parameters(
    margins: tuple[float, float], hours: int, fairness: tuple[float, float], limit: float
) -> None:
    """Any valid staggering parameters survive the trip through a settings file exactly."""
    parameters = StaggerParameters(*margins, hours, *fairness, limit)
    assert _round_trip(parameters) == parameters


@given(
    cutoff=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, BEIJING, timezone(timedelta(hours=-5))]),
    ),
    limits=st.lists(st.floats(0.5, 1000), min_size=1, max_size=4),
)
def test_round_trip_of_any_kpi_cutoff(cutoff: datetime, limits: list[float]) -> None:
    """A cutoff with any offset, and any delivery limits, survive the trip exactly."""
    parameters = KpiSettings(cutoff=cutoff, delivery_limits_hours=tuple(limits))
    read = _round_trip(parameters)
    assert read == parameters
    assert isinstance(read, KpiSettings) and read.cutoff is not None
    assert read.cutoff.utcoffset() == cutoff.utcoffset()


def test_document_is_json_ready() -> None:
    """The echoed table holds only JSON values: enum keys as text, the cutoff as ISO 8601."""
    reserve = parameters_document(ReserveParameters())
    assert reserve["parcels_per_person_hour"]["hub"] == 120.0
    kpi = parameters_document(KpiSettings(cutoff=datetime(2026, 11, 20, tzinfo=BEIJING)))
    assert kpi["cutoff"] == "2026-11-20T00:00:00+08:00"
    assert kpi["service_standards"][0] == {"pair_class": "same_city", "time_limit_hours": 24.0}


def test_api_body_is_located_by_its_section() -> None:
    """parameters_from_document locates a mistake as stagger.key (for a JSON request body)."""
    with pytest.raises(InvalidInputError) as error:
        parameters_from_document(StaggerParameters, {"storage_margin": 0, "sortin": 1})
    assert set(_problems(error)) == {"stagger.storage_margin", "stagger.sortin"}


def _doc_example() -> str:
    found = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found is not None
    return found.group(1)


def test_reference_example_reads() -> None:
    """The example file in settings-files.md is valid for all six classes and says what it shows."""
    settings = read_settings(_doc_example(), CLASSES)
    assert settings.get(StaggerParameters).storage_margin == 0.8
    assert settings.get(ReserveParameters).parcels_per_person_hour[NodeKind.hub] == 150
    assert settings.get(ReserveParameters).parcels_per_person_hour[NodeKind.outlet] == 40
    assert settings.get(KpiSettings).cutoff == datetime(2026, 11, 20, tzinfo=BEIJING)
    assert settings.get(WarningThresholds).orange.storage_utilisation == 0.85
    assert settings.get(WarningThresholds).orange.overflow_within_hours == 24


def _fields(cls: type[FileParameters]) -> list[tuple[str, Any]]:
    if dataclasses.is_dataclass(cls):
        return [(item.name, item) for item in dataclasses.fields(cls)]
    assert issubclass(cls, WarningThresholds)
    return list(WarningThresholds.model_fields.items())


@pytest.mark.parametrize("cls", CLASSES)
def test_reference_documents_every_key(cls: type[FileParameters]) -> None:
    """settings-files.md has a row for every key of every section (so it cannot fall behind)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## `[{cls.settings_section}]`", 1)[1].split("\n## ", 1)[0]
    missing = [name for name, _ in _fields(cls) if f"| `{name}` |" not in section]
    assert not missing
