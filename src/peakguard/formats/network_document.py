"""The network document: one YAML or JSON file (docs/reference/network-format.md).

:func:`parse_network` validates a parsed document record by record, so that every mistake in
the file is reported at once with its location, and returns a :class:`Network` only when there
is none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path as FilePath
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from peakguard.domain.network import (
    Carrier,
    Description,
    Identifier,
    Lane,
    Name,
    Network,
    Node,
    RegionRecord,
    RoutingOverride,
    ServiceStandard,
)
from peakguard.domain.network_checks import (
    Indexed,
    check_network,
    duplicate_keys,
    region_directory,
)
from peakguard.domain.text import normalise
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.structured import load_document
from peakguard.formats.validation_messages import Path, message_for
from peakguard.i18n import Message, _

Locator = Callable[[Path], str]
RecordT = TypeVar("RecordT", bound=BaseModel)

SECTIONS: dict[str, type[BaseModel]] = {
    "carriers": Carrier,
    "regions": RegionRecord,
    "nodes": Node,
    "lanes": Lane,
    "service_standards": ServiceStandard,
    "routing_overrides": RoutingOverride,
}
TOP_LEVEL_FIELDS = {"name", "title", "description", *SECTIONS}
_NETWORK_NAME: TypeAdapter[str] = TypeAdapter(Identifier)
_HEADER: dict[str, TypeAdapter[Any]] = {
    "name": _NETWORK_NAME,
    "title": TypeAdapter(Name | None),
    "description": TypeAdapter(Description),
}


def format_path(path: Path) -> str:
    """``("lanes", 12, "transit_hours")`` → ``lanes[12].transit_hours``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(document)"


def parse_network(raw: object, locate: Locator = format_path) -> Network:
    """Validate a parsed document; raise :class:`InvalidInputError` listing every problem."""
    problems: list[Problem] = []

    def report(path: Path, message: Message) -> None:
        problems.append(Problem(locate(path), message))

    if not isinstance(raw, Mapping):
        report((), _("the document must be a mapping with name, carriers, nodes and lanes"))
        raise InvalidInputError(_("the network file has mistakes; nothing was stored"), problems)

    for key in raw:
        if key not in TOP_LEVEL_FIELDS:
            report((str(key),), message_for_extra())
    header = _header(raw, report)

    declared_regions = _records(raw, "regions", RegionRecord, report)
    directory = region_directory([item.record for item in declared_regions])
    prepared_nodes = [_prepare_node(entry, directory) for entry in _entries(raw, "nodes", report)]
    carriers = _records(raw, "carriers", Carrier, report)
    nodes = _validate_entries(prepared_nodes, "nodes", Node, report)
    lanes = _records(raw, "lanes", Lane, report)
    standards = (
        _records(raw, "service_standards", ServiceStandard, report)
        if "service_standards" in raw
        else None
    )
    overrides = _records(raw, "routing_overrides", RoutingOverride, report)

    failed_node_ids = _given_keys(prepared_nodes, "id")
    failed_carriers = _given_keys(_entries(raw, "carriers", lambda *_: None), "code")
    if "nodes" in raw and not prepared_nodes:
        report(("nodes",), _("must have at least {limit} entries", limit=1))
    for section, key in (
        ("carriers", "code"),
        ("regions", "code"),
        ("nodes", "id"),
        ("lanes", "id"),
    ):
        keys = [
            (index, normalise(str(entry[key])))
            for index, entry in enumerate(
                prepared_nodes if section == "nodes" else _entries(raw, section, lambda *_: None)
            )
            if isinstance(entry, Mapping) and entry.get(key) is not None
        ]
        for path, message in duplicate_keys(section, keys, key):
            report(path, message)
    for path, message in check_network(
        carriers,
        declared_regions,
        nodes,
        lanes,
        standards,
        overrides,
        known_node_ids=failed_node_ids,
        known_carrier_codes=failed_carriers,
    ):
        report(path, message)

    if problems:
        raise InvalidInputError(_("the network file has mistakes; nothing was stored"), problems)
    return Network(
        **header,
        carriers=[item.record for item in carriers],
        regions=[item.record for item in declared_regions],
        nodes=[item.record for item in nodes],
        lanes=[item.record for item in lanes],
        **({"service_standards": [item.record for item in standards]} if standards else {}),
        routing_overrides=[item.record for item in overrides],
    )


