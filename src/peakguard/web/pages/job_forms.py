"""What the job forms share: a scenario described by a small builder (first day, days, a peak
multiplier, one hub closed for a day) or uploaded as a file, and beside which field a mistake
located in the scenario is shown. The simulation's form (:mod:`.jobs`) and the plans' form
(:mod:`.plans`) use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi import Request, UploadFile

from peakguard.app.jobs import scenario_upload
from peakguard.app.networks import list_networks
from peakguard.app.plan_job import UploadedFile
from peakguard.config import Settings
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.identity.model import Principal

JOBS = "/app/jobs"


def network_names(request: Request, caller: Principal) -> list[str]:
    """The stored networks ``caller`` may see, by name (what a job form offers)."""
    return [n.name for n in list_networks(request.app.state.store, actor=caller)]


def job_path(job_id: str) -> str:
    return f"{JOBS}/{job_id}"


@dataclass
class SimulationForm:
    """The form as the user filled it, and what is wrong with it (field → messages)."""

    network: str = ""
    source: str = "builder"
    name: str = "peak"
    first_day: str = ""
    days: str = "3"
    multiplier: str = "1.5"
    closure_node: str = ""
    closure_day: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def refuse(self, where: str, message: str) -> None:
        self.errors.setdefault(where, []).append(message)

    def builder_document(self) -> dict[str, Any]:
        """The scenario the builder's fields describe; a value that is not a number or a day
        is left as written, for the scenario's reader to locate."""
        document: dict[str, Any] = {
            "name": self.name.strip() or "peak",
            "first_day": self.first_day.strip(),
            "days": _number(self.days, int),
        }
        multiplier = _number(self.multiplier, float)
        if multiplier != 1.0:
            last = _day_after(self.first_day, _number(self.days, int), -1)
            document["volume_multipliers"] = [
                {"first_day": self.first_day.strip(), "last_day": last, "multiplier": multiplier}
            ]
        if self.closure_node.strip():
            day = self.closure_day.strip() or self.first_day.strip()
            document["closures"] = [
                {
                    "node": self.closure_node.strip(),
                    "start": day,
                    "end": _day_after(day, 1, 0),
                    "reason": "closed for a day (page builder)",
                }
            ]
        return document


def _number(text: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text.strip())
    except ValueError:
        return text


def _day_after(text: str, days: Any, offset: int) -> str:
    """The day ``days + offset`` after ``text`` (as written when either is not usable: the
    reader then locates the first day or the days)."""
    try:
        return (date.fromisoformat(text.strip()) + timedelta(days=int(days) + offset)).isoformat()
    except (TypeError, ValueError, OverflowError):
        return text.strip()


BUILDER_FIELDS = {
    "first_day": "first_day",
    "days": "days",
    "name": "name",
    "volume_multipliers": "multiplier",
    "closures[0].node": "closure_node",
    "closures": "closure_day",
}
"""The builder's field for a mistake located in the scenario (the longest match wins)."""


def field_of(location: str, source: str) -> str:
    """Beside which field a mistake located at ``location`` is shown."""
    if location == "network":
        return "network"
    if location == "scenario.days":  # over the caps on a run's size
        return "days" if source == "builder" else "file"
    if source != "builder":
        return "file"
    within = location.split(":", 1)[-1].strip()
    for prefix in sorted(BUILDER_FIELDS, key=len, reverse=True):
        if within.startswith(prefix):
            return BUILDER_FIELDS[prefix]
    return "scenario"


async def read_upload(request: Request, upload: UploadFile | None) -> UploadedFile | None:
    """The file a form sent in ``upload`` (at most one byte past the deployment's limit on a
    file's size, so the app's reader refuses it), or None when none was chosen."""
    if upload is None or not upload.filename:
        return None
    settings: Settings = request.app.state.settings
    data = await upload.read(settings.input_limits().max_file_bytes + 1)
    return UploadedFile(upload.filename, data)


async def scenario_document(
    request: Request, form: SimulationForm, upload: UploadFile | None
) -> object:
    """The scenario the form gives: the builder's, or the uploaded file's document."""
    if form.source == "builder":
        return form.builder_document()
    sent = await read_upload(request, upload)
    if sent is None:
        message = _("Choose a scenario file (.yaml, .yml or .json).")
        raise InvalidInputError(message, [Problem("file", message)])
    settings: Settings = request.app.state.settings
    return scenario_upload(sent.data, sent.base_name, limits=settings.input_limits())
