"""The scenario file (docs/reference/scenario-format.md): validated against its network, every
mistake reported with its location, and nothing run when there is one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.network_document import format_path, read_document
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import Message, _
from peakguard.simulate.scenario import Scenario

REFERENCES = (
    ("closures", "node"),
    ("capacity_changes", "node"),
    ("lane_changes", "lane"),
    ("volume_multipliers", "carrier"),
)


def parse_scenario(raw: object, network: Network, *, source: str = "") -> Scenario:
    """A :class:`Scenario` whose nodes, lanes and carriers exist in ``network``."""
    prefix = f"{source}: " if source else ""
    if not isinstance(raw, Mapping):
        raise InvalidInputError(
            _("the scenario file has mistakes; nothing was run"),
            [Problem(f"{prefix}(document)", _("must be a mapping of field names to values"))],
        )
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        problems = [
            Problem(prefix + format_path(tuple(detail["loc"])), message_for(detail))
            for detail in error.errors(include_url=False)
        ]
    # References are checked on the raw entries, so they are reported with the field errors.
    known = {
        "node": {node.id for node in network.nodes},
        "lane": {lane.id for lane in network.lanes},
        "carrier": {carrier.code for carrier in network.carriers},
    }
    for section, key in REFERENCES:
        entries = raw.get(section)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            value = entry.get(key) if isinstance(entry, Mapping) else None
            if isinstance(value, str) and value.strip() not in known[key]:
                problems.append(
                    Problem(f"{prefix}{section}[{index}].{key}", _unknown(key, value.strip()))
                )
    if scenario is not None:
        problems += _outside_period(scenario, prefix)
    if problems:
        raise InvalidInputError(_("the scenario file has mistakes; nothing was run"), problems)
    assert scenario is not None
    return scenario


def _unknown(key: str, value: str) -> Message:
    if key == "node":
        return _("unknown node {node}", node=value)
    if key == "lane":
        return _("unknown lane {lane}", lane=value)
    return _("unknown carrier code {code}: declare it under carriers", code=value)


def _outside_period(scenario: Scenario, prefix: str) -> list[Problem]:
    end = scenario.moment(scenario.hours)
    problems = []
    for section in ("closures", "capacity_changes", "lane_changes"):
        entries: list[Any] = getattr(scenario, section)
        for index, entry in enumerate(entries):
            if entry.end <= scenario.start or entry.start >= end:
                problems.append(
                    Problem(
                        f"{prefix}{section}[{index}].start",
                        _(
                            "the window {start} – {end} lies outside the simulated period "
                            "{first} – {last}",
                            start=str(entry.start),
                            end=str(entry.end),
                            first=str(scenario.start),
                            last=str(end),
                        ),
                    )
                )
    return problems


def load_scenario(
    path: Path, network: Network, *, limits: InputLimits = DEFAULT_LIMITS
) -> Scenario:
    """The scenario file at ``path`` (YAML or JSON, read through the guarded entry)."""
    return parse_scenario(read_document(path, limits=limits), network, source=path.name)
