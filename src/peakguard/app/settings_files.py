"""Algorithm knobs from a settings file (``--settings FILE``) or an API body's ``settings``
object, for the operations that take them (docs/reference/settings-files.md).

Each operation asks for the sections it uses; a section the source leaves out keeps the
class's defaults, and options given on the command line or in the body win over the file.
Every output a knob shaped echoes it under ``settings``, in the form a settings file takes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from peakguard.parameters import FileParameters, settings_document, settings_from_document

SettingsSource = Path | Mapping[str, Any] | None
"""A settings file, an API body's ``settings`` object (sections as keys), or none."""

P = TypeVar("P", bound=FileParameters)


@dataclass(frozen=True)
class ChosenSettings:
    """The parameter objects an operation uses, and which sections the source gave."""

    objects: Mapping[type[FileParameters], FileParameters]
    given: frozenset[str]

    def get(self, cls: type[P], **overrides: Any) -> P:
        """The object of ``cls``, with the ``overrides`` that are not ``None`` applied."""
        found = self.objects[cls]
        if not isinstance(found, cls):  # pragma: no cover - the mapping is built by class
            raise TypeError(cls)
        changes = {key: value for key, value in overrides.items() if value is not None}
        if not changes:
            return found
        changed: P = dataclasses.replace(cast(Any, found), **changes)
        return changed

    def given_section(self, cls: type[P]) -> P | None:
        """The object of ``cls`` when the source has its section, else ``None``."""
        return self.get(cls) if cls.settings_section in self.given else None


def choose_settings(
    source: SettingsSource, classes: Iterable[type[FileParameters]]
) -> ChosenSettings:
    """The sections of ``classes`` from ``source``; every mistake of the source listed and
    located (file and section, or the body's ``settings`` object), nothing run on error."""
    classes = tuple(classes)
    if source is None:
        return ChosenSettings({cls: cls() for cls in classes}, frozenset())
    if isinstance(source, Path):
        document, name = settings_document(source)  # parsed once, size-checked first
        read = settings_from_document(document, classes, source=name)
        given = frozenset(document)
    else:
        read = settings_from_document(source, classes, source="settings")
        given = frozenset(source)
    return ChosenSettings({cls: read.get(cls) for cls in classes}, given)
