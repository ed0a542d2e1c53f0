"""The service-quality bulletin as one self-contained HTML page (inline CSS, no scripts).

The page shows the headline figures per carrier with their change against the previous period
(环比), the rankings of carriers and regions, the worst nodes and the worst origin–destination
pairs of a :class:`~peakguard.bulletin.Bulletin`. Each figure's cell carries its unrounded value
in ``data-value`` so the Excel and JSON files can be checked against what the page shows.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import peakguard
from peakguard.bulletin import (
    ALL_CARRIERS,
    Better,
    Bulletin,
    Metric,
    Ranking,
    Subject,
    Unit,
    metric,
)
from peakguard.bulletin.periods import PeriodKind
from peakguard.domain.carriers import known_carrier
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.i18n import Message, _
from peakguard.web.language_formats import LanguageFormats
from peakguard.web.page_kit import html_lang, page_language, template_environment

KIND_TITLES: dict[PeriodKind, Message] = {
    PeriodKind.daily: _("Daily service-quality bulletin"),
    PeriodKind.weekly: _("Weekly service-quality bulletin"),
    PeriodKind.monthly: _("Monthly service-quality bulletin"),
}
SUBJECT_TITLES: dict[Subject, Message] = {
    Subject.carrier: _("Carriers"),
    Subject.origin_province: _("Origin provinces"),
    Subject.origin_city: _("Origin cities"),
}
BETTER_NOTES: dict[Better, Message] = {
    Better.higher: _("higher is better"),
    Better.lower: _("lower is better"),
}


@dataclass(frozen=True)
class Cell:
    """A figure as shown: the text, its change, and the raw numbers for checking."""

    text: str
    change: str
    tone: str
    """``better``, ``worse`` or empty (no change, or a figure with no better direction)."""
    value: str
    """The unrounded value (``repr``), empty when there is none."""
    change_value: str


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    better: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class RankingView:
    key: str
    title: str
    better: str
    value_label: str
    rows: tuple[tuple[str, str, str, Cell, str], ...]
    """rank, name, code, the figure, previous rank."""


class BulletinFormats(LanguageFormats):
    """The bulletin's numbers: rates in %, changes in percentage points, hours, per million."""

    def figure(self, unit: Unit, value: float | None) -> str:
        if value is None:
            return "–"
        if unit is Unit.share:
            return self.percent(value, decimals=1)
        if unit is Unit.count:
            return self.number(value)
        if unit is Unit.hours:
            return self.decimal(value, 1)
        return self.decimal(value, 2)

    def change(self, unit: Unit, value: float | None) -> str:
        if value is None:
            return "–"
        sign = "+" if value > 0 else ("±" if value == 0 else "−")
        size = abs(value)
        if unit is Unit.share:
            return self.text(_("{value} pp", value=sign + self.decimal(size, 1)))
        if unit is Unit.count:
            return sign + self.percent(size, decimals=1)
        if unit is Unit.hours:
            return self.text(_("{value} h", value=sign + self.decimal(size, 1)))
        return sign + self.decimal(size, 2)

    def cell(
        self, item: Metric, value: float | None, change: float | None, better: Better | None
    ) -> Cell:
        tone = ""
        if change and better is not None:
            improved = change > 0 if better is Better.higher else change < 0
            tone = "better" if improved else "worse"
        return Cell(
            text=self.figure(item.unit, value),
            change=self.change(item.unit, change),
            tone=tone,
            value="" if value is None else repr(float(value)),
            change_value="" if change is None else repr(float(change)),
        )

    def carrier(self, code: str) -> str:
        if code == ALL_CARRIERS:
            return self.text(_("All carriers"))
        known = known_carrier(code)
        if known is None:
            return code
        return known.name_en if self.language == "en" and known.name_en else known.name


def render_bulletin_report(bulletin: Bulletin, *, language: str = "zh_CN") -> str:
    language = page_language(language)
    formats = BulletinFormats(language)
    carriers = [headline.carrier for headline in bulletin.headlines]
    kind_title = formats.text(KIND_TITLES[bulletin.period.kind])
    environment = template_environment(language)
    template = environment.get_template("bulletin_report.html")
    return template.render(
        html_lang=html_lang(language),
        title=f"{kind_title} · {bulletin.period.label}",
        version=peakguard.__version__,
        period_line=_period_line(bulletin, formats),
        cutoff_line=_cutoff_line(bulletin, formats),
        carriers=[formats.carrier(code) for code in carriers],
        carrier_codes=carriers,
        metric_rows=_metric_rows(bulletin, formats),
        rankings=tuple(_ranking_view(ranking, formats) for ranking in bulletin.rankings),
        **_node_tables(bulletin, formats),
        min_pair_parcels=formats.number(bulletin.options.min_pair_parcels),
        notes=[(formats.text(item.label), formats.text(item.note)) for item in bulletin.metrics],
        policy=_policy(bulletin, formats),
    )


def _metric_rows(bulletin: Bulletin, formats: BulletinFormats) -> tuple[MetricRow, ...]:
    """The headline table: one row per metric, one cell per carrier."""
    return tuple(
        MetricRow(
            key=item.key,
            label=formats.text(item.label),
            better=formats.text(BETTER_NOTES[item.better]) if item.better else "",
            cells=tuple(
                formats.cell(
                    item,
                    headline.figure(item.key).current,
                    headline.figure(item.key).change,
                    item.better,
                )
                for headline in bulletin.headlines
            ),
        )
        for item in bulletin.metrics
    )


