"""Geometry of the claims timeline: priority claims and dated events per scope, contradictions as connectors.

A scope is a claim's (modality, targets, indication), e.g. CAR-T x CD19 x SLE. Its lane shows the claims made
in it (diamonds, at the date of the event they claim, else the claim's date) and the dated events that fall in
it (circles; a bar when the date is an interval). Each TG7xx finding on a claim is drawn as a connector from
that claim to the earlier event its evidence names (`other`), the picture that explains a "first" conflict.
Only numbers and strings come out of here; the template draws (and escapes) them.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

WIDTH = 960
LABEL_W = 210
RIGHT_PAD = 20
UNDATED_W = 84  # a gutter left of the time axis for claims and events without a readable date
LANE_H = 70
TOP = 34
MAX_LANES = 12
MAX_EVENTS = 60


def day(text) -> int | None:
    """An ISO date or partial date (YYYY, YYYY-MM, YYYY-MM-DD) as its first day's ordinal; None if unreadable."""
    if not isinstance(text, str) or not text:
        return None
    parts = text.strip()[:10].split("-")
    try:
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else 1
        d = int(parts[2]) if len(parts) > 2 else 1
        return date(y, m, d).toordinal()
    except (ValueError, IndexError):
        return None


def _s(v) -> str:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)


def _facets(row) -> tuple[str, str, str]:
    targets = " ".join(sorted(_s(row.get("targets")).lower().split()))
    return (_s(row.get("modality")).strip().lower(), targets, _s(row.get("indication")).strip().lower())


def scope_label(scope: tuple[str, str, str], display: dict) -> str:
    return " \u00d7 ".join(display.get(p, p) for p in scope if p) or "(no scope)"


def _in_scope(ev: tuple[str, str, str], scope: tuple[str, str, str]) -> bool:
    """An event is in a claim's scope when it matches every facet the claim names (targets: a superset)."""
    mod, tg, ind = scope
    emod, etg, eind = ev
    return ((not mod or mod == emod) and (not ind or ind == eind)
            and (not tg or set(tg.split()) <= set(etg.split())))


