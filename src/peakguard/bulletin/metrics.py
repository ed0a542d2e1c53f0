"""The bulletin's headline metrics: what each is called, its unit, which direction is better,
its definition, and how its change against the previous period is expressed (环比: percentage
points for rates, hours for times, per million for per-million rates, a relative change for
parcel counts)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from peakguard.i18n import Message, _


class Unit(Enum):
    """How a figure reads and how its change is expressed."""

    count = "count"
    """Parcels; the change is relative (+12.5 %)."""
    share = "share"
    """A rate between 0 and 1; the change is in percentage points."""
    hours = "hours"
    """Mean hours; the change is in hours."""
    per_million = "per_million"
    """Per million parcels accepted; the change is per million."""


class Better(Enum):
    """Which direction of a figure is the better one."""

    higher = "higher"
    lower = "lower"


@dataclass(frozen=True)
class Metric:
    key: str
    label: Message
    unit: Unit
    better: Better | None
    note: Message


METRICS: tuple[Metric, ...] = (
    Metric(
        "accepted",
        _("Parcels accepted"),
        Unit.count,
        None,
        _("parcels accepted in the period (their first acceptance scan)"),
    ),
    Metric(
        "due_72h",
        _("Parcels past 72 hours"),
        Unit.count,
        None,
        _("accepted parcels whose 72 hours had run out by the cutoff: the base of the rates"),
    ),
    Metric(
        "rate_72h",
        _("72-hour delivery rate"),
        Unit.share,
        Better.higher,
        _("delivered within 72 hours of acceptance, of the parcels past 72 hours (72小时妥投率)"),
    ),
    Metric(
        "rate_48h",
        _("48-hour delivery rate"),
        Unit.share,
        Better.higher,
        _("delivered within 48 hours of acceptance, of the parcels past 48 hours"),
    ),
    Metric(
        "on_time_rate",
        _("On-time rate against the service standards"),
        Unit.share,
        Better.higher,
        _(
            "delivered within the service standard of the pair class (same city, same province, "
            "other province), of the parcels whose limit had run out; undelivered count as late"
        ),
    ),
    Metric(
        "mean_journey_hours",
        _("Full-journey time (hours)"),
        Unit.hours,
        Better.lower,
        _("mean hours from acceptance to delivery over the delivered parcels (全程时限)"),
    ),
    Metric(
        "mean_acceptance_hours",
        _("Acceptance leg (hours)"),
        Unit.hours,
        Better.lower,
        _("acceptance to the first departure"),
    ),
    Metric(
        "mean_outbound_hours",
        _("Outbound leg (hours)"),
        Unit.hours,
        Better.lower,
        _("first departure to the departure from the first hub"),
    ),
    Metric(
        "mean_transit_hours",
        _("Transit leg (hours)"),
        Unit.hours,
        Better.lower,
        _("departure from the first hub to the arrival at the last hub"),
    ),
    Metric(
        "mean_inbound_hours",
        _("Inbound leg (hours)"),
        Unit.hours,
        Better.lower,
        _("arrival at the last hub to the arrival at the delivering node"),
    ),
    Metric(
        "mean_delivery_hours",
        _("Delivery leg (hours)"),
        Unit.hours,
        Better.lower,
        _("arrival at the delivering node to delivery"),
    ),
    Metric(
        "information_loss_rate",
        _("Information-loss rate"),
        Unit.share,
        Better.lower,
        _(
            "parcels whose scan trail stopped or with a handover not matched in time, of the "
            "parcels accepted (local policy: no official formula exists)"
        ),
    ),
    Metric(
        "damaged_per_million",
        _("Damage per million"),
        Unit.per_million,
        Better.lower,
        _("parcels with a damage exception per million accepted"),
    ),
    Metric(
        "lost_per_million",
        _("Loss per million"),
        Unit.per_million,
        Better.lower,
        _("parcels with a loss exception per million accepted"),
    ),
    Metric(
        "locker_without_consent_per_million",
        _("Locker without consent per million"),
        Unit.per_million,
        Better.lower,
        _("parcels put in a locker without the addressee's consent per million accepted"),
    ),
    Metric(
        "all_three_share",
        _("Three-100 % compliance"),
        Unit.share,
        Better.higher,
        _("accepts with real-name registration, inspection and X-ray all recorded (三个100%)"),
    ),
    Metric(
        "complaints_per_million",
        _("Complaints per million"),
        Unit.per_million,
        Better.lower,
        _("complaints received in the period per million parcels accepted (申诉率)"),
    ),
    Metric(
        "valid_complaints_per_million",
        _("Valid complaints per million"),
        Unit.per_million,
        Better.lower,
        _("complaints the enterprise is responsible for, per million parcels (有效申诉率)"),
    ),
)
COMPLAINT_METRICS = ("complaints_per_million", "valid_complaints_per_million")


def metric(key: str) -> Metric:
    for item in METRICS:
        if item.key == key:
            return item
    raise KeyError(key)


def change(unit: Unit, current: float | None, previous: float | None) -> float | None:
    """The change against the previous period in the unit's terms :
    percentage points for shares, hours, per million, a relative change for counts."""
    if current is None or previous is None:
        return None
    if unit is Unit.share:
        return (current - previous) * 100.0
    if unit is Unit.count:
        return (current - previous) / previous if previous else None
    return current - previous
