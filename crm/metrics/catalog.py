"""The metric catalog: metrics, dimensions and sources declared as YAML beside this file, loaded once."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from crm.data_files import read_yaml

HERE = Path(__file__).parent
AGGREGATES = ("sum", "count", "avg", "median", "count_distinct")
UNITS = ("money", "count", "ratio", "days")
TIME_GRAINS = ("week", "month", "quarter", "year")


class UnknownMetric(ValueError):
    """No metric of that name is declared; the message lists the ones that are."""


@dataclass(frozen=True, eq=False)  # one object per name: identity is equality
class Metric:
    name: str
    label: dict[str, str]
    synonyms: dict[str, list[str]]
    definition: dict[str, str]
    unit: str
    source: str
    roles: tuple[str, ...]
    time: str | None = None
    measure: dict | None = None
    where: tuple[dict, ...] = ()
    ratio: dict | None = None
    better: str = "higher"
    # "stage_history": also measurable as of a past day, the deals open then and their stages then read from the
    # deals' stage history (pipeline at the end of last quarter), not only by the time field
    as_of: str | None = None

    @property
    def additive(self) -> bool:
        """Sums and counts add up over groups, so a group's share of the total means something."""
        return self.measure is not None and self.measure["agg"] in ("sum", "count")

    def name_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]


@dataclass(frozen=True, eq=False)
class Dimension:
    name: str
    label: dict[str, str]
    synonyms: dict[str, list[str]]
    key: str | None = None  # "table.column" that filters match
    label_column: str | None = None  # "table.column" shown when grouping, if not the key
    time: str | None = None  # week / month / quarter / year: buckets the metric's time field
    values: dict[str, dict] = field(default_factory=dict)
    # a record's history, filtered only: {column: the history's column naming the record, of: the record's id}; a
    # record counts when any of its history rows matches ("deals that reached proposal": any stage change to it)
    through: dict[str, str] | None = None

    @property
    def tables(self) -> set[str]:
        if self.through:  # filtered through the record's history: the record's own table is what is reached
            return {self.through["of"].split(".")[0]}
        return {c.split(".")[0] for c in (self.key, self.label_column) if c}

    def value_label(self, value: str, language: str) -> str:
        named = self.values.get(value)
        return named.get(language, value) if named else value


@dataclass(frozen=True)
class Source:
    name: str
    table: str
    unit: str
    joins: dict[str, dict]
    person: str | None = None
    ahead: tuple[str, ...] = ()  # time fields holding dates still to come (an expected close, a due date)
    amount: str | None = None  # the column a bound on a record's own amount reads ("deals over 500K")

    @property
    def tables(self) -> set[str]:
        return {self.table, *self.joins}


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, Metric]
    dimensions: dict[str, Dimension]
    sources: dict[str, Source]

    def metric(self, name: str) -> Metric:
        if name not in self.metrics:
            raise UnknownMetric(f"there is no metric '{name}'; the metrics are: {', '.join(sorted(self.metrics))}")
        return self.metrics[name]

    def dimension(self, name: str) -> Dimension:
        if name not in self.dimensions:
            raise ValueError(f"there is no dimension '{name}'; the dimensions are: {', '.join(self.dimensions)}")
        return self.dimensions[name]

    def base_metrics(self, metric: Metric) -> list[Metric]:
        """The measured metrics a metric needs: itself, or a ratio's numerator and denominator."""
        if metric.ratio is None:
            return [metric]
        return [self.metric(metric.ratio["numerator"]), self.metric(metric.ratio["denominator"])]

    def supports(self, metric: Metric, dimension: Dimension) -> bool:
        source = self.sources[metric.source]
        if dimension.time:
            return metric.time is not None
        return dimension.tables <= source.tables

    def dated_ahead(self, metric: Metric) -> bool:
        """Whether the metric is dated by a day still to come (pipeline by expected close): its periods ahead of
        today hold real figures, where a metric dated by what happened has nothing there yet."""
        return metric.time is not None and metric.time in self.sources[metric.source].ahead


def _load_yaml(path: Path) -> dict:
    return read_yaml(path) or {}


@cache
def default_catalog() -> Catalog:
    return load_catalog(HERE)


def load_catalog(folder: Path) -> Catalog:
    """Read sources.yaml, dimensions.yaml and definitions/*.yaml; check every metric is well formed."""
    sources = {name: Source(name=name, table=s["table"], unit=s["unit"], joins=s.get("joins", {}),
                            person=s.get("person"), ahead=tuple(s.get("ahead", ())),
                            amount=s.get("amount")) for name, s in _load_yaml(folder / "sources.yaml").items()}
    dimensions = {name: Dimension(name=name, label=d["label"], synonyms=d.get("synonyms", {}), key=d.get("key"),
                                  label_column=d.get("label_column"), time=d.get("time"), values=d.get("values", {}),
                                  through=d.get("through"))
                  for name, d in _load_yaml(folder / "dimensions.yaml").items()}
    metrics = {}
    for path in sorted((folder / "definitions").glob("*.yaml")):
        m = _load_yaml(path)
        metrics[m["name"]] = Metric(name=m["name"], label=m["label"], synonyms=m.get("synonyms", {}),
                                    definition=m["definition"], unit=m["unit"], source=m["source"],
                                    roles=tuple(m.get("roles", ())), time=m.get("time"), measure=m.get("measure"),
                                    where=tuple(m.get("where", ())), ratio=m.get("ratio"),
                                    better=m.get("better", "higher"), as_of=m.get("as_of"))
    catalog = Catalog(metrics, dimensions, sources)
    for metric in metrics.values():
        _check(catalog, metric)
    return catalog


def _check(catalog: Catalog, m: Metric) -> None:
    where = f"metric '{m.name}'"
    if m.source not in catalog.sources:
        raise ValueError(f"{where}: unknown source '{m.source}'")
    if m.unit not in UNITS:
        raise ValueError(f"{where}: unit must be one of {UNITS}")
    if (m.measure is None) == (m.ratio is None):
        raise ValueError(f"{where}: declare exactly one of measure or ratio")
    if m.measure is not None and m.measure["agg"] not in AGGREGATES:
        raise ValueError(f"{where}: aggregate must be one of {AGGREGATES}")
    if m.as_of is not None and (m.as_of != "stage_history" or m.source != "deals"):
        raise ValueError(f"{where}: as_of is 'stage_history', for metrics of deals")
    for part in catalog.base_metrics(m) if m.ratio else ():
        if part.source != m.source or part.ratio is not None:
            raise ValueError(f"{where}: a ratio's parts must be measured metrics of the same source")
