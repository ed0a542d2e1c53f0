"""The monthly appeals bulletin in the State Post Bureau's form (国家邮政局关于某月邮政业用户申诉
情况的通告): per carrier the appeals received, the valid ones, valid appeals per million parcels,
the change against the previous period (环比) and the ranking, lowest rate first; the national
totals; the appeals by problem category.

Definitions (DOMAIN.md): an appeal is *valid* (有效申诉) when the carrier bears service-quality
responsibility; a rate is appeals ÷ business volume × 10⁶ (百万分之X). The ratio is the KPI
engine's (:func:`peakguard.analytics.complaints.complaint_rates`), run here on an in-process
DuckDB over the case records, so the bulletin and the service-quality bulletin's complaint metric
are one definition.

:func:`national_rate` and :func:`reproduces` recompute a published national rate from published
counts and volume (the reference data's check, ``tests/unit/test_complaint_reference.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import ibis
import pyarrow as pa

from peakguard.analytics.complaints import PER_MILLION, complaint_rates
from peakguard.bulletin.metrics import Unit, change
from peakguard.bulletin.periods import Period
from peakguard.domain.scans import CHINA_STANDARD_TIME
from peakguard.errors import InvalidInputError, Problem
from peakguard.i18n import _

APPEAL_COLUMNS = ("carrier", "received", "valid", "category")
"""What an appeal record carries: ``received`` is the day (or tz-aware moment, read in China
time) the administration received it; ``valid`` is True, False or None (no finding yet: not
valid); ``category`` is optional (missing: ``other``)."""
VOLUME_COLUMNS = ("carrier", "period", "parcels")
"""What a volume record carries: ``period`` is a period label (``2026-11``) or a Period."""
UNCATEGORISED = "other"

_CURRENT, _PREVIOUS = "current", "previous"


@dataclass(frozen=True)
class AppealCounts:
    """One group's appeals in one period and its rates per million parcels (None without
    volume: a rate needs a volume)."""

    parcels: int
    appeals: int
    valid_appeals: int
    appeals_per_million: float | None
    valid_per_million: float | None


NO_APPEALS = AppealCounts(0, 0, 0, None, None)


@dataclass(frozen=True)
class CarrierAppeals:
    """A carrier's line of the bulletin."""

    carrier: str
    current: AppealCounts
    previous: AppealCounts
    rank: int | None
    """1 = the lowest valid-appeal rate; equal rates share a rank (1, 2, 2, 4); None without
    volume (listed last)."""
    previous_rank: int | None
    above_national: bool | None
    """The valid-appeal rate is above the national one (高于全国平均); None without a rate."""

    @property
    def change(self) -> float | None:
        """Valid appeals per million: this period − the previous one (per million)."""
        return change(
            Unit.per_million, self.current.valid_per_million, self.previous.valid_per_million
        )

    @property
    def appeals_change(self) -> float | None:
        """Appeals received, relative to the previous period (0.1 = +10 %); None from zero."""
        return change(Unit.count, self.current.appeals, self.previous.appeals)


@dataclass(frozen=True)
class CategoryAppeals:
    """The appeals of one problem category, nationally."""

    category: str
    appeals: int
    appeals_share: float | None
    """Of all appeals received (0–1)."""
    valid_appeals: int
    valid_share: float | None
    """Of all valid appeals (0–1)."""
    valid_per_million: float | None
    """Valid appeals of the category per million parcels of every carrier."""
    previous_valid_appeals: int
    previous_valid_per_million: float | None

    @property
    def change(self) -> float | None:
        return change(Unit.per_million, self.valid_per_million, self.previous_valid_per_million)


@dataclass(frozen=True)
class AppealsBulletin:
    period: Period
    previous: Period
    national: AppealCounts
    """Every carrier together (carriers without volume included: their appeals count)."""
    previous_national: AppealCounts
    carriers: tuple[CarrierAppeals, ...]
    """In rank order; equal ranks by carrier code; carriers without a rate last."""
    categories: tuple[CategoryAppeals, ...]
    """Most valid appeals first (then most appeals, then the category)."""

    @property
    def change(self) -> float | None:
        """The national valid-appeal rate against the previous period (per million)."""
        return change(
            Unit.per_million,
            self.national.valid_per_million,
            self.previous_national.valid_per_million,
        )

    @property
    def above_national(self) -> tuple[str, ...]:
        """The carriers whose valid-appeal rate is above the national one."""
        return tuple(row.carrier for row in self.carriers if row.above_national)

    def carrier(self, code: str) -> CarrierAppeals:
        for row in self.carriers:
            if row.carrier == code:
                return row
        raise KeyError(code)

    def category(self, name: str) -> CategoryAppeals:
        for row in self.categories:
            if row.category == name:
                return row
        raise KeyError(name)


# -- published national rates -------------------------------------------------------------------


