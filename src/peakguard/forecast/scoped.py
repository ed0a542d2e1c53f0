"""Platform-announced plans scoped to a carrier or a region, and a forecast that respects them.

An announced plan (``day, multiple[, carrier, region]``) says: on ``day`` expect ``multiple`` ×
a normal day, for every series or only for those of ``carrier`` inside ``region``. Each series
sees only the announcements that cover it, the narrowest of a day winning. Announced plans
limited to a carrier or a region apply to the series inside that scope only; the aggregates
then take the sum of their nodes (``bottom_up`` reconciliation), since an aggregate's own model
cannot know that part of it is announced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from peakguard.forecast.calendar import EVENTS, AnnouncedMultiple, EventCalendar
from peakguard.forecast.history import Level, SeriesHistory, SeriesKey
from peakguard.forecast.models import BaseForecast, Forecaster
from peakguard.forecast.orchestrator import ForecastParameters, ForecastRun, forecast_volumes

SCOPED_ANNOUNCEMENTS = "announced plans limited to a carrier or region: aggregates are sums"
"""``reconciliation_note`` of a run whose reconciliation was set to bottom_up."""


@dataclass(frozen=True)
class ScopedAnnouncement:
    """A platform's announced multiple for ``day``, for every series or only those of
    ``carrier`` (when given) inside ``region`` (when given)."""

    day: date
    multiple: float
    carrier: str | None = None
    region: str | None = None

    @property
    def everywhere(self) -> bool:
        return self.carrier is None and self.region is None

    def covers(self, key: SeriesKey) -> bool:
        """Whether the series ``key`` lies inside this announcement's carrier and region."""
        if self.carrier is not None and key.carrier != self.carrier:
            return False
        if self.region is None:
            return True
        if key.level is Level.national:
            return False
        if self.region.endswith("0000"):
            return key.region[:2] == self.region[:2]
        if self.region.endswith("00"):
            return key.region[:4] == self.region[:4]
        return key.region == self.region

    @property
    def specificity(self) -> int:
        """Higher for narrower scopes: the narrowest announcement of a day wins."""
        depth = 0
        if self.region is not None:
            depth = 1 if self.region.endswith("0000") else 2 if self.region.endswith("00") else 3
        return depth + (4 if self.carrier is not None else 0)


def calendar_for(
    key: SeriesKey, events: Sequence[str], announced: Iterable[ScopedAnnouncement]
) -> EventCalendar:
    """The calendar of one series: the announcements that cover it, the narrowest of a day."""
    chosen: dict[date, ScopedAnnouncement] = {}
    for plan in sorted(announced, key=lambda item: item.specificity):
        if plan.covers(key):
            chosen[plan.day] = plan
    return EventCalendar(
        events=tuple(events),
        announced=tuple(
            AnnouncedMultiple(day, plan.multiple) for day, plan in sorted(chosen.items())
        ),
    )


@dataclass(frozen=True)
class ScopedForecaster:
    """A forecaster that sees only the announcements covering the series it forecasts."""

    inner: Forecaster
    announced: tuple[ScopedAnnouncement, ...]

    @property
    def name(self) -> str:
        return self.inner.name

    def forecast(
        self, history: SeriesHistory, horizon_days: int, calendar: EventCalendar
    ) -> BaseForecast:
        scoped = calendar_for(history.key, calendar.events, self.announced)
        return self.inner.forecast(history, horizon_days, scoped)


@dataclass(frozen=True)
class ScopedForecast:
    """A forecast run with what shaped it: the events used, the announcements, and why the
    reconciliation was changed (empty when it was not)."""

    run: ForecastRun
    origin: date
    events: tuple[str, ...]
    announced: tuple[ScopedAnnouncement, ...]
    parameters: ForecastParameters
    reconciliation_note: str


def forecast_with_announcements(
    series: Sequence[SeriesHistory],
    *,
    horizon_days: int,
    announced: Sequence[ScopedAnnouncement] = (),
    events: Sequence[str] | None = None,
    parameters: ForecastParameters | None = None,
) -> ScopedForecast:
    """Forecast ``series`` (grouped history, one level), each series seeing the announcements
    that cover it; scoped announcements switch the reconciliation to ``bottom_up``."""
    parameters = parameters or ForecastParameters()
    chosen_events = tuple(events) if events is not None else tuple(EVENTS)
    calendar = EventCalendar(events=chosen_events)
    note = ""
    if any(not plan.everywhere for plan in announced) and parameters.reconciliation != "bottom_up":
        parameters = replace(parameters, reconciliation="bottom_up")
        note = SCOPED_ANNOUNCEMENTS
    chain = tuple(
        ScopedForecaster(forecaster, tuple(announced)) for forecaster in parameters.forecasters()
    )
    run = forecast_volumes(
        series, calendar, horizon_days=horizon_days, parameters=parameters, forecasters=chain
    )
    return ScopedForecast(
        run,
        max(item.last_day for item in series),
        chosen_events,
        tuple(announced),
        parameters,
        note,
    )
