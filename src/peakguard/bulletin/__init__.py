"""Service-quality bulletins (日监控、周分析、月通报): the period, the bulletin as data, and
:func:`~peakguard.bulletin.writing.write_bulletin` for its HTML, Excel and JSON.

:mod:`.periods` and :mod:`.assemble` use only the KPI engine and the domain; the writing
module is the edge that also uses the web and formats packages.
"""

from peakguard.bulletin.assemble import assemble_bulletin
from peakguard.bulletin.metrics import METRICS, Better, Metric, Unit, change, metric
from peakguard.bulletin.model import (
    ALL_CARRIERS,
    Bulletin,
    BulletinOptions,
    EmptyPeriodError,
    Figure,
    Headline,
    NodeBacklog,
    NodeDwell,
    NodeHandovers,
    PairRate,
    Ranking,
    RankingRow,
    Subject,
)
from peakguard.bulletin.periods import (
    Period,
    PeriodKind,
    day_period,
    month_period,
    parse_day,
    parse_month,
    parse_week,
    week_period,
)

__all__ = [
    "ALL_CARRIERS",
    "METRICS",
    "Better",
    "Bulletin",
    "BulletinOptions",
    "EmptyPeriodError",
    "Figure",
    "Headline",
    "Metric",
    "NodeBacklog",
    "NodeDwell",
    "NodeHandovers",
    "PairRate",
    "Period",
    "PeriodKind",
    "Ranking",
    "RankingRow",
    "Subject",
    "Unit",
    "assemble_bulletin",
    "change",
    "day_period",
    "metric",
    "month_period",
    "parse_day",
    "parse_month",
    "parse_week",
    "week_period",
]
