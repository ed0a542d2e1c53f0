"""The scenario file (docs/reference/scenario-format.md): validated against its network, every
mistake reported with its location, and nothing run when there is one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.network_document import format_path, read_document
from peakguard.formats.validation_messages import message_for
from peakguard.i18n import _
from peakguard.simulate.scenario import Scenario


def parse_scenario(raw: object, network: Network, *, source: str = "") -> Scenario:
    """A :class:`Scenario` whose nodes, lanes and carriers exist in ``network``."""
    prefix = f"{source}: " if source else ""
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        raise InvalidInputError(
            _("the scenario file has mistakes; nothing was run"),
            [Problem(f"{prefix}(document)", _("must be a mapping of field names to values"))],
        )
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        problems = [
            Problem(prefix + format_path(tuple(detail["loc"])), message_for(detail))
            for detail in error.errors(include_url=False)
        ]
        raise InvalidInputError(
            _("the scenario file has mistakes; nothing was run"), problems
        ) from None
    nodes = {node.id for node in network.nodes}
    lanes = {lane.id for lane in network.lanes}
    carriers = {carrier.code for carrier in network.carriers}
    end = scenario.moment(scenario.hours)
    for section, key, known in (
        ("closures", "node", nodes),
        ("capacity_changes", "node", nodes),
        ("lane_changes", "lane", lanes),
    ):
        for index, entry in enumerate(getattr(scenario, section)):
            value = getattr(entry, key)
            if value not in known:
                message = (
                    _("unknown node {node}", node=value)
                    if key == "node"
                    else _("unknown lane {lane}", lane=value)
                )
                problems.append(Problem(f"{prefix}{section}[{index}].{key}", message))
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
    for index, rule in enumerate(scenario.volume_multipliers):
        if rule.carrier is not None and rule.carrier not in carriers:
            problems.append(
                Problem(
                    f"{prefix}volume_multipliers[{index}].carrier",
                    _("unknown carrier code {code}: declare it under carriers", code=rule.carrier),
                )
            )
    if problems:
        raise InvalidInputError(_("the scenario file has mistakes; nothing was run"), problems)
    return scenario


def load_scenario(path: Path, network: Network) -> Scenario:
    return parse_scenario(read_document(path), network, source=path.name)
