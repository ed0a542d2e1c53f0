"""Scenarios: the peak to simulate and what happens during it (docs/reference/scenario-format.md).

A scenario names the first day and the number of days, how demand is scaled (the Double 11
spike, a platform's early release), which nodes close and when (epidemic control, typhoon,
blocked road), which capacities change (extra shifts, temporary sorters, vehicles added), which
lanes are disrupted (weather), what a full node does, and the warning thresholds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peakguard.domain.network import Identifier, Name
from peakguard.i18n import _, invalid
from peakguard.simulate.plan import StoragePolicy
from peakguard.simulate.warning_rules import WarningThresholds

Multiplier = Annotated[float, Field(ge=0, le=100)]
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""The years a scenario may cover (as every reader's window, peakguard.formats.limits): a day
in 9999 overflowed the date arithmetic of a run's hours."""
ScenarioDay = Annotated[date, Field(ge=date(FIRST_YEAR, 1, 1), le=date(LAST_YEAR, 12, 31))]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Window(_Record):
    """A time window [start, end); a bare date means 00:00 of that day."""

    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if not FIRST_YEAR <= self.start.year <= LAST_YEAR >= self.end.year:
            raise invalid(
                _(
                    "start and end must lie between {first} and {last}",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
        if self.end <= self.start:
            raise invalid(_("end must be after start"))
        return self


class VolumeMultiplier(_Record):
    """Scale demand on the days ``first_day``..``last_day`` (inclusive), optionally only for
    one carrier or for origins whose region code starts with ``origin_region``."""

    first_day: ScenarioDay
    last_day: ScenarioDay | None = None
    multiplier: Multiplier
    carrier: Identifier | None = None
    origin_region: Annotated[str, Field(pattern=r"^[1-8][0-9]{0,5}$")] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> VolumeMultiplier:
        if self.last_day is not None and self.last_day < self.first_day:
            raise invalid(_("last_day must not be before first_day"))
        return self


class Closure(Window):
    """A node closed: it neither sorts, receives nor dispatches in the window."""

    node: Identifier
    reason: Name = "closure"


class CapacityChange(Window):
    """Sorting capacity of a node in the window: × ``sorting_multiplier`` + ``extra_per_hour``
    (extra shifts, temporary sorters); ``extra_storage`` adds floor space for the whole run."""

    node: Identifier
    sorting_multiplier: Multiplier = 1.0
    extra_per_hour: Annotated[int, Field(ge=0)] = 0
    extra_storage: Annotated[int, Field(ge=0)] = 0


class LaneChange(Window):
    """A lane's capacity per departure in the window × ``capacity_multiplier``: 0 cancels it
    (weather, a blocked road), 1.5 adds vehicles."""

    lane: Identifier
    capacity_multiplier: Multiplier


class DemandSettings(_Record):
    """How normal-day demand is derived from the network's ``daily_volume`` figures."""

    outbound_share: Annotated[float, Field(ge=0, le=1)] = 0.6
    """Share of parcels taken on that leave the home province (through its gateway hubs)."""
    inbound_share: Annotated[float, Field(ge=0, le=1)] = 0.6
    """Share of stations' deliveries that come from outside the home province."""
    pickup_hours: Annotated[list[Annotated[int, Field(ge=0, le=23)]], Field(min_length=1)] = Field(
        default_factory=lambda: [10, 13, 16, 19]
    )
    """Hours of the day when outlets take parcels on (pickup rounds), equal shares."""
    inbound_hours: Annotated[list[Annotated[int, Field(ge=0, le=23)]], Field(min_length=1)] = Field(
        default_factory=lambda: [2, 8, 14, 20]
    )
    """Hours when parcels from outside the province are handed to the gateway hubs."""


class Scenario(_Record):
    """A peak to simulate, as written in a scenario file."""

    name: Identifier
    description: str = ""
    first_day: ScenarioDay
    days: Annotated[int, Field(ge=1, le=120)]
    drain_days: Annotated[int, Field(ge=0, le=30)] = 3
    """Days simulated after the last day of demand, so late parcels can finish."""
    warm_up_days: Annotated[int, Field(ge=0, le=14)] = 2
    """Normal days simulated before ``first_day`` so the run starts with parcels in the
    network, as a real first day does; they are left out of the summary and the warnings."""
    storage_policy: StoragePolicy = StoragePolicy.block
    demand: DemandSettings = Field(default_factory=DemandSettings)
    volume_multipliers: list[VolumeMultiplier] = Field(default_factory=list)
    closures: list[Closure] = Field(default_factory=list)
    capacity_changes: list[CapacityChange] = Field(default_factory=list)
    lane_changes: list[LaneChange] = Field(default_factory=list)
    warnings: WarningThresholds = Field(default_factory=WarningThresholds)

    @property
    def hours(self) -> int:
        """Hours simulated: warm-up, demand days and drain days."""
        return (self.warm_up_days + self.days + self.drain_days) * 24

    @property
    def warm_up_hours(self) -> int:
        return self.warm_up_days * 24

    @property
    def start(self) -> datetime:
        """Hour 0: the start of the warm-up (00:00, China time)."""
        return datetime.combine(self.first_day - timedelta(days=self.warm_up_days), time())

    def hour_of(self, moment: datetime) -> int:
        """Hours from the scenario's start, rounded down, clipped to [0, hours]."""
        offset = (moment.replace(tzinfo=None) - self.start) / timedelta(hours=1)
        return max(0, min(self.hours, int(offset // 1)))

    def moment(self, hour: int) -> datetime:
        return self.start + timedelta(hours=hour)