def national_rate(count: int, parcels: int, *, decimals: int | None = 2) -> Decimal:
    """``count`` per million of ``parcels``, as the bulletins print it: rounded half up to
    ``decimals`` (None: unrounded, 28 significant digits). Refused for a volume of zero."""
    if parcels <= 0 or count < 0:
        raise ValueError(f"a rate needs a positive volume and a count ≥ 0: {count} / {parcels}")
    exact = Decimal(count) * Decimal(PER_MILLION) / Decimal(parcels)
    if decimals is None:
        return exact
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def reproduces(
    published: Decimal | float | str, count: int, parcels: int, *, rounding: int = 0
) -> bool:
    """Whether ``count`` and ``parcels`` give the ``published`` rate: equal after rounding half
    up to the published decimals. With ``rounding`` (the volume's own rounding, in parcels), also
    when some volume within ``parcels ± rounding`` gives it — the weaker test, for a published
    volume that is itself rounded."""
    value = Decimal(str(published))
    exponent = value.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) else 0
    if national_rate(count, parcels, decimals=decimals) == value:
        return True
    if rounding <= 0:
        return False
    half = Decimal(1).scaleb(-decimals) / 2
    highest = national_rate(count, max(parcels - rounding, 1), decimals=None)
    lowest = national_rate(count, parcels + rounding, decimals=None)
    return lowest < value + half and value - half <= highest


# -- the bulletin --------------------------------------------------------------------------------


def appeals_bulletin(
    cases: pa.Table | Sequence[Any],
    volume: pa.Table | Sequence[Any],
    *,
    period: Period,
    previous_period: Period | None = None,
) -> AppealsBulletin:
    """The appeals bulletin of ``period`` against ``previous_period`` (default: the period
    before). ``cases`` are the appeals (records or a table with :data:`APPEAL_COLUMNS`), counted
    in the period of their received day; ``volume`` the parcels per carrier and period
    (:data:`VOLUME_COLUMNS`; several rows of one carrier and period add up). A bad record is
    refused with every problem located (``cases[3].received``)."""
    previous = previous_period or period.previous()
    labels = {period.label: _CURRENT, previous.label: _PREVIOUS}
    appeals = _appeal_table(cases, period, previous)
    parcels = _volume_table(volume, labels, appeals)
    backend = ibis.duckdb.connect()
    appeal_rows = ibis.memtable(appeals)
    by_carrier = _counts(
        backend, complaint_rates(appeal_rows, ibis.memtable(parcels), ("carrier", "period"))
    )
    totals = _counts(backend, complaint_rates(appeal_rows, ibis.memtable(parcels), ("period",)))
    national = totals.get((_CURRENT,), NO_APPEALS)
    previous_national = totals.get((_PREVIOUS,), NO_APPEALS)
    categories = sorted({str(name) for name in appeals.column("category").to_pylist()})
    by_category = _counts(
        backend,
        complaint_rates(
            appeal_rows,
            ibis.memtable(_category_volume(categories, national, previous_national)),
            ("category", "period"),
        ),
    )
    return AppealsBulletin(
        period=period,
        previous=previous,
        national=national,
        previous_national=previous_national,
        carriers=_carrier_rows(by_carrier, national),
        categories=_category_rows(categories, by_category, national),
    )


def _counts(backend: Any, expression: Any) -> dict[tuple[str, ...], AppealCounts]:
    """The rates table by its grouping keys (every column but the figures, ``period`` last)."""
    figures = {"parcels", "complaints", "valid_complaints", "complaints_per_million"}
    figures.add("valid_complaints_per_million")
    found: dict[tuple[str, ...], AppealCounts] = {}
    for row in backend.to_pyarrow(expression).to_pylist():
        keys = tuple(str(row[name]) for name in row if name not in figures and name != "period")
        found[(*keys, str(row["period"]))] = AppealCounts(
            parcels=int(row["parcels"]),
            appeals=int(row["complaints"]),
            valid_appeals=int(row["valid_complaints"]),
            appeals_per_million=row["complaints_per_million"],
            valid_per_million=row["valid_complaints_per_million"],
        )
    return found


def _ranks(counts: Mapping[str, AppealCounts]) -> dict[str, int]:
    """Competition ranks, lowest valid rate first, compared exactly (as fractions)."""
    rates = {
        carrier: Fraction(item.valid_appeals, item.parcels)
        for carrier, item in counts.items()
        if item.parcels > 0
    }
    return {
        carrier: 1 + sum(other < rate for other in rates.values())
        for carrier, rate in rates.items()
    }


def _carrier_rows(
    by_carrier: Mapping[tuple[str, ...], AppealCounts], national: AppealCounts
) -> tuple[CarrierAppeals, ...]:
    carriers = sorted({carrier for carrier, _period in by_carrier})
    current = {code: by_carrier.get((code, _CURRENT), NO_APPEALS) for code in carriers}
    previous = {code: by_carrier.get((code, _PREVIOUS), NO_APPEALS) for code in carriers}
    ranks, previous_ranks = _ranks(current), _ranks(previous)
    national_rate_ = (
        Fraction(national.valid_appeals, national.parcels) if national.parcels > 0 else None
    )
    rows = []
    for code in carriers:
        item = current[code]
        above = None
        if item.parcels > 0 and national_rate_ is not None:
            above = Fraction(item.valid_appeals, item.parcels) > national_rate_
        rows.append(
            CarrierAppeals(
                code, item, previous[code], ranks.get(code), previous_ranks.get(code), above
            )
        )
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.carrier))
    return tuple(rows)


