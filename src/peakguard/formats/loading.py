"""Load or save a network in whichever exchange form a path names."""

from __future__ import annotations

from pathlib import Path

from peakguard.domain.network import Network
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS, InputLimits
from peakguard.formats.network_document import (
    format_path,
    network_name,
    parse_network,
    read_document,
    renamed,
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


def load_network(
    path: Path, name: str | None = None, *, limits: InputLimits = DEFAULT_LIMITS
) -> Network:
    """YAML/JSON document, Excel workbook, or a folder (or one file) of CSV tables.

    ``name`` (``--name``) replaces the file's own name, and is checked as strictly."""
    if name is not None:
        name = network_name(name, "--name")
    suffix = path.suffix.lower()
    if path.is_dir():
        return read_csv_folder(path, name, limits=limits)
    if suffix == ".csv":
        return read_csv_folder(path.parent, name, limits=limits)
    if suffix == ".xlsx":
        return read_workbook(path, name, limits=limits)
    if suffix in DOCUMENT_SUFFIXES:
        document = read_document(path, limits=limits)
        network = parse_network(document, lambda p: _located(path, p))
        return renamed(network, name, "--name")
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
