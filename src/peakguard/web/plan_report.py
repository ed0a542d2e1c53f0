"""The plan report: one self-contained HTML page about a staggered pickup plan (错峰发货).

Written for a carrier's network planner and the regulator: what the plan asks of the carriers
(parcels picked up later than released, the delay, its fairness), whether it keeps the nodes
inside capacity, what the simulator says it does to the hubs (peak storage utilisation, overflow
hours, on-time rate), the pickups per carrier per day against what the platforms released, the
temporary capacity still needed and where capacity falls short. Everything is inline (CSS and
SVG), built with the page kit (:mod:`.page_kit`) like every report page. This module writes the
header, summary, cards and method; the sections about the hubs live in :mod:`.plan_effects`,
those about the carriers, origins, reroute, reserves and shortfalls in :mod:`.plan_sections`,
chart geometry in :mod:`.plan_charts`.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import peakguard
from peakguard.i18n import Message, _
from peakguard.optimize.comparison import PlanComparison
from peakguard.optimize.reroute import ReroutePlan
from peakguard.optimize.shortfall_reserves import Reserve
from peakguard.optimize.stagger import PickupPlan
from peakguard.simulate.plan import StoragePolicy
from peakguard.web.page_kit import (
    STORAGE_POLICIES,
    Card,
    Fact,
    html_lang,
    page_language,
    template_environment,
)
from peakguard.web.plan_effects import PlanEffects
from peakguard.web.plan_sections import PlanSections

METHOD_DOCUMENT = "docs/explanation/staggering.md"
_PATH_MARK = "\x00"


@dataclass(frozen=True)
class StatusCard:
    status: str
    """``inside`` (every node), ``hubs`` (every open hub) or ``least-overflow``."""
    label: str
    value: str
    detail: str


def render_plan_report(
    plan: PickupPlan,
    comparison: PlanComparison | None,
    *,
    language: str,
    reserves: Sequence[Reserve] = (),
    place_names: Mapping[str, str] | None = None,
    reroute: ReroutePlan | None = None,
) -> str:
    """The report as one HTML page in ``language`` (``zh_CN`` or ``en``).

    ``comparison`` is the simulator's check of the plan; without it the hub chart shows the
    program's own (free-flow) peaks. ``place_names`` maps region codes to English names (used
    when ``language`` is English; a region without one keeps its Chinese name).
    """
    language = page_language(language)
    page = _PlanPage(plan, comparison, language, place_names or {})
    text = page.formats.text
    hubs, hubs_note = page.hub_chart()
    panels, tables = page.carriers()
    shortfalls, shortfalls_note = page.shortfalls()
    template = template_environment(language).get_template("plan_report.html")
    return template.render(
        html_lang=html_lang(language),
        title=text(_("Staggered pickup plan: {scenario}", scenario=plan.scenario)),
        facts=page.facts(),
        generated=text(
            _(
                "Planned by peakguard {version} on network {network}.",
                version=peakguard.__version__,
                network=plan.network,
            )
        ),
        summary=page.summary(),
        status=page.status(),
        cards=page.cards(),
        changes=page.changes(),
        simulated=comparison is not None,
        hubs=hubs,
        hubs_note=hubs_note,
        overflow_rows=page.overflow_rows(),
        panels=panels,
        carrier_tables=tables,
        origins=page.origins(),
        origins_note=page.origins_note(),
        platforms=page.platforms(),
        reserves=page.reserves(reserves),
        backups=page.backups(reroute),
        reroute_note=page.reroute_note(reroute),
        shortfalls=shortfalls,
        shortfalls_note=shortfalls_note,
        method=page.method(),
        reference=page.reference(),
        method_document=METHOD_DOCUMENT,
    )


def write_plan_report(
    plan: PickupPlan,
    comparison: PlanComparison | None,
    path: pathlib.Path,
    *,
    language: str,
    reserves: Sequence[Reserve] = (),
    place_names: Mapping[str, str] | None = None,
    reroute: ReroutePlan | None = None,
) -> pathlib.Path:
    """Write :func:`render_plan_report` to ``path`` (UTF-8) and return the path."""
    html = render_plan_report(
        plan,
        comparison,
        language=language,
        reserves=reserves,
        place_names=place_names,
        reroute=reroute,
    )
    path.write_text(html, encoding="utf-8")
    return path


class _PlanPage(PlanEffects, PlanSections):
    """The header, summary, cards and method, on top of the hub and carrier sections."""

    # --- header, summary and cards -----------------------------------------------------------

    def facts(self) -> tuple[Fact, ...]:
        plan, formats = self.plan, self.formats
        days = sorted({quota.day for quota in plan.quotas})
        period = (
            self.text(
                _(
                    "pickups from {first} to {last} ({days} days)",
                    first=days[0].isoformat(),
                    last=days[-1].isoformat(),
                    days=(days[-1] - days[0]).days + 1,
                )
            )
            if days
            else self.text(_("none"))
        )
        parameters = plan.parameters
        margins = self.text(
            _(
                "sorting up to {sorting} of each shift's capacity; storage up to {storage} of "
                "each node's, at its {hours} fullest hours of the day",
                sorting=formats.percent(parameters.sorting_margin),
                storage=formats.percent(parameters.storage_margin),
                hours=parameters.storage_hours_per_day,
            )
        )
        statistics = plan.statistics
        program = self.text(
            _(
                "{rows} rows, {columns} columns; built in {build} s, solved in {solve} s",
                rows=formats.number(statistics.rows),
                columns=formats.number(statistics.columns),
                build=formats.decimal(statistics.build_seconds),
                solve=formats.decimal(statistics.solve_seconds),
            )
        )
        network = self.network.title or self.network.name if self.network else plan.network
        if self.comparison is None:
            check = self.text(_("not simulated"))
        else:
            policy = self.comparison.storage_policy
            check = self.text(STORAGE_POLICIES[policy])
        return (
            Fact(self.text(_("Network")), network),
            Fact(self.text(_("Scenario")), plan.scenario),
            Fact(self.text(_("Pickup days")), period),
            Fact(self.text(_("Margins (local policy)")), margins),
            Fact(self.text(_("Linear program")), program),
            Fact(self.text(_("Checked by simulation")), check),
        )

    def summary(self) -> str:
        plan, number = self.plan, self.formats.number
        sentences = [*self.customer_sentences()]
        sentences += [
            _(
                "The plan picks up {parcels} parcels released by the platforms; {delayed} of "
                "them ({share}) are picked up after the day they were released, for {days} "
                "parcel-days of delay in all.",
                parcels=number(plan.parcels),
                delayed=number(plan.delayed_parcels),
                share=self.formats.percent(plan.delayed_parcels / plan.parcels, decimals=1)
                if plan.parcels
                else "–",
                days=number(plan.delay_parcel_days),
            )
        ]
        if plan.within_capacity:
            sentences.append(_("Every node stays inside capacity."))
        elif plan.hubs_within_capacity:
            sentences.append(
                _(
                    "Every open hub stays inside capacity; {count} shifts or hours at other "
                    "nodes or closed hubs fall short.",
                    count=number(len(plan.shortfalls)),
                )
            )
        else:
            sentences.append(
                _(
                    "No plan stays inside capacity: this is the least-overflow plan, "
                    "{parcels} parcels over capacity in {count} shifts or hours.",
                    parcels=number(plan.overflow),
                    count=number(len(plan.shortfalls)),
                )
            )
        if self.comparison is not None:
            before, after = self.comparison.unplanned, self.comparison.planned
            sentences.append(
                _(
                    "In simulation, the hubs that overflow go from {before} without the plan "
                    "to {after} with it, and their hours over storage capacity from "
                    "{before_hours} to {after_hours}.",
                    after=number(after.hubs_overflowing),
                    after_hours=number(after.hub_overflow_hours),
                    before=number(before.hubs_overflowing),
                    before_hours=number(before.hub_overflow_hours),
                )
            )
        return " ".join(self.text(sentence) for sentence in sentences)

    def customer_sentences(self) -> list[Message]:
        """The first line: whether customers wait longer, counted from release; then what
        "before" means."""
        comparison = self.comparison
        if comparison is None:
            return []
        before, after = comparison.customers_before.total, comparison.customers_after.total
        figures = {
            "before_hours": self.formats.decimal(before.release_to_delivery_hours),
            "after_hours": self.formats.decimal(after.release_to_delivery_hours),
            "before_late": self.formats.number(before.late_from_release),
            "after_late": self.formats.number(after.late_from_release),
        }
        if comparison.customers_wait_longer:
            first = _(
                "Customers wait longer under this plan: from release to delivery {before_hours} "
                "hours on average before, {after_hours} with it; parcels later than their "
                "service standard counted from release, {before_late} before, {after_late} "
                "with it.",
                **figures,
            )
        else:
            first = _(
                "Customers do not wait longer under this plan: from release to delivery "
                "{before_hours} hours on average before, {after_hours} with it; parcels later "
                "than their service standard counted from release, {before_late} before, "
                "{after_late} with it.",
                **figures,
            )
        meaning = _(
            '"Before" is the same releases picked up on their release day, with the '
            "scenario's other parcels as background, the same in both runs."
        )
        return [first, meaning, *self.longest_wait()]

    def longest_wait(self) -> list[Message]:
        """The origin whose customers' release-to-delivery time grows most."""
        comparison = self.comparison
        if comparison is None:
            return []
        before = {item.key: item for item in comparison.customers_before.origins}
        growth = [
            (item.release_to_delivery_hours - before[item.key].release_to_delivery_hours, item)
            for item in comparison.customers_after.origins
            if item.key in before
        ]
        if not growth:
            return []
        longer, item = max(growth, key=lambda pair: (pair[0], pair[1].key))
        if longer <= 0.5:
            return []
        return [
            _(
                "The origin whose customers wait longest for it is {origin}: {before} hours "
                "from release to delivery before, {after} with it.",
                origin=self.names.label(item.key),
                before=self.formats.decimal(before[item.key].release_to_delivery_hours),
                after=self.formats.decimal(item.release_to_delivery_hours),
            )
        ]

    def status(self) -> StatusCard:
        plan, number = self.plan, self.formats.number
        if plan.within_capacity:
            return StatusCard(
                "inside",
                self.text(_("Capacity")),
                self.text(_("Inside capacity")),
                self.text(_("every node, every shift and every checked hour")),
            )
        shortfalls = self.text(
            _(
                "{count} shortfalls, {parcels} parcels over capacity",
                count=number(len(plan.shortfalls)),
                parcels=number(plan.overflow),
            )
        )
        if plan.hubs_within_capacity:
            return StatusCard(
                "hubs",
                self.text(_("Capacity")),
                self.text(_("Open hubs inside capacity")),
                self.text(_("other nodes or closed hubs: {shortfalls}", shortfalls=shortfalls)),
            )
        return StatusCard(
            "least-overflow",
            self.text(_("Capacity")),
            self.text(_("Least-overflow plan")),
            shortfalls,
        )

    def cards(self) -> tuple[Card, ...]:
        plan, formats = self.plan, self.formats
        return (
            Card(
                self.text(_("Parcels released")),
                formats.number(plan.parcels),
                self.text(_("parcels to pick up within their windows")),
            ),
            Card(
                self.text(_("Parcels picked up later than released")),
                formats.number(plan.delayed_parcels),
                self.text(
                    _(
                        "{days} parcel-days of delay",
                        days=formats.number(plan.delay_parcel_days),
                    )
                ),
            ),
            Card(
                self.text(_("Worst carrier's mean delay (days)")),
                formats.decimal(plan.worst_carrier_delay_days, 2),
                self.text(_("days per parcel released, the carrier that waits most")),
            ),
            Card(
                self.text(_("Worst origin's mean delay (days)")),
                formats.decimal(plan.worst_origin_delay_days, 2),
                self.text(_("days per parcel released, the origin that waits most")),
            ),
        )

    # --- method --------------------------------------------------------------------------------

    def method(self) -> tuple[str, ...]:
        parameters = self.plan.parameters
        percent = self.formats.percent
        sentences = [
            _(
                "The plan is a linear program solved by HiGHS on free-flow profiles: each "
                "parcel picked up at an origin is taken to pass each node at its usual hour, "
                "without queues. It keeps each node's sorting load per shift within {sorting} "
                "of capacity and its storage at its fullest hours within {storage}, and "
                "otherwise makes the parcel-days of delay least, with the worst carrier's and "
                "the worst origin's mean delay in the objective for fairness. When no plan "
                "fits, it first makes the overflow least, then the delay.",
                sorting=percent(parameters.sorting_margin),
                storage=percent(parameters.storage_margin),
            ),
            _(
                "The simulator then checks it, with queues, shift capacities and lane "
                "timetables: the scenario is run without the plan and with it, with the "
                "overflow storage policy, so that parcels beyond a node's storage show as "
                "overflow (爆仓) where it happens."
            ),
        ]
        if parameters.rolling_days:
            sentences.insert(
                1,
                _(
                    "This plan was decided a day at a time, each day with the {more} after it "
                    "in view (windows of {days} days), because the whole horizon is too big to "
                    "solve at once: it is not the optimum of the whole horizon, and the "
                    "fairness terms are not in it.",
                    more=parameters.rolling_days - 1,
                    days=parameters.rolling_days,
                ),
            )
        comparison = self.comparison
        if comparison is not None and comparison.storage_policy is StoragePolicy.block:
            sentences.append(
                _(
                    "This check used the block storage policy instead: parcels that do not "
                    "fit wait upstream rather than showing as overflow."
                )
            )
        sentences.append(
            _(
                "The margins are local policy, not official figures: they keep room for what "
                "a plan cannot see, such as a late truck or a slow shift."
            )
        )
        return tuple(self.text(sentence) for sentence in sentences)

    def reference(self) -> tuple[str, str]:
        """The sentence that names the formulation's document, split where the path goes."""
        sentence = self.text(_("The formulation is written out in {path}.", path=_PATH_MARK))
        before, _mark, after = sentence.partition(_PATH_MARK)
        return before, after
