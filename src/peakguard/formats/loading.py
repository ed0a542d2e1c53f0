"""Load or save a network in whichever exchange form a path names."""

from __future__ import annotations

from pathlib import Path

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.network_document import (
    format_path,
    parse_network,
    read_document,
    write_document,
)
from peakguard.formats.tables import (
    read_csv_folder,
    read_workbook,
    write_csv_folder,
    write_workbook,
)
from peakguard.i18n import _

DOCUMENT_SUFFIXES = {".yaml", ".yml", ".json"}


def load_network(path: Path, name: str | None = None) -> Network:
    """YAML/JSON document, Excel workbook, or a folder (or one file) of CSV tables."""
    suffix = path.suffix.lower()
    if path.is_dir():
        return read_csv_folder(path, name)
    if suffix == ".csv":
        return read_csv_folder(path.parent, name)
    if suffix == ".xlsx":
        return read_workbook(path, name)
    if suffix in DOCUMENT_SUFFIXES:
        network = parse_network(read_document(path), lambda p: _located(path, p))
        return network.model_copy(update={"name": name}) if name else network
    raise InvalidInputError(
        _("cannot read {path}", path=str(path)),
        [
            Problem(
                str(path),
                _(
                    "unknown file type {suffix}: use .yaml, .json, .xlsx or a folder of .csv files",
                    suffix=suffix or "(none)",
                ),
            )
        ],
    )


def _located(path: Path, parts: tuple[str | int, ...]) -> str:
    return f"{path.name}: {format_path(parts)}"


def save_network(network: Network, path: Path) -> list[Path]:
    """Write ``network`` in the form the path's suffix names (no suffix: a CSV folder)."""
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        write_document(network, path)
        return [path]
    if suffix == ".xlsx":
        write_workbook(network, path)
        return [path]
    if suffix == "":
        return write_csv_folder(network, path)
    raise InvalidInputError(
        _("cannot write {path}", path=str(path)),
        [
            Problem(
                str(path),
                _(
                    "unknown file type {suffix}: use .yaml, .json, .xlsx or a folder of .csv files",
                    suffix=suffix,
                ),
            )
        ],
    )
