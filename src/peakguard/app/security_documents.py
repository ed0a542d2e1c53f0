"""The compliance figures and the watch list as the API answers them (JSON-ready) and as the
exports hold them (sheets of cells, headings in the reader's language): one shape for the API,
the command and the files, so each says the same."""

from __future__ import annotations

from typing import Any

from peakguard.analytics.security import CHECK_COUNTS
from peakguard.app.security import ComplianceReport, Figures, GroupBy, WatchReport
from peakguard.cases.security_watch import FLAG_LABELS, FLAGS, WatchEntry, WatchKind
from peakguard.formats.security_export import Cell, Sheet
from peakguard.i18n import Message, _, render

SHARE_DIGITS = 4
KIND_LABELS: dict[str, Message] = {
    WatchKind.below.value: _("below the threshold"),
    WatchKind.sliding.value: _("sliding"),
}


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, SHARE_DIGITS)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def figures_document(row: Figures) -> dict[str, Any]:
    document: dict[str, Any] = {
        "carrier": row.carrier,
        "outlet": row.outlet_id,
        "region": row.region,
        "day": None if row.day is None else row.day.isoformat(),
        "accepts": row.accepts,
    }
    for name in CHECK_COUNTS:
        document[name] = row.count(name)
        document[f"{name}_share"] = _share(row.share(name))
    return document


def compliance_document(report: ComplianceReport, *, language: str | None = None) -> dict[str, Any]:
    return {
        "day_from": None if report.day_from is None else report.day_from.isoformat(),
        "day_to": None if report.day_to is None else report.day_to.isoformat(),
        "carrier": report.carrier,
        "region": report.region,
        "by": report.by.value,
        "level": report.level,
        "total": figures_document(report.total),
        "rows": [figures_document(row) for row in report.rows],
        "notes": [render(note, language) for note in report.notes],
    }


def _samples(entry: WatchEntry) -> dict[str, list[str]]:
    return {flag: list(entry.samples.get(flag, ())) for flag in FLAGS}


def entry_document(entry: WatchEntry, *, language: str | None = None) -> dict[str, Any]:
    return {
        "carrier": entry.outlet.carrier,
        "outlet": entry.outlet.outlet_id,
        "region": entry.outlet.region,
        "reasons": [
            {
                "kind": reason.kind.value,
                "check": reason.flag,
                "share": _share(reason.share),
                "accepts": reason.accepts,
                "threshold": reason.threshold,
                "previous_share": _share(reason.previous_share),
                "text": render(reason.message(), language),
            }
            for reason in entry.reasons
        ],
        "window": {
            "first": entry.recent.first.isoformat(),
            "last": entry.recent.last.isoformat(),
            "accepts": entry.recent.accepts,
        },
        "previous_window": {
            "first": entry.previous.first.isoformat(),
            "last": entry.previous.last.isoformat(),
            "accepts": entry.previous.accepts,
        },
        "days": [
            {
                "day": item.day.isoformat(),
                "accepts": item.accepts,
                "real_name_verified": item.real_name_verified,
                "inspected": item.inspected,
                "x_rayed": item.x_rayed,
                "x_rayed_at_hub": item.x_rayed_at_hub,
            }
            for item in entry.days
        ],
        "samples": _samples(entry),
    }


def watchlist_document(report: WatchReport, *, language: str | None = None) -> dict[str, Any]:
    settings = report.settings
    return {
        "day": None if report.day is None else report.day.isoformat(),
        "carrier": report.carrier,
        "region": report.region,
        "judged": report.judged,
        "listed": len(report.entries),
        "settings": {
            "real_name_threshold": settings.real_name_threshold,
            "inspection_threshold": settings.inspection_threshold,
            "x_ray_threshold": settings.x_ray_threshold,
            "window_days": settings.window_days,
            "slide_points": settings.slide_points,
            "minimum_accepts": settings.minimum_accepts,
        },
        "outlets": [entry_document(entry, language=language) for entry in report.entries],
        "notes": [render(note, language) for note in report.notes],
    }


