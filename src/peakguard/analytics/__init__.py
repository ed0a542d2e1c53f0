"""KPIs over scan events, written once with Ibis and run on DuckDB or Apache Spark.

Each KPI is a pure function from Ibis tables to an Ibis table; :mod:`.engines` binds the
events to a backend and runs them. Definitions and sources: ``docs/explanation/service-quality.md``.
"""

from peakguard.analytics.complaints import complaint_rates, parcel_volume
from peakguard.analytics.delivery import (
    LEGS,
    delivery_rates,
    journey_times,
    on_time_rates,
    parcel_legs,
)
from peakguard.analytics.engines import Engine, duckdb_engine, spark_engine, standard_kpis
from peakguard.analytics.handovers import (
    handover_reconciliation,
    handovers,
    information_loss,
    stopped_trails,
    unmatched_handovers,
)
from peakguard.analytics.nodes import node_dwell, node_hours, node_stays
from peakguard.analytics.parcels import PARCEL_DIMENSIONS, parcel_facts
from peakguard.analytics.quality import exception_rates
from peakguard.analytics.security import security_compliance
from peakguard.analytics.settings import (
    DEFAULT_SERVICE_STANDARDS,
    KpiSettings,
    ServiceStandard,
    standards_of,
)

__all__ = [
    "DEFAULT_SERVICE_STANDARDS",
    "LEGS",
    "PARCEL_DIMENSIONS",
    "Engine",
    "KpiSettings",
    "ServiceStandard",
    "complaint_rates",
    "delivery_rates",
    "duckdb_engine",
    "exception_rates",
    "handover_reconciliation",
    "handovers",
    "information_loss",
    "journey_times",
    "node_dwell",
    "node_hours",
    "node_stays",
    "on_time_rates",
    "parcel_facts",
    "parcel_legs",
    "parcel_volume",
    "security_compliance",
    "spark_engine",
    "standard_kpis",
    "standards_of",
    "stopped_trails",
    "unmatched_handovers",
]