def _given_keys(entries: Sequence[Any], key: str) -> frozenset[str]:
    """The (normalised) keys the entries give, whether or not the entry is valid."""
    return frozenset(
        normalise(str(entry[key]))
        for entry in entries
        if isinstance(entry, Mapping) and key in entry
    )


def _header(raw: Mapping[str, Any], report: Callable[[Path, Message], None]) -> dict[str, Any]:
    """The document's name, title and description, each validated as the model validates it."""
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        report(("name",), _("is required: a short identifier such as sichuan-2026"))
    header: dict[str, Any] = {}
    for key, adapter in _HEADER.items():
        if key not in raw or (key == "name" and not isinstance(raw[key], str)):
            continue
        try:
            header[key] = adapter.validate_python(raw[key])
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                report((key, *detail["loc"]), message_for(detail))
    return header


def network_name(value: str, location: str = "name") -> str:
    """``value`` checked as a network's name (an identifier: no spaces, no ``/``, no hidden
    characters), normalised; a name given apart from the document (``--name``, a request's
    path) must pass the same check as the document's own ``name``."""
    try:
        return _NETWORK_NAME.validate_python(value)
    except ValidationError as error:
        raise InvalidInputError(
            _("the network name {name!r} cannot be used", name=value),
            [Problem(location, message_for(detail)) for detail in error.errors(include_url=False)],
        ) from None


def renamed(network: Network, name: str | None, location: str = "name") -> Network:
    """``network`` under ``name`` (checked by :func:`network_name`); itself when None."""
    if name is None:
        return network
    return network.model_copy(update={"name": network_name(name, location)})


def message_for_extra() -> Message:
    return _("is not a known field: check its spelling against the format reference")


def _entries(
    raw: Mapping[str, Any], section: str, report: Callable[[Path, Message], None]
) -> list[Any]:
    value = raw.get(section)
    if value is None:
        if section in {"carriers", "nodes"}:
            report((section,), _("is required"))
        return []
    if not isinstance(value, list):
        report((section,), _("must be a list"))
        return []
    return value


def _records(
    raw: Mapping[str, Any],
    section: str,
    model: type[RecordT],
    report: Callable[[Path, Message], None],
) -> list[Indexed[RecordT]]:
    return _validate_entries(_entries(raw, section, report), section, model, report)


def _validate_entries(
    entries: Sequence[Any],
    section: str,
    model: type[RecordT],
    report: Callable[[Path, Message], None],
) -> list[Indexed[RecordT]]:
    valid: list[Indexed[RecordT]] = []
    for index, entry in enumerate(entries):
        try:
            valid.append(Indexed(index, model.model_validate(entry)))
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                report((section, index, *detail["loc"]), message_for(detail))
    return valid


def _prepare_node(entry: object, directory: Mapping[str, Any]) -> object:
    """Expand the shorthands: one all-day shift; coordinates from the region's centre."""
    if not isinstance(entry, Mapping):
        return entry
    prepared = dict(entry)
    if "shifts" not in prepared and "sorting_capacity_per_hour" in prepared:
        prepared["shifts"] = [
            {
                "name": "all day",
                "start_hour": 0,
                "end_hour": 24,
                "sorting_capacity_per_hour": prepared.pop("sorting_capacity_per_hour"),
            }
        ]
    region = directory.get(normalise(str(prepared.get("region", ""))))
    located = region is not None and region.longitude is not None and region.latitude is not None
    unplaced = prepared.get("longitude") in (None, "") and prepared.get("latitude") in (None, "")
    if unplaced and region is None:
        # The unknown region is reported on its own; missing coordinates would only repeat it.
        prepared["longitude"] = prepared["latitude"] = 0.0
    if located and unplaced and region is not None:
        prepared["longitude"] = region.longitude
        prepared["latitude"] = region.latitude
    return prepared


def read_document(path: FilePath, *, limits: InputLimits = DEFAULT_LIMITS) -> object:
    """Parse a YAML or JSON file through the guarded entry (:mod:`.structured`): its size,
    depth, aliases, numbers and texts bounded; every mistake located by line or path."""
    return load_document(path, limits=limits)


def network_to_document(network: Network) -> dict[str, Any]:
    """The document form of a network, ready for YAML or JSON."""
    return network.model_dump(mode="json", exclude_none=True)


def write_document(network: Network, path: FilePath) -> None:
    document = network_to_document(network)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    else:
        path.write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100), "utf-8"
        )