def _category_volume(
    categories: Iterable[str], national: AppealCounts, previous: AppealCounts
) -> pa.Table:
    """Every category's base is every carrier's volume of the period."""
    rows = [
        {"category": name, "period": label, "parcels": counts.parcels}
        for name in categories
        for label, counts in ((_CURRENT, national), (_PREVIOUS, previous))
    ]
    schema = pa.schema(
        [("category", pa.string()), ("period", pa.string()), ("parcels", pa.int64())]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _category_rows(
    categories: Sequence[str],
    by_category: Mapping[tuple[str, ...], AppealCounts],
    national: AppealCounts,
) -> tuple[CategoryAppeals, ...]:
    rows = []
    for name in categories:
        item = by_category.get((name, _CURRENT), NO_APPEALS)
        before = by_category.get((name, _PREVIOUS), NO_APPEALS)
        rows.append(
            CategoryAppeals(
                category=name,
                appeals=item.appeals,
                appeals_share=_share(item.appeals, national.appeals),
                valid_appeals=item.valid_appeals,
                valid_share=_share(item.valid_appeals, national.valid_appeals),
                valid_per_million=item.valid_per_million,
                previous_valid_appeals=before.valid_appeals,
                previous_valid_per_million=before.valid_per_million,
            )
        )
    rows.sort(key=lambda row: (-row.valid_appeals, -row.appeals, row.category))
    return tuple(rows)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- reading the inputs ------------------------------------------------------------------------


def _records(source: pa.Table | Sequence[Any]) -> list[Any]:
    return source.to_pylist() if isinstance(source, pa.Table) else list(source)


def _field(record: Any, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _day(value: Any) -> date | None:
    """A received day: a date, a tz-aware moment (its China day), or ISO text of either."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(CHINA_STANDARD_TIME).date()
        return value.date()
    return value if isinstance(value, date) else None


def _appeal_table(cases: pa.Table | Sequence[Any], period: Period, previous: Period) -> pa.Table:
    """The appeals of the two periods as ``carrier, period, valid, category``."""
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, record in enumerate(_records(cases)):
        where = f"cases[{index}]"
        carrier, valid = _field(record, "carrier"), _field(record, "valid")
        day = _day(_field(record, "received"))
        if not isinstance(carrier, str) or not carrier.strip():
            problems.append(Problem(f"{where}.carrier", _("Each appeal needs its carrier's code.")))
        if day is None:
            problems.append(
                Problem(f"{where}.received", _("The received day must be a date, like 2026-11-11."))
            )
        if valid is not None and not isinstance(valid, bool):
            message = _("Valid is true, false or empty (no finding yet), not {value}.", value=valid)
            problems.append(Problem(f"{where}.valid", message))
        if problems or day is None:
            continue
        label = _CURRENT if period.contains(day) else _PREVIOUS if previous.contains(day) else None
        if label is not None:
            category = _field(record, "category")
            rows.append(
                {
                    "carrier": str(carrier).strip(),
                    "period": label,
                    "valid": bool(valid),
                    "category": str(category) if category else UNCATEGORISED,
                }
            )
    if problems:
        raise InvalidInputError(_("Some appeals cannot be counted."), problems)
    schema = pa.schema(
        [
            ("carrier", pa.string()),
            ("period", pa.string()),
            ("valid", pa.bool_()),
            ("category", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _volume_table(
    volume: pa.Table | Sequence[Any], labels: Mapping[str, str], appeals: pa.Table
) -> pa.Table:
    """Parcels per carrier and period (``current``/``previous``); every carrier named anywhere
    gets a row in both periods (zero parcels when none was given), so no appeal drops out."""
    parcels: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    for index, record in enumerate(_records(volume)):
        where = f"volume[{index}]"
        carrier, amount = _field(record, "carrier"), _field(record, "parcels")
        named = _field(record, "period")
        label = named.label if isinstance(named, Period) else str(named or "").strip()
        if not isinstance(carrier, str) or not carrier.strip():
            problems.append(Problem(f"{where}.carrier", _("Each volume needs its carrier's code.")))
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            message = _("Parcels must be a whole number of 0 or more, not {value}.", value=amount)
            problems.append(Problem(f"{where}.parcels", message))
        if problems or label not in labels:
            continue
        key = (str(carrier).strip(), labels[label])
        parcels[key] = parcels.get(key, 0) + int(amount)
    if problems:
        raise InvalidInputError(_("Some volumes cannot be used."), problems)
    carriers = {carrier for carrier, _label in parcels} | set(appeals.column("carrier").to_pylist())
    rows = [
        {"carrier": carrier, "period": label, "parcels": parcels.get((carrier, label), 0)}
        for carrier in sorted(carriers)
        for label in (_CURRENT, _PREVIOUS)
    ]
    schema = pa.schema([("carrier", pa.string()), ("period", pa.string()), ("parcels", pa.int64())])
    return pa.Table.from_pylist(rows, schema=schema)
