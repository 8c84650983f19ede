"""Canonical rows for ClinicalTrials.gov results tables, written once for both formats.

The v2 and legacy XML adapters find the same things under different names; they hand them over as the small
plain structures below (each value with its `loc`) and these functions decide the rows: which measurements
are counts and which are statistics, which denominator applies, how dispersion is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialguard.dataset import DatasetBuilder
from trialguard.ingest import ctgov_common as cc


@dataclass
class Measurement:
    loc: str
    group_id: str
    value: str | None
    spread: str | None = None
    lower: str | None = None
    upper: str | None = None


@dataclass
class Category:
    title: str | None
    measurements: list[Measurement] = field(default_factory=list)


@dataclass
class MeasureClass:
    title: str | None
    denoms: dict[str, str]  # group id -> N analyzed in this class, as written (empty: use the measure's)
    categories: list[Category] = field(default_factory=list)


@dataclass
class Measure:
    block: str  # baseline or outcome/<i>
    title: str | None
    param: str | None  # as written: COUNT_OF_PARTICIPANTS, 'Count of Participants', MEAN, 'Mean', ...
    dispersion: str | None
    unit: str | None
    time_frame: str | None
    denoms: dict[str, str]  # group id -> N analyzed (measure level, or the baseline module's)
    classes: list[MeasureClass] = field(default_factory=list)


def add_measure(b: DatasetBuilder, ids: dict, m: Measure) -> None:
    """One counts or stats row per category x group of a baseline characteristic or outcome measure."""
    param = cc.param_token(m.param)
    table = cc.measure_table(param, m.unit)
    percent = table == "counts" and param not in cc.COUNT_PARAMS and cc.is_percent_unit(m.unit)
    disp, ci_pct = cc.dispersion(m.dispersion)
    for cls in m.classes:
        denoms = cls.denoms or m.denoms
        flags = (None, None)
        if table == "counts":
            flags = cc.partition_flags(m.block, m.title, [c.title for c in m.classes],
                                       [cat.title for cat in cls.categories])
            # a group with a count not given ('NA') cannot be summed: its flags stay unknown
            unsummable = {x.group_id for cat in cls.categories for x in cat.measurements
                          if cc.parse_int(x.value) is None}
        for cat in cls.categories:
            for x in cat.measurements:
                denom_text = denoms.get(x.group_id)
                exhaustive, exclusive = (None, None) if table != "counts" or x.group_id in unsummable else flags
                common = dict(ids, loc=x.loc, block=m.block, measure=m.title, class_title=cls.title,
                              category=cat.title, group_id=x.group_id)
                if table == "counts":
                    b.add("counts", **common,
                          count=None if percent else cc.parse_int(x.value),
                          count_text=None if percent else x.value,
                          percent_text=x.value if percent else None,
                          denom=cc.parse_int(denom_text), denom_text=denom_text,
                          exhaustive=exhaustive, exclusive=exclusive)
                else:
                    b.add("stats", **common, param=param, value=cc.parse_float(x.value), value_text=x.value,
                          dispersion=disp, ci_pct=ci_pct,
                          spread=cc.parse_float(x.spread), spread_text=x.spread,
                          lower=cc.parse_float(x.lower), lower_text=x.lower,
                          upper=cc.parse_float(x.upper), upper_text=x.upper,
                          unit=m.unit, n=cc.parse_int(denom_text), time_frame=m.time_frame)


def add_groups(b: DatasetBuilder, ids: dict, block: str, groups: list[tuple[str, str, str | None, str | None]],
               denoms: dict[str, str] | None = None) -> None:
    """Result groups of one block: (loc, id, title, description). In the baseline block the group titled
    Total is marked, and the arm groups are its parts (the registry computes it as their sum)."""
    denoms = denoms or {}
    total = next((gid for _, gid, title, _ in groups if cc.is_total_group(title)), None) if block == "baseline" \
        else None
    for loc, gid, title, desc in groups:
        is_total = gid == total if block == "baseline" else None
        b.add("groups", **ids, loc=loc, block=block, group_id=gid, title=title, description=desc,
              n=cc.parse_int(denoms.get(gid)), n_text=denoms.get(gid),
              parent=total if total and gid != total else None,
              parts_exhaustive=True if is_total else None, is_total=is_total)


def add_trial_source(b: DatasetBuilder, ids: dict, loc: str, title: str | None, dates: dict) -> None:
    """The registry entry as a source document, published when first posted."""
    nct = ids["trial_id"]
    b.add("sources", **ids, loc=loc, kind="registry", title=title, publisher=cc.PUBLISHER,
          published=dates.get("first_posted"), url=cc.study_url(nct))
