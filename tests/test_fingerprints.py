"""Fingerprints identify a finding, not where its record happens to sit: they survive reordering, renaming,
re-indenting and reformatting files and edits to unrelated records, and change when the offending value does."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from gate_support import gate_rules  # noqa: F401  (fixture)

from trialguard import engine
from trialguard.config import Config
from trialguard.findings import fingerprint, stable_loc
from trialguard.ingest import read_paths

CTGOV = Path(__file__).resolve().parent.parent / "fixtures" / "gate" / "ctgov"
CONFIG = Config(select=("TG99",))


def study(nct: str, prefix: str = "") -> dict:
    doc = json.loads((CTGOV / f"{nct}.json").read_text(encoding="utf-8"))
    doc["protocolSection"]["identificationModule"]["briefTitle"] = prefix + \
        doc["protocolSection"]["identificationModule"]["briefTitle"]
    return doc


BAD = study("NCT00573209", "[BAD] ")
OTHERS = [study("NCT06361927"), study("NCT05032404")]
YAML_BLOCK = "source:\n  id: beta\n  kind: blog\n  title: A blog post\n"
YAML_FLOW = "# reformatted\nsource: {kind: blog,\n    title: \"A blog post\", id: beta}\n"


def found(folder: Path) -> dict[tuple[str, str], str]:
    """(rule, record id) -> fingerprint of every finding under `folder`."""
    f = engine.validate(read_paths([str(folder)]), CONFIG).findings
    return {(r, t or s): fp for r, t, s, fp in zip(f["rule"], f["trial_id"], f["source_id"], f["fingerprint"])}


def layout(tmp_path: Path, name: str, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / name
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def dump(doc, indent=2) -> str:
    return json.dumps(doc, indent=indent, separators=(",", ":") if indent is None else None)


def zipped(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_stable_under_reorder_rename_reindent_reformat_and_unrelated_edits(tmp_path, gate_rules):  # noqa: F811
    reference = found(layout(tmp_path, "separate", {
        "NCT00573209.json": dump(BAD), "NCT06361927.json": dump(OTHERS[0]), "NCT05032404.json": dump(OTHERS[1]),
        "curated/beta.yaml": YAML_BLOCK}))
    assert sorted(reference) == [("TG006", "beta"), ("TG991", "NCT00573209")]
    variants = {
        "array, minified, bad record last": {
            "ctg-studies.json": dump([*OTHERS, BAD], indent=None), "b.yaml": YAML_FLOW},
        "array reordered, indent 4, renamed": {
            "export/all-studies.json": dump([BAD, *reversed(OTHERS)], indent=4),
            "x/y/beta-record.yml": YAML_FLOW},
        "ndjson with blank lines": {
            "studies.ndjson": "\n\n" + "\n".join(dump(d, indent=None) for d in (*OTHERS, BAD)) + "\n",
            "beta.yaml": YAML_BLOCK.replace("  ", "    ")},
        "zip archive": {"bundle.zip": zipped({"a/NCT00573209.json": dump(BAD, indent="\t"),
                                              "beta.yaml": YAML_BLOCK})},
        "unrelated records edited and removed": {
            "NCT00573209.json": dump(BAD), "NCT06361927.json": dump(study("NCT06361927", "Revised: ")),
            "curated/beta.yaml": YAML_BLOCK.replace("A blog post", "Another title"),
            "curated/alpha.yaml": "source:\n  id: alpha\n  kind: news\n  title: new record\n"},
    }
    for name, files in variants.items():
        assert found(layout(tmp_path, name.replace(" ", "_").replace(",", ""), files)) == reference, name


def test_changes_when_the_offending_value_changes(tmp_path, gate_rules):  # noqa: F811
    before = found(layout(tmp_path, "before", {"s.json": dump(BAD), "beta.yaml": YAML_BLOCK}))
    after = found(layout(tmp_path, "after", {
        "s.json": dump(study("NCT00573209", "[BAD] [BAD] ")), "beta.yaml": YAML_BLOCK.replace("blog", "vlog")}))
    assert before.keys() == after.keys()
    assert all(before[k] != after[k] for k in before)


def test_same_value_in_another_record_or_field_is_another_finding():
    base = fingerprint("TG201", "NCT1", "ctgov:NCT1", "/resultsSection/a/0", "5")
    assert fingerprint("TG201", "NCT2", "ctgov:NCT2", "/resultsSection/a/0", "5") != base
    assert fingerprint("TG201", "NCT1", "ctgov:NCT1", "/resultsSection/a/1", "5") != base
    assert fingerprint("TG202", "NCT1", "ctgov:NCT1", "/resultsSection/a/0", "5") != base
    # the record's position in its file is not part of it
    assert fingerprint("TG201", "NCT1", "ctgov:NCT1", "/7/resultsSection/a/0", "5") == base
    assert fingerprint("TG201", "NCT1", "ctgov:NCT1", "line:12/resultsSection/a/0", "5") == base


@pytest.mark.parametrize("loc,identified,quote,expected", [
    ("/3/protocolSection/x", True, "", "/protocolSection/x"),
    ("line:4/protocolSection/x", True, "", "/protocolSection/x"),
    ("line:4/2/protocolSection/x", True, "", "/protocolSection/x"),
    ("/3", True, "", ""),
    ("/3/protocolSection/x", False, "", "/3/protocolSection/x"),  # no id: the position is the identity
    ("/cohorts/0/n", True, "", "/cohorts/0/n"),  # an index inside the record stays
    ("/clinical_study/period[1]/title", True, "", "/clinical_study/period[1]/title"),
    ("chars:120-180", True, "It was  the\nfirst.", "quote:It was the first."),
    ("chars:120-180", True, "", "chars:120-180"),
])
def test_stable_loc(loc, identified, quote, expected):
    assert stable_loc(loc, identified, quote) == expected


def test_text_findings_survive_edits_before_the_quote():
    quote = "The first patient was treated in 2019."
    a = fingerprint("TG701", "", "art1", "chars:100-138", "first", quote=quote)
    b = fingerprint("TG701", "", "art1", "chars:250-289", "first", quote=quote.replace(" was ", " was\n"))
    assert a == b


def test_records_without_ids_keep_distinct_fingerprints(tmp_path):
    """Two id-less records in one array are told apart by position, so neither finding is lost."""
    root = layout(tmp_path, "noid", {"s.json": json.dumps([{"protocolSection": {}}, {"protocolSection": {}}])})
    f = engine.validate(read_paths([str(root)]), Config()).findings
    assert list(zip(f["rule"], f["loc"])) == [("TG005", "/0"), ("TG005", "/1")]
    assert f["fingerprint"].nunique() == 2