def layout(result) -> dict:
    ds, f = result.dataset, result.findings
    claims, events = ds.claims, ds.events
    if claims.empty:
        return {"lanes": [], "ticks": [], "marks": [], "connectors": [], "width": WIDTH, "height": 0,
                "label_w": LABEL_W, "undated_x": LABEL_W, "rows": [], "more_scopes": 0}
    tg7 = f[f["rule"].str.startswith("TG7")] if len(f) else f
    claim_rows = claims.astype(object).to_dict("records")
    event_rows = events.astype(object).to_dict("records")
    display: dict[str, str] = {}
    for row in claim_rows:
        for col, key in zip(("modality", "targets", "indication"), _facets(row)):
            if key:
                display.setdefault(key, _s(row[col]).strip())

    scopes: dict[tuple, list[dict]] = {}
    for row in claim_rows:
        scopes.setdefault(_facets(row), []).append(row)
    lanes_keys = sorted(scopes, key=lambda k: (-len(scopes[k]), not any(k), k))[:MAX_LANES]

    by_claim = {}
    for fr in tg7.to_dict("records"):
        by_claim.setdefault((_s(fr["source_id"]), _s(fr["loc"])), []).append(fr)

    items, connectors, table = [], [], []
    for lane, key in enumerate(lanes_keys):
        lane_claims = sorted(scopes[key], key=lambda r: (_s(r["claim_date"]), _s(r["source_id"]), _s(r["loc"])))
        referenced = set()
        for c in lane_claims:
            for fr in by_claim.get((_s(c["source_id"]), _s(c["loc"])), []):
                other = (fr.get("evidence") or {}).get("other") or {}
                referenced.add((_s(other.get("source_id")), _s(other.get("loc"))))
        lane_events = [e for e in event_rows
                       if (_s(e["source_id"]), _s(e["loc"])) in referenced or _in_scope(_facets(e), key)]
        lane_events.sort(key=lambda e: ((_s(e["source_id"]), _s(e["loc"])) not in referenced,
                                        _s(e["date_lo"]), _s(e["source_id"]), _s(e["loc"])))
        lane_events = sorted(lane_events[:MAX_EVENTS], key=lambda e: (_s(e["date_lo"]), _s(e["source_id"]),
                                                                      _s(e["loc"])))
        for c in lane_claims:
            lo = day(_s(c["event_date_lo"])) or day(_s(c["claim_date"]))
            hi = day(_s(c["event_date_hi"])) or lo
            items.append({"lane": lane, "kind": "claim", "lo": lo, "hi": hi, "said": day(_s(c["claim_date"])),
                          "key": (_s(c["source_id"]), _s(c["loc"])), "row": c})
        for e in lane_events:
            lo = day(_s(e["date_lo"])) or day(_s(e["date_text"]))
            hi = day(_s(e["date_hi"])) or lo
            items.append({"lane": lane, "kind": "event", "lo": lo, "hi": hi, "said": None,
                          "key": (_s(e["source_id"]), _s(e["loc"])), "row": e})
        for c in lane_claims:
            for fr in by_claim.get((_s(c["source_id"]), _s(c["loc"])), []):
                ev = fr.get("evidence") or {}
                other = ev.get("other") or {}
                connectors.append({"lane": lane, "claim": (_s(c["source_id"]), _s(c["loc"])),
                                   "event": (_s(other.get("source_id")), _s(other.get("loc"))),
                                   "date": day(_s(other.get("date"))), "rule": _s(fr["rule"]),
                                   "message": _s(fr["message"]), "other_source": _s(other.get("source_id"))})

    days = [d for it in items for d in (it["lo"], it["hi"], it["said"]) if d]
    days += [c["date"] for c in connectors if c["date"]]
    if not days:
        days = [date(2000, 1, 1).toordinal()]
    first, last = date.fromordinal(min(days)).year, date.fromordinal(max(days)).year + 1
    d0, d1 = date(first, 1, 1).toordinal(), date(last, 1, 1).toordinal()
    axis = LABEL_W + UNDATED_W
    span = WIDTH - axis - RIGHT_PAD

    def x(d: int | None) -> float:
        return round(axis + span * (d - d0) / (d1 - d0), 1) if d else LABEL_W + 28

    step = max(1, (last - first + 9) // 10)
    ticks = [{"x": x(date(y, 1, 1).toordinal()), "label": str(y)} for y in range(first, last + 1, step)]
    if any(it["lo"] is None for it in items):
        ticks.insert(0, {"x": x(None), "label": "undated"})

    lanes = [{"y": TOP + i * LANE_H, "label": scope_label(k, display), "mid": TOP + i * LANE_H + LANE_H // 2}
             for i, k in enumerate(lanes_keys)]
    pos: dict[tuple, tuple[float, float]] = {}
    marks = []
    for it in items:
        y0 = lanes[it["lane"]]["y"]
        y = y0 + (22 if it["kind"] == "claim" else 50)
        x0, x1 = x(it["lo"]), x(it["hi"])
        row = it["row"]
        undated = it["lo"] is None
        when = _s(row.get("event_date_lo") if it["kind"] == "claim" else row.get("date_text")) or \
            _s(row.get("claim_date") if it["kind"] == "claim" else row.get("date_lo"))
        what = _s(row.get("kind")) + " claim" if it["kind"] == "claim" else _s(row.get("event_type"))
        mark = {"kind": it["kind"], "x": x0, "x1": x1, "y": y, "undated": undated,
                "said": x(it["said"]) if it["said"] else None,
                "title": f"{what} \u2014 {when or 'undated'} \u2014 {_s(row['source_id'])}: {_s(row.get('quote'))[:300]}"}
        marks.append(mark)
        pos.setdefault((it["lane"], it["kind"], it["key"]), (x0, y))
        table.append({"scope": lanes[it["lane"]]["label"], "kind": what, "date": when or "undated",
                      "trial": _s(row["trial_id"]), "source": _s(row["source_id"]), "quote": _s(row.get("quote")),
                      "hedged": bool(row.get("hedged")) if it["kind"] == "claim" and _s(row.get("hedged")) else False})
    drawn = []
    for c in connectors:
        a = pos.get((c["lane"], "claim", c["claim"]))
        b = pos.get((c["lane"], "event", c["event"]))
        if a is None:
            continue
        if b is None:
            if not c["date"]:
                continue
            b = (x(c["date"]), lanes[c["lane"]]["y"] + 50)
            marks.append({"kind": "other", "x": b[0], "x1": b[0], "y": b[1], "undated": False, "said": None,
                          "title": f"{c['other_source']} (earlier report named by {c['rule']})"})
        (ax, ay), (bx, by) = a, b
        drawn.append({"d": f"M{ax} {ay} C{ax} {ay + 18} {bx} {by - 18} {bx} {by}",
                      "title": f"{c['rule']}: {c['message']}"})
    return {"lanes": lanes, "ticks": ticks, "marks": marks, "connectors": drawn, "width": WIDTH,
            "height": TOP + len(lanes) * LANE_H + 10, "label_w": LABEL_W, "undated_x": x(None), "rows": table,
            "more_scopes": max(0, len(scopes) - MAX_LANES)}
