"""Canonical rows for ClinicalTrials.gov results tables, written once for both formats.

The v2 and legacy XML adapters find the same things under different names; they hand them over as the small
plain structures below (each value with its `loc`) and these functions decide the rows: which measurements
are counts and which are statistics, which denominator applies, how dispersion is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from trialguard.dataset import DatasetBuilder
from trialguard.ingest import ctgov_common as cc

# A record's provenance columns, the first three of every table: (trial_id, source_id, file).
Ids = tuple[str, str, str]


class Measurement(NamedTuple):  # a tuple (a plain one of the same six fields will do): records hold thousands
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


def add_measure(b: DatasetBuilder, m: Measure) -> None:
    """One counts or stats row per category x group of a baseline characteristic or outcome measure, into a
    record's builder (`DatasetBuilder(ids)`). These loops make most of a results record's rows: each row is
    one tuple of the columns after the ids, appended to its table."""
    param = cc.param_token(m.param)
    table = cc.measure_table(param, m.unit)
    percent = table == "counts" and param not in cc.COUNT_PARAMS and cc.is_percent_unit(m.unit)
    disp, ci_pct = cc.dispersion(m.dispersion)
    parse_int, parse_float = cc.int_of_text, cc.float_of_text  # the values are text or missing
    append = b.rows[table].append
    for cls in m.classes:
        denoms = cls.denoms or m.denoms
        if table == "counts":
            flags = cc.partition_flags(m.block, m.title, [c.title for c in m.classes],
                                       [cat.title for cat in cls.categories])
            # a group with a count not given ('NA') cannot be summed: its flags stay unknown
            unsummable = {gid for cat in cls.categories for _, gid, value, *_ in cat.measurements
                          if parse_int(value) is None}
            for cat in cls.categories:
                for loc, gid, value, *_ in cat.measurements:
                    denom_text = denoms.get(gid)
                    exhaustive, exclusive = (None, None) if gid in unsummable else flags
                    count, count_text, percent_text = (None, None, value) if percent else \
                        (parse_int(value), value, None)
                    # tuples of every column after the ids, in order (quote and time_frame last, unset):
                    # these loops make most rows of a record
                    append((loc, m.block, m.title, cls.title, cat.title, gid, count,
                            count_text, parse_int(denom_text), denom_text, percent_text, exhaustive, exclusive,
                            None, None))
        else:
            for cat in cls.categories:
                for loc, gid, value, spread, lower, upper in cat.measurements:
                    denom_text = denoms.get(gid)
                    append((loc, m.block, m.title, cls.title, cat.title, gid, param,
                            parse_float(value), value, disp, ci_pct, parse_float(spread), spread,
                            parse_float(lower), lower, parse_float(upper), upper, m.unit,
                            parse_int(denom_text), m.time_frame, None))  # quote unset


def add_groups(b: DatasetBuilder, block: str, groups: list[tuple[str, str, str | None, str | None]],
               denoms: dict[str, str] | None = None) -> None:
    """Result groups of one block, (loc, id, title, description), into a record's builder (rows without the
    ids). In the baseline block the group titled Total is marked, and the arm groups are its parts (the
    registry computes it as their sum)."""
    denoms = denoms or {}
    total = next((gid for _, gid, title, _ in groups if cc.is_total_group(title)), None) if block == "baseline" \
        else None
    append = b.rows["groups"].append
    for loc, gid, title, desc in groups:
        is_total = gid == total if block == "baseline" else None
        n_text = denoms.get(gid)
        # every column after the ids, in order: ..., n, n_text, parent, parts_exhaustive, is_total, quote (unset)
        append((loc, block, gid, title, desc, cc.int_of_text(n_text), n_text,
                total if total and gid != total else None, True if is_total else None, is_total, None))


def add_trial_source(b: DatasetBuilder, ids: Ids, loc: str, title: str | None, dates: dict) -> None:
    """The registry entry as a source document, published when first posted."""
    nct = ids[0]
    b.add("sources", *ids, loc=loc, kind="registry", title=title, publisher=cc.PUBLISHER,
          published=dates.get("first_posted"), url=cc.study_url(nct))
