"""How an order's goods leave their sources (产品发运, seed 004): the two dispatch modes.

Seed 004 names two modes. **模式一 源头直发**: sets finished at their source
(源头拼货完成的套餐产品、单品货物), enough of them (够量), go straight from the source
to the government's designated transfer station, where the controlled area's own vehicles
take them in. **模式二 汇集发运**: sets that involve several sources and must be combined
and packed (拼货和包装) go through a consolidation point (汇集点) in a neighbouring city.

The rule, per order, in this order (the first that applies decides):

1. goods from **more than one source** → consolidated (they are combined at the point);
2. a bundle the deployment lists as **packed at the point** (``packed_at_point``: its set is
   assembled from goods of several suppliers) → consolidated;
3. the sets **fill less than** ``minimum_load_share`` **of a vehicle** — by weight against
   ``vehicle_weight_kg`` or by volume against ``vehicle_volume_m3``, whichever fills more (the
   one that binds a real load) → consolidated (too little for a vehicle of its own: it rides
   with other orders' goods from the point);
4. otherwise → direct.

Weights and volumes come from the bundle catalogue passed in (``supply/bundles.toml``). The
knobs are :class:`DispatchRule`, the ``[dispatch]`` section of a settings file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import Message, _
from peakguard.parameters import FileParameters, parameters_from_document, settings_document
from peakguard.supply.model import Bundle, DispatchMode, OrderDemand

SECTION = "dispatch"
"""The settings file's section of the rule's knobs."""


@dataclass(frozen=True)
class DispatchRule(FileParameters):
    """The knobs of the dispatch rule; every default is local policy."""

    vehicle_weight_kg: float = 10_000.0
    """The payload of the vehicle a direct dispatch uses (a 9.6 m van carries about 10 t)."""
    vehicle_volume_m3: float = 45.0
    """Its load space."""
    minimum_load_share: float = 0.8
    """An order goes direct only when its sets fill at least this share of the vehicle (by
    weight or by volume, whichever fills more): 够量."""
    packed_at_point: tuple[str, ...] = ()
    """Bundle keys whose sets are combined from several suppliers' goods at the point."""

    def __post_init__(self) -> None:
        problems = list(_rule_problems(self))
        if problems:
            raise InvalidInputError(_("The dispatch rule has mistakes."), problems)

    @classmethod
    def from_toml(cls, path_or_text: Path | str) -> Self:
        """The ``[dispatch]`` section of a settings file (defaults where it is absent)."""
        document, name = settings_document(path_or_text)
        table = document.get(SECTION, {})
        if not isinstance(table, Mapping):
            message = _("must be a table: write [{section}] on a line of its own", section=SECTION)
            raise InvalidInputError(
                _("the settings in {source} have mistakes", source=name),
                [Problem(f"{name}: {SECTION}", message)],
            )
        return parameters_from_document(cls, table, source=f"{name}: [{SECTION}]")


def _rule_problems(rule: DispatchRule) -> Iterable[Problem]:
    for name in ("vehicle_weight_kg", "vehicle_volume_m3"):
        if not 0 < getattr(rule, name) <= 100_000:
            yield Problem(name, _("must be more than 0 and at most 100000"))
    if not 0 < rule.minimum_load_share <= 1:
        yield Problem("minimum_load_share", _("must be a share above 0 and at most 1, e.g. 0.8"))
    for index, key in enumerate(rule.packed_at_point):
        if not key.strip():
            yield Problem(f"packed_at_point[{index}]", _("is empty: write a bundle key"))


DEFAULT_RULE = DispatchRule()


@dataclass(frozen=True)
class DispatchDecision:
    """The mode chosen for one order, why (a sentence naming the figures), and the figures."""

    reference: str
    mode: DispatchMode
    reason: Message
    sources: tuple[str, ...]
    sets: int
    weight_kg: float
    volume_m3: float
    load_share: float
    """The share of a vehicle the sets fill (the larger of weight and volume)."""


def order_load(order: OrderDemand, bundles: Mapping[str, Bundle]) -> tuple[float, float]:
    """The order's weight (kg) and volume (m³); an unknown bundle is refused at its line."""
    problems = [
        Problem(
            f"{order.reference}: lines[{index}].bundle",
            _(
                "{bundle} is not in the bundle catalogue; the known ones are {known}",
                bundle=line.bundle,
                known=", ".join(sorted(bundles)),
            ),
        )
        for index, line in enumerate(order.lines)
        if line.bundle not in bundles
    ]
    if problems:
        raise InvalidInputError(_("The order names bundles the catalogue lacks."), problems)
    weight = sum(line.quantity * bundles[line.bundle].weight_kg for line in order.lines)
    volume = sum(line.quantity * bundles[line.bundle].volume_m3 for line in order.lines)
    return weight, volume


def choose_dispatch(
    order: OrderDemand, bundles: Mapping[str, Bundle], rule: DispatchRule = DEFAULT_RULE
) -> DispatchDecision:
    """The dispatch mode of ``order`` by the module's rule, with the reason in words."""
    weight, volume = order_load(order, bundles)
    share = max(weight / rule.vehicle_weight_kg, volume / rule.vehicle_volume_m3)
    sources = tuple(sorted(order.sources))
    packed = sorted({line.bundle for line in order.lines} & set(rule.packed_at_point))
    figures = {
        "sets": order.sets,
        "weight": f"{weight:,.0f}",
        "volume": f"{volume:,.1f}",
        "share": f"{share:.0%}",
        "minimum": f"{rule.minimum_load_share:.0%}",
    }
    mode = DispatchMode.consolidated
    if len(sources) > 1:
        reason = _(
            "{count} sources ({sources}): their goods are combined at the consolidation point",
            count=len(sources),
            sources=", ".join(sources),
        )
    elif packed:
        reason = _(
            "{bundles} are sets packed at the consolidation point from several suppliers' goods",
            bundles=", ".join(packed),
        )
    elif share < rule.minimum_load_share:
        reason = _(
            "{sets} sets weigh {weight} kg and take {volume} m³, {share} of a vehicle, below the "
            "{minimum} a direct vehicle needs: they ride with other goods from the point",
            **figures,
        )
    else:
        mode = DispatchMode.direct
        reason = _(
            "one source ({source}) and {sets} sets weighing {weight} kg, {volume} m³, fill "
            "{share} of a vehicle (at least {minimum}): straight from the source to the "
            "transfer station",
            source=sources[0] if sources else "-",
            **figures,
        )
    return DispatchDecision(
        order.reference, mode, reason, sources, order.sets, weight, volume, share
    )
