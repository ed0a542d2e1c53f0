"""What an emergency activation's input must be: a kind some plan covers, facts the plans
compare (finite numbers), a six-digit region, a trigger reference, free text kept as typed."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from peakguard.cases.emergency_plans import Plans
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

TRIGGER = re.compile(r"^(warning|incident):[A-Za-z0-9_.-]{1,64}$")
"""What proposed an activation: ``warning:123`` or ``incident:SJ2026-000001``."""
NOTE_LIMIT = 2000


def checked_input(
    plans: Plans,
    kind: str,
    facts: Mapping[str, float],
    region: str,
    trigger: str | None,
    note: str | None,
) -> tuple[dict[str, float], str | None]:
    problems: list[Problem] = []
    if kind not in plans.kinds:
        problems.append(
            Problem(
                "kind", _("no plan covers it; the kinds are {kinds}", kinds=", ".join(plans.kinds))
            )
        )
    if not (len(region) == 6 and region.isdigit()):
        problems.append(
            Problem("region", _("must be a six-digit GB/T 2260 code (000000: the country)"))
        )
    clean: dict[str, float] = {}
    for name, value in facts.items():
        if name not in plans.facts:
            message = _(
                "is not a fact the plans compare; the facts are {facts}",
                facts=", ".join(plans.facts),
            )
            problems.append(Problem(f"facts.{name}", message))
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            problems.append(Problem(f"facts.{name}", _("must be a number")))
        else:
            clean[name] = float(value)
    if trigger is not None and not TRIGGER.match(trigger):
        problems.append(Problem("trigger", _("must read warning:<id> or incident:<reference>")))
    text = clean_note(note, "note", problems)
    if problems:
        raise InvalidInputError(_("The activation has {n} mistakes.", n=len(problems)), problems)
    return clean, text


def clean_note(note: str | None, where: str, problems: list[Problem]) -> str | None:
    if note is None:
        return None
    text = note.strip()
    if len(text) > NOTE_LIMIT:
        problems.append(
            Problem(
                where, _("is {n} characters long; at most {limit}", n=len(text), limit=NOTE_LIMIT)
            )
        )
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        problems.append(Problem(where, _("contains an invisible character")))
    return text or None
