"""The simulation report: one self-contained HTML page about a simulated peak season.

Written for a regulator's duty officer and a carrier's network planner: what the peak did to
the network (parcels accepted, delivered, left behind), which hubs filled up and when, every
warning on a timeline and in a table, a map coloured by warning level, and the drafts of the
network blockage reports (服务网络阻断) that closures call for. Everything is inline (CSS and
SVG), built with the page kit (:mod:`.page_kit`) like every report page; the map is the network
report's province map (:mod:`.network_maps`) recoloured. Chart geometry lives in
:mod:`.simulation_charts`, the warning sections in :mod:`.simulation_sections`.
"""

from __future__ import annotations

import pathlib
from collections import Counter
from collections.abc import Callable, Mapping

import numpy as np

import peakguard
from peakguard.domain.network import NodeKind
from peakguard.domain.regions import PairClass
from peakguard.formats.simulation_output import gridlock_sentence
from peakguard.i18n import Message, _
from peakguard.simulate.gridlock import find_gridlocks
from peakguard.simulate.run import SimulationResult
from peakguard.simulate.warning_rules import WarningLevel, level_label
from peakguard.simulate.warnings import NETWORK
from peakguard.web.page_kit import (
    KIND_LABELS,
    STORAGE_POLICIES,
    Card,
    Fact,
    html_lang,
    page_language,
    template_environment,
)
from peakguard.web.simulation_charts import (
    NO_LEVEL_COLOUR,
    HubCurve,
    PeakChart,
    Series,
    hub_curve,
    peak_chart,
)
from peakguard.web.simulation_sections import SimulationSections, kind_rank

MAX_CURVES = 24
"""Hubs drawn as backlog curves: the most severe first, then by peak backlog."""

BACKLOG_COLOURS: dict[NodeKind, str] = {
    NodeKind.hub: "#334e68",
    NodeKind.outlet: "#829ab1",
    NodeKind.station: "#bcccdc",
    NodeKind.consolidation_point: "#d9c7a7",
}
_PAIR_CLASSES: dict[PairClass, Message] = {
    PairClass.same_city: _("same city"),
    PairClass.same_province: _("same province"),
    PairClass.other_province: _("other provinces"),
}


def render_simulation_report(
    result: SimulationResult, *, language: str, place_names: Mapping[str, str] | None = None
) -> str:
    """The report as one HTML page in ``language`` (``zh_CN`` or ``en``).

    ``place_names`` maps region codes to English names (used when ``language`` is English; a
    region without one keeps its Chinese name).
    """
    language = page_language(language)
    page = _SimulationPage(result, language, place_names or {})
    scenario, formats = result.scenario, page.formats
    heading = _("Peak-season simulation: {scenario}", scenario=scenario.name)
    curves, warned_hubs = page.curves()
    template = template_environment(language).get_template("simulation_report.html")
    return template.render(
        html_lang=html_lang(language),
        title=formats.text(heading),
        description=scenario.description,
        facts=page.facts(),
        generated=formats.text(
            _(
                "Simulated by peakguard {version} on network {network}.",
                version=peakguard.__version__,
                network=result.network.name,
            )
        ),
        summary=page.summary(),
        cards=page.cards(),
        peak=page.peak(),
        curves=curves,
        curves_note=page.curves_note(len(curves), warned_hubs),
        timeline=page.timeline(),
        timeline_note=page.timeline_note(),
        levels=page.levels(),
        warning_rows=page.warning_rows(),
        warnings_note=page.warnings_note(),
        thresholds_note=page.thresholds_note(),
        level_map=page.level_map(),
        province_name=page.places.province(page.home),
        no_level_colour=NO_LEVEL_COLOUR,
        blockages=page.blockages(),
        blockage_note=formats.text(
            _(
                "A closure of {hours} hours or more is a network blockage (服务网络阻断): the "
                "carrier reports it to the postal administration within 24 hours of its start.",
                hours=scenario.warnings.blockage_hours,
            )
        ),
        gridlocks=_gridlock_sentences(result, formats.text),
    )