# -- the exports ---------------------------------------------------------------------------------

SHARE_HEADINGS: dict[str, Message] = {
    "real_name_verified": _("real name %"),
    "inspected": _("inspected %"),
    "x_rayed": _("X-rayed %"),
    "x_rayed_at_acceptance": _("X-rayed at the outlet %"),
    "x_rayed_at_hub": _("X-rayed at a hub %"),
    "all_three": _("all three %"),
}
GROUP_HEADINGS: dict[GroupBy, list[tuple[str, Message]]] = {
    GroupBy.outlet: [("carrier", _("carrier")), ("outlet", _("outlet")), ("region", _("region"))],
    GroupBy.carrier: [("carrier", _("carrier"))],
    GroupBy.region: [("region", _("region"))],
    GroupBy.day: [("day", _("day"))],
}


def compliance_headings(by: GroupBy) -> list[Message]:
    """The headings of :func:`compliance_sheet`'s columns."""
    headings = [label for _key, label in GROUP_HEADINGS[by]]
    headings.append(_("accepts"))
    return headings + [SHARE_HEADINGS[name] for name in CHECK_COUNTS]


def compliance_sheet(report: ComplianceReport, language: str | None = None) -> Sheet:
    """One row per group: its keys, the accepts and each share as a percentage."""
    keys = GROUP_HEADINGS[report.by]
    headings = [render(label, language) for label in compliance_headings(report.by)]
    rows: list[list[Cell]] = []
    for row in report.rows:
        document = figures_document(row)
        cells: list[Cell] = [document[key] for key, _label in keys]
        cells.append(row.accepts)
        cells += [_percent(row.share(name)) for name in CHECK_COUNTS]
        rows.append(cells)
    return Sheet("compliance", headings, rows)


def _daily(entry: WatchEntry, flag: str) -> str:
    return "; ".join(
        f"{item.day.isoformat()} {item.checked(flag)}/{item.accepts}" for item in entry.days
    )


def watchlist_sheets(report: WatchReport, language: str | None = None) -> list[Sheet]:
    """The list (one row per outlet and reason, with its daily figures and sample waybills)
    and the evidence (one row per outlet and day)."""
    headings = [
        render(text, language)
        for text in (
            _("carrier"),
            _("outlet"),
            _("region"),
            _("check"),
            _("reason"),
            _("share %"),
            _("accepts"),
            _("threshold %"),
            _("share before %"),
            _("window"),
            _("daily figures (checked/accepts)"),
            _("sample waybills"),
            _("explanation"),
        )
    ]
    rows: list[list[Cell]] = []
    evidence: list[list[Cell]] = []
    for entry in report.entries:
        outlet = entry.outlet
        for reason in entry.reasons:
            rows.append(
                [
                    outlet.carrier,
                    outlet.outlet_id,
                    outlet.region,
                    render(FLAG_LABELS[reason.flag], language),
                    render(KIND_LABELS[reason.kind.value], language),
                    _percent(reason.share),
                    reason.accepts,
                    _percent(reason.threshold),
                    _percent(reason.previous_share),
                    f"{entry.recent.first.isoformat()}–{entry.recent.last.isoformat()}",
                    _daily(entry, reason.flag),
                    " ".join(entry.samples.get(reason.flag, ())),
                    render(reason.message(), language),
                ]
            )
        for item in entry.days:
            evidence.append(
                [
                    outlet.carrier,
                    outlet.outlet_id,
                    item.day,
                    item.accepts,
                    item.real_name_verified,
                    item.inspected,
                    item.x_rayed,
                    item.x_rayed_at_hub,
                ]
            )
    evidence_headings = [
        render(text, language)
        for text in (
            _("carrier"),
            _("outlet"),
            _("day"),
            _("accepts"),
            _("real name"),
            _("inspected"),
            _("X-rayed"),
            _("of which at a hub"),
        )
    ]
    return [Sheet("watch list", headings, rows), Sheet("evidence", evidence_headings, evidence)]
