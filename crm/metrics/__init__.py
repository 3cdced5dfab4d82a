"""The governed metrics layer: metrics and dimensions declared as data, one engine compiling queries over the store.

`run_query(session, MetricQuery(...), caller_of(session, actor), as_of=...)` answers; see README.md here."""
from crm.metrics.catalog import Catalog, Dimension, Metric, UnknownMetric, default_catalog
from crm.metrics.engine import MetricResult, compile_sql, run_query
from crm.metrics.periods import Period, PeriodSpec, resolve
from crm.metrics.query import MINE, AmountBound, MetricQuery, Threshold
from crm.metrics.scope import Caller, caller_of

__all__ = ["AmountBound", "Caller", "Catalog", "Dimension", "MINE", "Metric", "MetricQuery", "MetricResult", "Period", "PeriodSpec",
           "Threshold", "UnknownMetric", "caller_of", "compile_sql", "default_catalog", "resolve", "run_query"]
