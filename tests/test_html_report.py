"""The HTML report as bytes: content, escaping of hostile data, self-containment, determinism."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from report_data import HOSTILE, HOSTILE_FILE, hostile_result, sample_result
from trialguard.config import Config
from trialguard.dataset import Dataset
from trialguard.engine import RunResult
from trialguard.findings import empty_findings
from trialguard.reports import html, report_model, timeline, writers

WHEN = "2024-01-02T03:04:05+00:00"


class Page(HTMLParser):
    """Collects tags with their attributes, the text of each <script>, and all visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._in_script: dict | None = None
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self._in_style = tag == "style"
        if tag == "script":
            self._in_script = a
            self.scripts.append((a, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None
        self._in_style = False

    def handle_data(self, data):
        if self._in_script is not None:
            a, t = self.scripts[-1]
            self.scripts[-1] = (a, t + data)
        elif not self._in_style:
            self.text.append(data)

    def data(self) -> dict:
        (payload,) = [t for a, t in self.scripts if a.get("type") == "application/json"]
        return json.loads(payload)


def cell(col, i):
    """A value of a trial-view column, decoded as the page script does."""
    if isinstance(col, list):
        return col[i]
    return None if col["codes"][i] < 0 else col["dict"][col["codes"][i]]


def trial_entry(view: dict, trial: str) -> dict:
    """One trial of the embedded trial view: its facts, its dates (missing ones left out) and its rows."""
    i = view["ids"].index(trial)
    out = {k: cell(c, i) for k, c in view["facts"].items()}
    out["dates"] = [[name, cell(c, i)] for name, c in view["dates"] if cell(c, i) not in (None, "")]
    for part in ("sources", "groups", "events", "claims"):
        rows = [r for r, t in enumerate(view[part]["trial"]) if t == i]
        out[part] = [[cell(c, r) for _, c in view[part]["cols"]] for r in rows]
    return out


def render(result, when=WHEN) -> str:
    return html.render(result, when=when)


def test_writer_is_registered_and_writes_index_html(tmp_path):
    out = tmp_path / "reports"
    path = writers()["html"](sample_result(), out)
    assert path == (out / "index.html").resolve()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert [p.name for p in out.iterdir()] == ["index.html"]  # no temp file left behind


def test_header_shows_accounting_configuration_and_verdict():
    cfg = Config(select=("TG",), ignore=("TG9",), severity={"TG301": "warning"}, fail_on="error",
                 source="pyproject.toml[tool.trialguard]")
    page = Page(render(sample_result(cfg)))
    text = " ".join(" ".join(page.text).split())
    assert "read 4, checked 3, rejected 1" in text
    assert "FAIL 5 findings at or above error" in text  # the engine applies overrides; these rows were made as is
    assert "ignore TG9" in text and "fail-on error" in text and "TG301=warning" in text
    assert "from pyproject.toml[tool.trialguard]" in text
    assert re.search(r"trialguard 0\.1\.0, rule set [0-9a-f]{12} \(6 rules ran\)", text)
    assert "1 other file skipped" in text


def test_configuration_source_is_shown_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config(source=f"{tmp_path}/pyproject.toml[tool.trialguard]")
    assert report_model.header(sample_result(cfg))["config"]["source"] == "pyproject.toml[tool.trialguard]"


def test_verdict_and_counts_follow_the_findings():
    h = report_model.header(sample_result())
    assert h["by_severity"] == {"error": 5, "warning": 1, "info": 1}
    assert (h["verdict"], h["failing"]) == ("fail", 5)
    passing = report_model.header(sample_result(Config(fail_on="never")))
    assert (passing["verdict"], passing["failing"]) == ("pass", 0)


def test_rule_summary_one_row_per_rule_that_fired():
    rows = report_model.rule_summary(sample_result())
    assert [(r["code"], r["severity"], r["findings"], r["trials"]) for r in rows] == [
        ("TG001", "error", 1, 0), ("TG201", "error", 1, 1), ("TG301", "error", 3, 1),
        ("TG701", "warning", 1, 1), ("TG801", "info", 1, 1)]
    assert max(r["bar"] for r in rows) == 100.0 and rows[0]["bar"] == pytest.approx(33.3)


def test_findings_embedded_once_with_evidence_and_codes():
    result = sample_result()
    page = Page(render(result))
    d = page.data()
    assert len(d["f"]) == len(result.findings) == 7
    first = d["f"][0]
    assert d["rules"][first[1]] == ["TG001", "unreadable-file"] and d["sev"][first[0]] == "error"
    tg701 = [r for r in d["f"] if d["rules"][r[1]][0] == "TG701"][0]
    assert tg701[9]["other"]["source_id"] == "ctgov:NCT07654321"
    assert tg701[9]["facets"][0] == {"facet": "modality", "claim": "CAR-T", "event": "CAR-T", "relation": "equal"}
    assert [s[0] for s in trial_entry(d["trialView"], "NCT01234567")["sources"]] == [
        "ctgov:NCT01234567", "003_article"]  # dataset order


def test_rules_appendix_lists_every_rule_that_ran_with_rationale():
    cfg = Config(severity={"TG401": "error"})
    page = Page(render(sample_result(cfg)))
    ids = [a["id"] for t, a in page.tags if t == "article" and a.get("id", "").startswith("rule-")]
    assert ids == ["rule-TG001", "rule-TG201", "rule-TG301", "rule-TG401", "rule-TG701", "rule-TG801"]
    text = " ".join(page.text)
    assert "A claim to be first in scope S at date d is contradicted by any event in S dated before d." in text
    assert "median 12 (range 14-20)" in text
    tg401 = [a for a in report_model.appendix(sample_result(cfg)) if a["code"] == "TG401"][0]
    assert (tg401["effective"], tg401["severity"], tg401["fired"]) == ("error", "warning", 0)


def test_ingestion_section_lists_rejections_and_skipped_files():
    ing = report_model.ingestion(sample_result())
    assert ing["rows"] == [["TG001", "unreadable-file", "fixtures/bad/broken.json", "", "not UTF-8 text "]]
    assert ing["skipped"] == ["fixtures/README.md"]


def test_timeline_draws_contradiction_from_claim_to_earlier_event():
    tl = timeline.layout(sample_result())
    assert [l["label"] for l in tl["lanes"]] == ["CAR-T \u00d7 CD19 \u00d7 SLE"]
    claims = [m for m in tl["marks"] if m["kind"] == "claim"]
    events = sorted((m for m in tl["marks"] if m["kind"] == "event"), key=lambda m: m["x"])
    assert len(claims) == 1 and len(events) == 2
    assert events[0]["x"] < claims[0]["x"]  # the 2021-03 registry event lies before the claimed mid-2022 event
    (conn,) = tl["connectors"]
    assert conn["d"].startswith(f"M{claims[0]['x']} {claims[0]['y']} ")
    assert conn["d"].endswith(f" {events[0]['x']} {events[0]['y']}")
    assert conn["title"].startswith("TG701: 'first' claim contradicted")
    svg = render(sample_result())
    assert svg.count('class="conflict"') == 1


def test_family_chart_counts_by_family_and_severity():
    rows = {r["prefix"]: r for r in report_model.family_chart(sample_result())["rows"]}
    assert rows["TG3"]["segments"] == [("error", 3), ("warning", 0), ("info", 0)]
    assert rows["TG7"]["segments"] == [("error", 0), ("warning", 1), ("info", 0)]
    assert rows["TG3"]["end"] == 100.0 and rows["TG5"]["total"] == 0


def test_script_json_cannot_break_out_of_script():
    text = script_text = html.script_json({"a": HOSTILE, "<k>": ["</SCRIPT >", "<!--", "a\u2028b"]}).decode()
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in script_text
    assert json.loads(text) == {"a": HOSTILE, "<k>": ["</SCRIPT >", "<!--", "a\u2028b"]}


def test_hostile_strings_are_escaped_everywhere():
    text = render(hostile_result())
    page = Page(text)
    # Exactly our two scripts survive; no injected element or event handler exists.
    assert [a.get("type") for a, _ in page.scripts] == ["application/json", None]
    assert not [t for t, a in page.tags if t in ("img", "iframe", "object", "embed", "link", "base")]
    assert not [(t, k) for t, a in page.tags for k in a if k.startswith("on")]
    assert "alert(" not in "".join(t for a, t in page.scripts if a.get("type") is None)
    # The hostile strings are still shown, as text, and round-trip through the embedded JSON.
    assert HOSTILE in " ".join(page.text).replace("\n", " ") or HOSTILE.split(" \u2028")[0] in " ".join(page.text)
    d = page.data()
    assert trial_entry(d["trialView"], "NCT01234567")["title"] == HOSTILE
    assert HOSTILE_FILE in d["files"]
    assert any(HOSTILE in r[6] for r in d["f"])
    assert "\u2028" not in text.split('id="tg-data">', 1)[1]


def test_page_loads_nothing_and_links_only_to_clinicaltrials_gov():
    text = render(hostile_result())
    page = Page(text)
    for tag, a in page.tags:
        assert "src" not in a, (tag, a)
        if "href" in a:
            assert a["href"].startswith("#") or re.fullmatch(r"https://clinicaltrials\.gov/study/NCT\d{8}", a["href"])
    # No URL in the markup outside those links (the JSON may only contain https://clinicaltrials.gov too).
    urls = set(re.findall(r"https?://[^\s\"'<>]+", text))
    assert urls <= {"https://clinicaltrials.gov/study/NCT01234567", "https://clinicaltrials.gov/study/NCT07654321",
                    "https://clinicaltrials.gov/study/"}
    assert "file:" not in text


def test_csp_allows_exactly_the_inline_script():
    text = render(sample_result())
    page = Page(text)
    (csp,) = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    (script,) = [t for a, t in page.scripts if a.get("type") is None]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp


def test_two_renders_differ_only_in_the_generated_at_line():
    a = render(sample_result(), when="2024-01-01T00:00:00+00:00").splitlines()
    b = render(sample_result(), when="2025-06-30T12:00:00+00:00").splitlines()
    assert len(a) == len(b)
    diff = [(x, y) for x, y in zip(a, b) if x != y]
    assert len(diff) == 1 and "Generated" in diff[0][0] and "2025-06-30" in diff[0][1]


def test_same_bytes_with_source_date_epoch(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    one = html.write(sample_result(), tmp_path / "a").read_bytes()
    two = html.write(sample_result(), tmp_path / "b").read_bytes()
    assert one == two and b"2023-11-14T22:13:20+00:00" in one


def test_empty_run_renders_a_passing_report():
    result = RunResult(dataset=Dataset(), findings=empty_findings(), rules=[], config=Config())
    page = Page(render(result))
    text = " ".join(" ".join(page.text).split())
    assert "PASS nothing at or above error" in text
    assert "No rule fired." in text and "No priority claims in the data." in text
    assert page.data()["f"] == []


def test_baseline_shows_new_versus_known():
    result = sample_result()
    status = ["new" if r in ("TG201", "TG701") else "unchanged" for r in result.findings["rule"]]
    result.findings = result.findings.assign(baseline_status=status)
    result.baseline = {"file": "baseline.json", "new": 2, "unchanged": 5, "fixed": 1}
    page = Page(render(result))
    text = " ".join(" ".join(page.text).split())
    assert "2 new" in text and "5 unchanged" in text and "fixed: 1" in text
    assert "FAIL 1 finding at or above error (new since the baseline)" in text
    d = page.data()
    assert d["baseline"] is True and sorted(r[11] for r in d["f"]).count("new") == 2
    assert any(t == "select" and a.get("id") == "f-status" for t, a in page.tags)


def test_page_column_encodes_repeated_text_and_keeps_the_rest_plain():
    repeated = pd.Series(["b.json", "a.json", None, "b.json", "b.json", "a.json"], dtype="string[pyarrow]")
    assert report_model.page_column(repeated) == {"dict": ["a.json", "b.json"], "codes": [1, 0, -1, 1, 1, 0]}
    distinct = pd.Series(["x", "y", None], dtype="string[pyarrow]")
    assert report_model.page_column(distinct) == ["x", "y", None]
    assert report_model.page_column(pd.Series([3, None, 3, 3], dtype="Int64")) == [3, None, 3, 3]
    assert report_model.page_column(pd.Series([], dtype="string[pyarrow]")) == []


def test_trial_view_decodes_to_each_trials_facts_and_rows():
    result = sample_result()
    ds = result.dataset
    ds.claims = pd.concat([ds.claims, ds.claims.assign(trial_id="NCT09999999", quote="only claimed")],
                          ignore_index=True)
    ds.sources = pd.concat([ds.sources, ds.sources.iloc[[2]].assign(trial_id="", source_id="orphan")],
                           ignore_index=True)
    ds.trials = pd.concat([ds.trials, ds.trials.iloc[[0]].assign(title="a second row")], ignore_index=True)
    view = report_model.trial_view(result)
    assert view["ids"] == ["NCT01234567", "NCT07654321", "NCT09999999"]
    assert trial_entry(view, "NCT01234567") == {
        "title": "CAR-T cells for refractory lupus", "status": "COMPLETED", "phase": "PHASE1", "study_type": None,
        "enrollment": 12, "enrollment_type": "ACTUAL", "source_id": "ctgov:NCT01234567",
        "file": "fixtures/ctgov/NCT01234567.json", "dates": [["start", "2019-09"], ["start_type", "ACTUAL"]],
        "sources": [["ctgov:NCT01234567", "registry", "CAR-T cells for refractory lupus", None, None,
                     "fixtures/ctgov/NCT01234567.json"],
                    ["003_article", "news", "First CAR-T for lupus ", None, "2023-05-02",
                     "fixtures/seeds/003_article.txt"]],
        "groups": [["ctgov:NCT01234567", "flow", "FG000", "CAR-T ", "12", 12, None]],
        "events": [["003_article", "treated", "mid-2022", "2022-05-01", "2022-08-31",
                    "we treated our first patient in mid-2022"]],
        "claims": [["003_article", "first", "CAR-T", "CD19", "SLE", "2023-05-02",
                    "the world's first patient with lupus treated with CAR-T "]],
    }
    only_claimed = trial_entry(view, "NCT09999999")  # no registry record: no facts, its claim still shown
    assert {k: v for k, v in only_claimed.items() if v not in (None, [])} == {
        "claims": [["003_article", "first", "CAR-T", "CD19", "SLE", "2023-05-02", "only claimed"]]}
    assert "orphan" not in json.dumps(view)  # a row without a trial has no trial to be shown in


def test_findings_without_trial_or_with_missing_values_render():
    result = sample_result()
    f = result.findings.copy()
    f.loc[0, "evidence"] = None
    result.findings = f
    d = Page(render(result)).data()
    assert d["f"][0][9] == 0
    assert pd.isna(result.dataset.trials["results_first_posted"]).all()  # NA dates are simply left out
    assert ["start", "2019-09"] in trial_entry(d["trialView"], "NCT01234567")["dates"]


def test_cli_writes_the_report_with_ingestion_rejections(runner, tmp_path):
    from trialguard.cli import cli

    data = tmp_path / "in"
    data.mkdir()
    (data / "empty.json").write_bytes(b"")
    (data / "notes.md").write_text("not an input", encoding="utf-8")
    out = tmp_path / "out"
    res = runner.invoke(cli, ["validate", str(data), "--out", str(out), "--format", "html"])
    assert res.exit_code == 1, res.output
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    text = " ".join(" ".join(page.text).split())
    assert f"TG003 {data / 'empty.json'}" in text
    assert "1 file skipped (not an input format)" in text and str(data / "notes.md") in text


def test_timeline_tolerates_undated_and_unscoped_claims():
    from trialguard.dataset import frame

    result = sample_result()
    ds = result.dataset
    extra = frame("claims", [
        {"trial_id": "", "source_id": "x", "file": "x.txt", "loc": "chars:1-2", "kind": "only",
         "claim_date": "sometime", "quote": "the only one"},
        {"trial_id": "", "source_id": "y", "file": "y.txt", "loc": "chars:3-4", "kind": "first", "modality": "TCR-T",
         "claim_date": "2020", "quote": "first TCR-T"}])
    ds.tables["claims"] = pd.concat([ds.claims, extra], ignore_index=True)
    tl = timeline.layout(result)
    assert [l["label"] for l in tl["lanes"]] == ["CAR-T \u00d7 CD19 \u00d7 SLE", "TCR-T", "(no scope)"]
    undated = [m for m in tl["marks"] if m["undated"]]
    assert len(undated) == 1 and undated[0]["x"] == tl["undated_x"] < tl["ticks"][1]["x"]
    assert [t["label"] for t in tl["ticks"][:2]] == ["undated", "2020"]
    assert len(tl["connectors"]) == 1
    render(result)  # and the page still renders


def test_seed_claims_contradictions_are_drawn_to_their_events():
    """On the real seed fixtures, every TG7xx finding becomes a connector ending on an event of its lane."""
    from conftest import FIXTURES
    from trialguard import engine
    from trialguard.ingest import read_paths

    result = engine.validate(read_paths([str(FIXTURES / "seeds")]), Config())
    tg7 = result.findings[result.findings["rule"].str.startswith("TG7")]
    assert len(tg7) >= 1
    tl = timeline.layout(result)
    assert len(tl["connectors"]) == len(tg7)
    events = {(m["x"], m["y"]) for m in tl["marks"] if m["kind"] == "event"}
    for c in tl["connectors"]:
        end = c["d"].rsplit(" ", 2)[1:]
        assert (float(end[0]), int(end[1])) in events
    assert render(result).count('class="conflict"') == len(tg7)