def _period_line(bulletin: Bulletin, formats: BulletinFormats) -> str:
    period, previous = bulletin.period, bulletin.previous
    return formats.text(
        _(
            "Period {label}: {first} to {last} (China time); compared with {previous} "
            "({previous_first} to {previous_last}).",
            label=period.label,
            first=period.first_day.isoformat(),
            last=period.last_day.isoformat(),
            previous=previous.label,
            previous_first=previous.first_day.isoformat(),
            previous_last=previous.last_day.isoformat(),
        )
    )


def _cutoff_line(bulletin: Bulletin, formats: BulletinFormats) -> str:
    cutoff = bulletin.cutoff.astimezone(CHINA_STANDARD_TIME)
    previous = (bulletin.previous_cutoff or bulletin.cutoff).astimezone(CHINA_STANDARD_TIME)
    measured = _(
        "Measured at {cutoff} (China time): a parcel counts in the period of its "
        "acceptance day, and a rate counts only the parcels whose 72 (48) hours or "
        "service-standard limit had run out by then.",
        cutoff=cutoff.strftime("%Y-%m-%d %H:%M"),
    )
    if bulletin.final:
        status = _(
            "As of {as_of}, {hours} hours after the period ended: these figures are final. "
            "The previous period as of {previous}. Events after these moments are not read.",
            as_of=cutoff.strftime("%Y-%m-%d %H:%M"),
            hours=f"{bulletin.settings.maturity_hours:g}",
            previous=previous.strftime("%Y-%m-%d %H:%M"),
        )
    else:
        status = _(
            "As of {as_of}, less than {hours} hours after the period ended: these figures "
            "are provisional and may still change. The previous period as of {previous}.",
            as_of=cutoff.strftime("%Y-%m-%d %H:%M"),
            hours=f"{bulletin.settings.maturity_hours:g}",
            previous=previous.strftime("%Y-%m-%d %H:%M"),
        )
    return f"{formats.text(measured)} {formats.text(status)}"


def _node_tables(bulletin: Bulletin, formats: BulletinFormats) -> dict[str, list[tuple[str, ...]]]:
    """The worst nodes (busiest, slowest, most unmatched handovers) and O-D pairs, as rows."""
    return {
        "busiest": [
            (
                row.node_id,
                formats.carrier(row.carrier) if row.carrier else "",
                formats.number(row.peak_backlog),
                row.peak_hour.astimezone(CHINA_STANDARD_TIME).strftime("%m-%d %H:00"),
                formats.number(row.arrived),
            )
            for row in bulletin.busiest_nodes
        ],
        "slowest": [
            (
                row.node_id,
                formats.carrier(row.carrier) if row.carrier else "",
                formats.decimal(row.mean_dwell_hours, 1),
                formats.number(row.parcels),
            )
            for row in bulletin.slowest_nodes
        ],
        "unmatched": [
            (
                row.node_id,
                formats.carrier(row.carrier),
                formats.number(row.unmatched),
                formats.number(row.late),
                formats.number(row.missing),
                formats.number(row.handovers),
                formats.percent(row.unmatched_rate, decimals=1),
            )
            for row in bulletin.unmatched_nodes
        ],
        "pairs": [
            (
                f"{row.origin_name} {row.origin_city}".strip(),
                f"{row.destination_name} {row.destination_city}".strip(),
                formats.percent(row.rate_72h, decimals=1),
                repr(float(row.rate_72h)),
                formats.number(row.due_72h),
                formats.number(row.delivered_72h),
                formats.figure(Unit.hours, row.mean_journey_hours),
            )
            for row in bulletin.worst_pairs
        ],
    }


def _policy(bulletin: Bulletin, formats: BulletinFormats) -> str:
    settings = bulletin.settings
    return formats.text(
        _(
            "Local policy, not official thresholds: a handover is unmatched after the "
            "lane's transit time plus {tolerance} hours; a trail with no scan for "
            "{stop} hours has stopped.",
            tolerance=formats.decimal(settings.handover_tolerance_hours, 0),
            stop=formats.decimal(settings.stop_hours, 0),
        )
    )


def _ranking_view(ranking: Ranking, formats: BulletinFormats) -> RankingView:
    item = metric(ranking.metric)
    subject = formats.text(SUBJECT_TITLES[ranking.subject])
    rows = tuple(
        (
            str(row.rank) if row.rank is not None else "–",
            formats.carrier(row.key) if ranking.subject is Subject.carrier else row.name,
            "" if ranking.subject is Subject.carrier else row.key,
            formats.cell(item, row.value, row.change, ranking.better),
            str(row.previous_rank) if row.previous_rank is not None else "–",
        )
        for row in ranking.rows
    )
    return RankingView(
        key=f"{ranking.subject.value}:{ranking.metric}",
        title=formats.text(
            _("{subject} by {metric}", subject=subject, metric=formats.text(item.label))
        ),
        better=formats.text(BETTER_NOTES[ranking.better]),
        value_label=formats.text(item.label),
        rows=rows,
    )


def write_bulletin_report(
    bulletin: Bulletin, path: pathlib.Path, *, language: str = "zh_CN"
) -> pathlib.Path:
    """Write :func:`render_bulletin_report` to ``path`` (UTF-8) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_bulletin_report(bulletin, language=language), encoding="utf-8")
    return path
