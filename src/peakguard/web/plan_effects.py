"""The plan report's sections about what the plan does to the hubs, as the simulator sees it:
its figures without the plan and with it, each hub's peak storage before and after, and the hubs
that overflow.

Without a simulated check the hub chart falls back on the linear program's own (free-flow)
peaks and the other two sections are empty. Chart geometry lives in :mod:`.plan_charts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from peakguard.domain.network import NodeKind
from peakguard.i18n import Message, _
from peakguard.optimize.comparison import RunFigures
from peakguard.web.plan_charts import FULL, HubChart, HubLoad, hub_chart
from peakguard.web.plan_sections import PlanContext

MAX_HUBS = 40
"""Hubs drawn in the before-and-after chart: the fullest (unplanned or planned) first."""

_FIGURES: tuple[tuple[str, Message, Message, str, str, bool], ...] = (
    (
        "hubs-overflowing",
        _("Hubs overflowing"),
        _("hubs holding more than their storage at some hour (爆仓)"),
        "hubs_overflowing",
        "number",
        False,
    ),
    (
        "hub-overflow-hours",
        _("Hub overflow hours"),
        _("hours over storage capacity, summed over the hubs"),
        "hub_overflow_hours",
        "number",
        False,
    ),
    (
        "peak-hub-storage",
        _("Peak hub storage utilisation"),
        _("the fullest hub at its fullest hour"),
        "peak_hub_storage_utilisation",
        "percent",
        False,
    ),
    (
        "on-time",
        _("On time, counted from pickup"),
        _("of parcels delivered, against the service standards, the clock started at pickup"),
        "on_time_rate",
        "percent",
        True,
    ),
    (
        "delivery-hours",
        _("Mean delivery time from pickup"),
        _("hours from acceptance (pickup) to delivery"),
        "mean_delivery_hours",
        "decimal",
        False,
    ),
)
"""The run figures compared: card key, label, detail, :class:`RunFigures` field, how it is
shown (``number``, ``percent`` or ``decimal``), and whether higher is better."""


@dataclass(frozen=True)
class ChangeCard:
    """A simulator figure without the plan and with it."""

    key: str
    label: str
    before: str
    after: str
    detail: str
    change: str
    """``better``, ``worse`` or ``same``."""


@dataclass(frozen=True)
class OverflowRow:
    node_id: str
    label: str
    caption: str
    peak_before: str
    peak_after: str
    overflow_hours_before: int
    overflow_hours_after: int
    full_hours_before: int
    full_hours_after: int
    blocked_before: str
    blocked_after: str


class PlanEffects(PlanContext):
    """The simulator's figures before and after, the hub chart and the overflowing hubs."""

    # --- the simulator's figures before and after ------------------------------------------

    def changes(self) -> tuple[ChangeCard, ...]:
        if self.comparison is None:
            return ()
        comparison, formats = self.comparison, self.formats
        before, after = comparison.unplanned, comparison.planned
        cards = []
        for key, label, detail, name, show, higher in _FIGURES:
            a, b, shown = self.figure_pair(before, after, name, show)
            cards.append(self.change_card(key, label, detail, a, b, shown, higher_is_better=higher))
        release_before = comparison.mean_release_to_delivery_hours_before
        release_after = comparison.mean_release_to_delivery_hours_after
        cards.append(
            self.change_card(
                "release-to-delivery-hours",
                _("Mean release-to-delivery time"),
                _("hours from the platform's release to delivery, the pickup delay included"),
                release_before,
                release_after,
                (formats.decimal(release_before), formats.decimal(release_after)),
            )
        )
        late_before = comparison.customers_before.total.late_from_release
        late_after = comparison.customers_after.total.late_from_release
        cards.append(
            self.change_card(
                "late-from-release",
                _("Parcels late, counted from release"),
                _(
                    "released parcels later than their service standard, the clock started "
                    "at release"
                ),
                late_before,
                late_after,
                (formats.number(late_before), formats.number(late_after)),
            )
        )
        cards.extend(self.new_overflow_cards())
        return tuple(cards)

    def new_overflow_cards(self) -> list[ChangeCard]:
        """One card per node the plan puts over storage that the releases as released did
        not (hubs, stations and outlets alike)."""
        if self.comparison is None:
            return []
        percent = self.formats.percent
        return [
            ChangeCard(
                f"new-overflow-{item.node}",
                self.text(_("Newly over storage: {node}", node=self.names.label(item.node))),
                percent(item.peak_storage_before),
                percent(item.peak_storage_after),
                self.text(
                    _(
                        "peak storage before and with the plan; {hours} hours over storage "
                        "with it, none before",
                        hours=self.formats.number(item.overflow_hours_after),
                    )
                ),
                "worse",
            )
            for item in self.comparison.new_overflow_nodes
        ]

    def change_card(
        self,
        key: str,
        label: Message,
        detail: Message,
        pick: float,
        put: float,
        shown: tuple[str, str],
        *,
        higher_is_better: bool = False,
    ) -> ChangeCard:
        if abs(put - pick) <= 1e-9 * max(abs(pick), 1.0) or shown[0] == shown[1]:
            change = "same"
        else:
            change = "better" if (put > pick) == higher_is_better else "worse"
        return ChangeCard(key, self.text(label), shown[0], shown[1], self.text(detail), change)

    def figure_pair(
        self, first: RunFigures, second: RunFigures, name: str, show: str
    ) -> tuple[float, float, tuple[str, str]]:
        """Field ``name`` of both runs, as numbers and as shown."""
        formats = self.formats
        a, b = float(getattr(first, name)), float(getattr(second, name))
        if show == "number":
            return a, b, (formats.number(a), formats.number(b))
        if show == "percent":
            return a, b, (formats.percent(a, decimals=1), formats.percent(b, decimals=1))
        return a, b, (formats.decimal(a), formats.decimal(b))

    # --- hub load before and after -------------------------------------------------------------

    def hub_loads(self) -> list[HubLoad]:
        """Peak storage utilisation per hub: simulated if the plan was, else the program's."""
        if self.comparison is not None:
            pairs = [
                (hub.node, hub.peak_storage_before, hub.peak_storage_after)
                for hub in self.comparison.hubs
            ]
        else:
            pairs = [
                (load.node, load.peak_storage_before, load.peak_storage_after)
                for load in self.plan.node_loads
                if load.kind is NodeKind.hub
            ]
        pairs.sort(key=lambda item: (-max(item[1], item[2]), item[0]))
        return [
            HubLoad(node, self.names.label(node), self.names.caption(node), before, after)
            for node, before, after in pairs
        ]

    def hub_chart(self) -> tuple[HubChart, str]:
        loads = self.hub_loads()
        shown = loads[:MAX_HUBS]
        margin = self.plan.parameters.storage_margin
        chart = hub_chart(
            shown,
            margin=margin,
            margin_label=self.text(_("plan's margin {share}", share=self.formats.percent(margin))),
            full_label=self.text(_("storage capacity")),
            series_labels=(self.text(_("Unplanned")), self.text(_("Planned"))),
            formats=self.formats,
        )
        over_before = sum(1 for load in loads if load.before > FULL)
        over_after = sum(1 for load in loads if load.after > FULL)
        if self.comparison is not None:
            source = _(
                "Simulated peak storage utilisation of each hub, without the plan (every "
                "release picked up on its day) and with it. Hubs over 100%: {before} "
                "unplanned, {after} planned.",
                before=self.formats.number(over_before),
                after=self.formats.number(over_after),
            )
        else:
            source = _(
                "The plan was not simulated: these are the program's own peaks, on free-flow "
                "profiles, without the plan and with it. Hubs over 100%: {before} "
                "unplanned, {after} planned.",
                before=self.formats.number(over_before),
                after=self.formats.number(over_after),
            )
        notes = [self.text(source)]
        if len(loads) > len(shown):
            notes.append(
                self.text(
                    _(
                        "{count} more hubs, none fuller than {share}, are omitted.",
                        count=self.formats.number(len(loads) - len(shown)),
                        share=self.formats.percent(
                            max(loads[len(shown)].before, loads[len(shown)].after)
                        ),
                    )
                )
            )
        return chart, " ".join(notes)

    def overflow_rows(self) -> tuple[OverflowRow, ...]:
        """Hubs that overflow without the plan, the most overflow hours first."""
        if self.comparison is None:
            return ()
        hubs = [hub for hub in self.comparison.hubs if hub.overflow_hours_before > 0]
        hubs.sort(key=lambda hub: (-hub.overflow_hours_before, hub.node))
        percent, number = self.formats.percent, self.formats.number
        return tuple(
            OverflowRow(
                node_id=hub.node,
                label=self.names.label(hub.node),
                caption=self.names.caption(hub.node),
                peak_before=percent(hub.peak_storage_before),
                peak_after=percent(hub.peak_storage_after),
                overflow_hours_before=hub.overflow_hours_before,
                overflow_hours_after=hub.overflow_hours_after,
                full_hours_before=hub.full_hours_before,
                full_hours_after=hub.full_hours_after,
                blocked_before=number(hub.blocked_before),
                blocked_after=number(hub.blocked_after),
            )
            for hub in hubs
        )
