"""The security overview's compliance and watch-list tables, as shown and as exported."""

from __future__ import annotations

from peakguard.analytics.security import CHECK_COUNTS
from peakguard.app.security import ComplianceReport, GroupBy, WatchReport
from peakguard.app.security_documents import KIND_LABELS, SHARE_HEADINGS
from peakguard.cases.security_watch import FLAG_LABELS
from peakguard.i18n import _, render
from peakguard.web.pages.tables import Column, TableView, Value

KEY_COLUMNS = {
    GroupBy.outlet: (("outlet", _("Outlet")), ("carrier", _("Carrier")), ("region", _("Region"))),
    GroupBy.carrier: (("carrier", _("Carrier")),),
    GroupBy.region: (("region", _("Region")),),
    GroupBy.day: (("day", _("Day")),),
}


def compliance_table(report: ComplianceReport | None, language: str) -> TableView:
    """One row per outlet, carrier, region or day: accepts and each share, worst first."""
    by = GroupBy.outlet if report is None else report.by
    rows: list[dict[str, Value]] = []
    for row in [] if report is None else report.rows:
        line: dict[str, Value] = {
            "outlet": row.outlet_id,
            "carrier": row.carrier,
            "region": row.region,
            "day": row.day,
            "accepts": row.accepts,
        }
        for name in CHECK_COUNTS:
            line[name] = row.share(name)
        rows.append(line)
    note = ""
    if report is not None and report.day_from is not None and report.day_to is not None:
        total = report.total
        note = render(
            _(
                "{first} to {last}: {accepts} accepts; real name {real_name} %, inspected "
                "{inspected} %, X-rayed {x_rayed} % ({at_hub} % at a hub). The rule is 100 %.",
                first=report.day_from.isoformat(),
                last=report.day_to.isoformat(),
                accepts=f"{total.accepts:,}",
                real_name=_shown(total.share("real_name_verified")),
                inspected=_shown(total.share("inspected")),
                x_rayed=_shown(total.share("x_rayed")),
                at_hub=_shown(total.share("x_rayed_at_hub")),
            ),
            language,
        )
    columns = [Column(key, render(label, language)) for key, label in KEY_COLUMNS[by]]
    columns.append(Column("accepts", render(_("Accepts"), language), digits=0))
    columns += [
        Column(name, render(SHARE_HEADINGS[name], language), percent=True, digits=1)
        for name in CHECK_COUNTS
    ]
    return TableView(
        key="compliance",
        title=render(_("The three 100 % (三个100%)"), language),
        columns=columns,
        rows=rows,
        empty=render(_("No accepts within your reach in these days."), language),
        note=note,
        filename="compliance",
    )


def _shown(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}"


def watch_table(report: WatchReport | None, language: str) -> TableView:
    """One row per listed outlet and reason, with its daily figures and sample waybills."""
    rows: list[dict[str, Value]] = []
    for entry in [] if report is None else report.entries:
        for reason in entry.reasons:
            daily = "; ".join(
                f"{item.day:%m-%d} {item.checked(reason.flag)}/{item.accepts}"
                for item in entry.days
            )
            rows.append(
                {
                    "outlet": entry.outlet.outlet_id,
                    "carrier": entry.outlet.carrier,
                    "region": entry.outlet.region,
                    "check": render(FLAG_LABELS[reason.flag], language),
                    "kind": render(KIND_LABELS[reason.kind.value], language),
                    "share": reason.share,
                    "accepts": reason.accepts,
                    "reason": render(reason.message(), language),
                    "daily": daily,
                    "samples": " ".join(entry.samples.get(reason.flag, ())),
                }
            )
    note = ""
    if report is not None and report.day is not None:
        settings = report.settings
        note = render(
            _(
                "{listed} of {judged} outlets listed over the {days} days to {day}: below "
                "the threshold on a check (real name {real_name} %, inspection {inspection} %, "
                "X-ray {x_ray} %), or down more than {points} points from the {days} days "
                "before; outlets under {minimum} accepts are not judged (local policy).",
                listed=len(report.entries),
                judged=report.judged,
                days=settings.window_days,
                day=report.day.isoformat(),
                real_name=f"{settings.real_name_threshold * 100:g}",
                inspection=f"{settings.inspection_threshold * 100:g}",
                x_ray=f"{settings.x_ray_threshold * 100:g}",
                points=f"{settings.slide_points:g}",
                minimum=settings.minimum_accepts,
            ),
            language,
        )
    return TableView(
        key="watchlist",
        title=render(_("Watch list for inspection"), language),
        columns=(
            Column("outlet", render(_("Outlet"), language)),
            Column("carrier", render(_("Carrier"), language)),
            Column("region", render(_("Region"), language)),
            Column("check", render(_("Check"), language)),
            Column("kind", render(_("Listed as"), language)),
            Column("share", render(_("Share"), language), percent=True, digits=1),
            Column("accepts", render(_("Accepts"), language), digits=0),
            Column("reason", render(_("Reason"), language)),
            Column("daily", render(_("Daily figures (checked/accepts)"), language)),
            Column("samples", render(_("Sample waybills lacking the check"), language)),
        ),
        rows=rows,
        empty=render(_("No outlet within your reach is listed."), language),
        note=note,
        filename="watchlist",
    )
