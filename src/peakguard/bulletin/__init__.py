"""Service-quality bulletins (日监控、周分析、月通报): the period and the bulletin as data.

:mod:`.periods` and :mod:`.assemble` use only the KPI engine and the domain. The bulletin is
written out at the edge: its workbook and JSON by :mod:`peakguard.formats.bulletin_output`, its
page by :mod:`peakguard.web.bulletin_report`, all three by
:func:`peakguard.web.publish.write_bulletin`.
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
