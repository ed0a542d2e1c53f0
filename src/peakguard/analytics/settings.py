"""The KPI engine's knobs: the measurement cutoff, the time limits and the local policies.

Official figures (the 72- and 48-hour delivery rates, the service standards' time limits) sit
beside local policy (the handover tolerance, the hours after which a silent trail counts as
lost): ``docs/explanation/service-quality.md`` says which is which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from peakguard.domain.network import Network
from peakguard.domain.regions import PairClass
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _
from peakguard.parameters import FileParameters


@dataclass(frozen=True)
class ServiceStandard:
    """A time limit for a pair class, for one carrier or (``carrier=None``) for all."""

    pair_class: PairClass
    time_limit_hours: float
    carrier: str | None = None


DEFAULT_SERVICE_STANDARDS: tuple[ServiceStandard, ...] = (
    ServiceStandard(PairClass.same_city, 24.0),
    ServiceStandard(PairClass.same_province, 48.0),
    ServiceStandard(PairClass.other_province, 72.0),
)
"""The network model's default standards (same city 24 h, same province 48 h, other 72 h)."""


def standards_of(network: Network) -> tuple[ServiceStandard, ...]:
    """A network's own service standards, carrier-specific ones included."""
    return tuple(
        ServiceStandard(standard.pair_class, standard.time_limit_hours, standard.carrier)
        for standard in network.service_standards
    )


@dataclass(frozen=True)
class KpiSettings(FileParameters, section="kpi"):
    """Settings shared by every KPI; invalid values are refused with every mistake listed."""

    cutoff: datetime | None = None
    """The measurement moment, the as-of (aware). Events after it are ignored. ``None``: a
    bulletin measures its period as of the period's end plus ``maturity_hours`` (or now, if
    earlier); a KPI function called directly takes the latest event in the table."""
    delivery_limits_hours: tuple[float, ...] = (72.0, 48.0)
    """The published delivery rates: 72 h (72小时妥投率) and 48 h."""
    service_standards: tuple[ServiceStandard, ...] = DEFAULT_SERVICE_STANDARDS
    """Time limits by pair class for the on-time rate (a carrier's own wins over the general)."""
    default_transit_hours: float = 24.0
    """A lane's transit time when the lane table passed to the handover check lacks it."""
    handover_tolerance_hours: float = 6.0
    """Local policy: hours past the lane's transit time before a handover counts as unmatched."""
    stop_hours: float = 48.0
    """Local policy: an undelivered, unreturned parcel with no scan for this long before the
    cutoff has a trail that stopped (information loss)."""
    maturity_hours: float = 72.0
    """The maturity window: a period's figures are final as of its end plus this many hours
    (the 72-hour rate of its last parcels has run out); a bulletin's default as-of."""

    def __post_init__(self) -> None:
        problems = list(_check(self))
        if problems:
            raise InvalidInputError(_("The KPI settings have mistakes."), problems)

    def limit_columns(self) -> list[tuple[float, str]]:
        """Each delivery limit with the suffix of its columns: ``(72.0, "72h")``."""
        return [(hours, f"{hours:g}h".replace(".", "_")) for hours in self.delivery_limits_hours]


def _check(settings: KpiSettings) -> Iterable[Problem]:
    if settings.cutoff is not None and settings.cutoff.utcoffset() is None:
        yield Problem("cutoff", _("The cutoff needs a time zone, for example +08:00."))
    if not settings.delivery_limits_hours:
        yield Problem("delivery_limits_hours", _("Give at least one delivery time limit."))
    names = {
        "delivery_limits_hours": [*settings.delivery_limits_hours],
        "default_transit_hours": [settings.default_transit_hours],
        "stop_hours": [settings.stop_hours],
        "maturity_hours": [settings.maturity_hours],
    }
    for name, values in names.items():
        if any(not value > 0 for value in values):
            yield Problem(name, _("Hours must be greater than zero."))
    if not settings.handover_tolerance_hours >= 0:
        yield Problem("handover_tolerance_hours", _("Hours must not be negative."))
    seen: set[tuple[PairClass, str | None]] = set()
    for index, standard in enumerate(settings.service_standards):
        where = f"service_standards[{index}]"
        if not standard.time_limit_hours > 0:
            yield Problem(where, _("Hours must be greater than zero."))
        key = (PairClass(standard.pair_class), standard.carrier)
        if key in seen:
            yield Problem(where, _("This pair class and carrier already have a standard."))
        seen.add(key)
    general = {PairClass(s.pair_class) for s in settings.service_standards if s.carrier is None}
    for pair_class in PairClass:
        if pair_class not in general:
            yield Problem(
                "service_standards",
                _("No general standard for {pair_class}.", pair_class=pair_class.value),
            )
