"""The form that opens a supply order on ``/app/supply``: the sheet's fields typed in (kind,
controlled area, supplier platform, needed by, title, customer, the group buy's source) and the
order requirement sheet itself uploaded as a YAML/JSON file or a CSV of group leaders' tallies,
read by :mod:`peakguard.app.supply_order_sheets` as ``peakguard supply order open`` reads it.

A field typed in wins over the same field in the file. Every mistake comes back beside the
field it concerns; a mistake inside the file (``sheet.csv: row 4, quantity``) beside the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from starlette.datastructures import FormData, UploadFile

from peakguard.app.supply_order_sheets import read_sheet_bytes
from peakguard.app.supply_orders import SupplyOrderDraft
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.formats.limits import DEFAULT_LIMITS
from peakguard.i18n import _, render

OPEN_FIELDS = ("kind", "region", "supplier", "needed_by", "title", "customer", "source",
               "carrier", "note")  # fmt: skip
SHEET_FIELD = "sheet"
"""The file input's name; mistakes inside the file are listed beside it."""
FIELD_LIMIT = 4000


@dataclass
class OpenForm:
    """What the form sent, and its mistakes by field (``sheet``: a list, one per file row)."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    sheet_errors: list[str] = field(default_factory=list)

    def refuse(self, problems: list[Problem], language: str) -> None:
        """Place each problem beside its field: a form field's own, else the file's."""
        for problem in problems:
            location = problem.location
            head, _sep, rest = location.partition(": ")
            inner = rest or head
            name = inner.split("[")[0].split(".")[0]
            message = render(problem.message, language)
            if name in OPEN_FIELDS and (self.values.get(name) or not rest):
                self.errors.setdefault(name, message)
            else:
                self.sheet_errors.append(f"{location}: {message}")


def needed_by_text(value: str) -> str:
    """A ``datetime-local`` value (``2026-11-16T18:00``) as a moment in China time; any other
    text as typed (the sheet reader then says what it expects)."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_STANDARD_TIME)
    return moment.isoformat()


async def read_open_form(form: FormData, language: str) -> tuple[OpenForm, SupplyOrderDraft | None]:
    """The form's values and the draft they make, or None with the form's mistakes placed."""
    values = {
        name: str(value)[:FIELD_LIMIT].strip()
        for name in OPEN_FIELDS
        if isinstance(value := form.get(name, ""), str)
    }
    opened = OpenForm(values)
    upload = form.get(SHEET_FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        message = _("choose the order requirement sheet: a YAML file, or a CSV of tallies")
        opened.errors[SHEET_FIELD] = render(message, language)
        return opened, None
    data = await upload.read(DEFAULT_LIMITS.max_file_bytes + 1)
    name = upload.filename.replace("/", "_").replace("\\", "_")[-120:]
    given = dict(values) | {"needed_by": needed_by_text(values.get("needed_by", ""))}
    if name.lower().endswith(".csv"):
        given.pop("kind", None)  # a tallies CSV is a group buy
    try:
        draft = read_sheet_bytes(data, name, prefer_given=True, **given)
    except InvalidInputError as error:
        opened.refuse(list(error.problems), language)
        return opened, None
    return opened, draft


def form_values(values: Mapping[str, str]) -> dict[str, str]:
    """The values to show again in the form."""
    return {name: values.get(name, "") for name in OPEN_FIELDS}