def _gridlock_sentences(result: SimulationResult, text: Callable[[Message], str]) -> list[str]:
    """The run's gridlocks in words, longest first (see :mod:`peakguard.simulate.gridlock`)."""
    names = {node.id: node.name for node in result.network.nodes}
    found = sorted(find_gridlocks(result.run), key=lambda g: (-g.hours, g.start_hour))
    return [text(gridlock_sentence(g, names, result.scenario.moment(g.start_hour))) for g in found]


def write_simulation_report(
    result: SimulationResult,
    path: pathlib.Path,
    *,
    language: str,
    place_names: Mapping[str, str] | None = None,
) -> pathlib.Path:
    """Write :func:`render_simulation_report` to ``path`` (UTF-8) and return the path."""
    path.write_text(
        render_simulation_report(result, language=language, place_names=place_names),
        encoding="utf-8",
    )
    return path


class _SimulationPage(SimulationSections):
    """The header, summary and charts, on top of the warning sections."""

    # --- header and summary ------------------------------------------------------------

    def facts(self) -> tuple[Fact, ...]:
        scenario = self.scenario
        first = scenario.first_day
        last = scenario.moment(scenario.warm_up_hours + (scenario.days - 1) * 24).date()
        end = scenario.moment(self.hours - 1).date()
        period = _(
            "{first} to {last} ({days} days), then {drain} days to drain; the run ends {end}",
            first=first.isoformat(),
            last=last.isoformat(),
            days=scenario.days,
            drain=scenario.drain_days,
            end=end.isoformat(),
        )
        hubs = sum(1 for node in self.network.nodes if node.kind is NodeKind.hub)
        network = _(
            "{name}: {nodes} nodes, of which {hubs} hubs; {lanes} lanes",
            name=self.network.title or self.network.name,
            nodes=self.formats.number(len(self.network.nodes)),
            hubs=self.formats.number(hubs),
            lanes=self.formats.number(len(self.network.lanes)),
        )
        closures = [
            f"{window.label} ({self.formats.moment(window.start_hour)} – "
            f"{self.formats.moment(window.end_hour or self.hours)})"
            for window in self.closures
        ]
        return (
            Fact(self.text(_("Period")), self.text(period)),
            Fact(self.text(_("Demand")), self.demand()),
            Fact(self.text(_("Closures")), "; ".join(closures) or self.text(_("none"))),
            Fact(
                self.text(_("Storage policy")), self.text(STORAGE_POLICIES[scenario.storage_policy])
            ),
            Fact(self.text(_("Network")), self.text(network)),
        )

    def demand(self) -> str:
        """The scenario's volume multipliers, in one line."""
        parts = []
        for change in self.scenario.volume_multipliers:
            last = change.last_day or change.first_day
            multiplier = f"×{change.multiplier:g}"
            if last == change.first_day:
                part = _("{multiplier} on {day}", multiplier=multiplier, day=last.isoformat())
            else:
                part = _(
                    "{multiplier} from {first} to {last}",
                    multiplier=multiplier,
                    first=change.first_day.isoformat(),
                    last=last.isoformat(),
                )
            scope = [self.carriers.get(change.carrier, change.carrier)] if change.carrier else []
            if change.origin_region:
                scope.append(self.text(_("parcels from region {code}", code=change.origin_region)))
            parts.append(self.text(part) + (f" ({', '.join(scope)})" if scope else ""))
        if not parts:
            return self.text(_("normal-day volumes throughout"))
        return self.join(parts)

    def standards(self) -> str:
        parts = [
            self.text(
                _(
                    "{pair_class} {hours} h",
                    pair_class=_PAIR_CLASSES[standard.pair_class],
                    hours=f"{standard.time_limit_hours:g}",
                )
            )
            for standard in self.network.service_standards
            if standard.carrier is None
        ]
        if any(standard.carrier for standard in self.network.service_standards):
            parts.append(self.text(_("some carriers have their own")))
        return self.join(parts)

    def summary(self) -> str:
        summary, scenario, number = self.result.summary, self.scenario, self.formats.number
        sentences = [
            _(
                "From {first} to {last} the network accepted {accepted} parcels; by the end of "
                "the run, {drain} days later, it had delivered {delivered} of them ({share}).",
                first=scenario.first_day.isoformat(),
                last=scenario.moment(scenario.warm_up_hours + (scenario.days - 1) * 24)
                .date()
                .isoformat(),
                accepted=number(summary.accepted),
                drain=scenario.drain_days,
                delivered=number(summary.delivered),
                share=self.formats.percent(summary.delivered / summary.accepted, decimals=1)
                if summary.accepted
                else "–",
            ),
            _(
                "{on_time} of the parcels delivered arrived within the service standard's time "
                "limit ({standards}); a delivery took {hours} hours on average.",
                on_time=self.formats.percent(summary.on_time_rate, decimals=1),
                standards=self.standards(),
                hours=self.formats.decimal(summary.mean_delivery_hours),
            ),
            _(
                "At the end of the run {left} parcels were still at nodes and {moving} on lanes.",
                left=number(summary.left_at_nodes),
                moving=number(summary.in_transit),
            ),
        ]
        if summary.unroutable:
            sentences.append(
                _(
                    "{parcels} parcels had no route and were left out of the run.",
                    parcels=number(summary.unroutable),
                )
            )
        sentences.append(self.overflow_sentence())
        sentences += self.warning_sentences()
        return " ".join(self.text(sentence) for sentence in sentences)

    def overflow_sentence(self) -> Message:
        """How many nodes overflowed, by kind, and for how long."""
        summary, number = self.result.summary, self.formats.number
        if not summary.nodes_overflowing:
            return _("No node held more than its storage capacity.")
        overflowing = self.run.overflow().max(axis=1) > 1e-6
        kinds = Counter(
            self.nodes[node_id].kind
            for index, node_id in enumerate(self.run.plan.node_ids)
            if overflowing[index]
        )
        by_kind = self.join(
            [
                self.text(_("{kind}: {count}", kind=KIND_LABELS[kind], count=number(count)))
                for kind, count in sorted(kinds.items(), key=lambda item: kind_rank(item[0]))
            ]
        )
        return _(
            "{nodes} nodes held more than their storage capacity ({by_kind}), for "
            "{node_hours} node-hours in all.",
            nodes=number(summary.nodes_overflowing),
            by_kind=by_kind,
            node_hours=number(summary.overflow_node_hours),
        )

    def warning_sentences(self) -> list[Message]:
        """The warnings raised, by level, and the network's own worst level."""
        summary, number = self.result.summary, self.formats.number
        if not self.result.warnings:
            return [_("No warnings were raised.")]
        counts = [
            self.text(
                _(
                    "{count} at {level}",
                    count=number(summary.warnings_by_level.get(level.name, 0)),
                    level=level_label(level),
                )
            )
            for level in WarningLevel
        ]
        sentences = [_("Warnings raised: {levels}.", levels=self.join(counts))]
        if NETWORK in self.worst:
            sentences.append(
                _(
                    "The network as a whole reached {level}.",
                    level=level_label(self.worst[NETWORK]),
                )
            )
        return sentences

    def cards(self) -> tuple[Card, ...]:
        summary, number = self.result.summary, self.formats.number
        total = self.run.backlog.sum(axis=0)
        peak_hour = int(total.argmax()) if total.size else 0
        warned = len({w.node_id for w in self.result.warnings if w.node_id != NETWORK})
        return (
            Card(self.text(_("Accepted")), number(summary.accepted), self.text(_("parcels"))),
            Card(
                self.text(_("Delivered")),
                number(summary.delivered),
                self.text(_("parcels, by the end of the run")),
            ),
            Card(
                self.text(_("On time")),
                self.formats.percent(summary.on_time_rate, decimals=1),
                self.text(_("of parcels delivered, against the service standards")),
            ),
            Card(
                self.text(_("Mean delivery time")),
                self.formats.decimal(summary.mean_delivery_hours),
                self.text(_("hours from acceptance to delivery")),
            ),
            Card(
                self.text(_("Left at nodes")),
                number(summary.left_at_nodes),
                self.text(_("parcels at the end of the run")),
            ),
            Card(
                self.text(_("Peak backlog")),
                number(float(total.max(initial=0.0))),
                self.text(
                    _(
                        "parcels at all nodes, at {moment}",
                        moment=self.formats.moment(peak_hour + 1),
                    )
                ),
            ),
            Card(
                self.text(_("Overflowing nodes")),
                number(summary.nodes_overflowing),
                self.text(
                    _("{node_hours} node-hours", node_hours=number(summary.overflow_node_hours))
                ),
            ),
            Card(
                self.text(_("Warned nodes")),
                number(warned),
                self.text(
                    _("{warnings} warnings in all", warnings=number(len(self.result.warnings)))
                ),
            ),
        )

    # --- charts --------------------------------------------------------------------------

    def peak(self) -> PeakChart:
        plan, run, days = self.run.plan, self.run, self.hours // 24
        accepted = np.bincount(plan.cohort_hour // 24, weights=plan.cohort_parcels, minlength=days)[
            :days
        ]
        delivered = run.delivered_per_hour.reshape(days, 24).sum(axis=1)
        kinds = np.array([self.nodes[node_id].kind for node_id in plan.node_ids])
        layers = [
            Series(kind.value, self.text(KIND_LABELS[kind]), BACKLOG_COLOURS[kind], values)
            for kind in NodeKind
            if (values := run.backlog[kinds == kind].sum(axis=0)).any()
        ]
        total = run.backlog.sum(axis=0)
        peak_hour = int(total.argmax()) if total.size else 0
        return peak_chart(
            accepted.astype(np.float64),
            delivered,
            layers,
            demand_days=self.scenario.warm_up_days + self.scenario.days,
            closures=self.closures,
            drain_label=self.text(_("drain days: no new parcels")),
            peak_label=self.text(
                _(
                    "peak {parcels} at {moment}",
                    parcels=self.formats.compact(float(total.max(initial=0.0))),
                    moment=self.formats.moment(peak_hour + 1),
                )
            ),
            bar_labels=(self.text(_("Accepted")), self.text(_("Delivered"))),
            formats=self.formats,
        )

    def curves(self) -> tuple[list[HubCurve], int]:
        """Backlog curves of the most severely warned hubs, and how many hubs were warned."""
        storage = self.run.plan.storage_capacity
        hubs = [
            node_id
            for node_id in self.worst
            if node_id in self.nodes and self.nodes[node_id].kind is NodeKind.hub
        ]
        peaks = {node_id: float(self.run.backlog[self.position[node_id]].max()) for node_id in hubs}
        hubs.sort(key=lambda node_id: (self.worst[node_id], -peaks[node_id], node_id))
        curves = []
        for node_id in hubs[:MAX_CURVES]:
            index = self.position[node_id]
            level = self.worst[node_id]
            curves.append(
                hub_curve(
                    node_id,
                    name=self.nodes[node_id].name,
                    caption=self.caption(node_id),
                    level=level,
                    level_label=self.text(level_label(level)),
                    summary=self.text(
                        _(
                            "peak {peak} parcels, {share} of storage",
                            peak=self.formats.number(peaks[node_id]),
                            share=self.formats.percent(peaks[node_id] / storage[index]),
                        )
                    ),
                    backlog=self.run.backlog[index],
                    storage=float(storage[index]),
                    storage_label=self.text(
                        _("storage {parcels}", parcels=self.formats.compact(storage[index]))
                    ),
                    episodes=[self.window(w) for w in self.episodes[node_id]],
                    closures=[window for window in self.closures if window.node_id == node_id],
                    formats=self.formats,
                )
            )
        return curves, len(hubs)

    def curves_note(self, shown: int, warned: int) -> str:
        if not warned:
            return self.text(_("No hub reached a warning level."))
        return self.text(
            _(
                "{warned} hubs reached a warning level; the {shown} most severe are shown, "
                "ordered by level, then by peak backlog. The dashed line is the hub's storage "
                "capacity; the strip under each chart is its warning level hour by hour.",
                warned=self.formats.number(warned),
                shown=self.formats.number(shown),
            )
        )
