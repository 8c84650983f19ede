"""JSON pointers, NDJSON lines, YAML pointers, XML paths and text spans map to the exact line and column of the
value, checked against positions found independently in the text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trialguard import locate

CTGOV = Path(__file__).resolve().parent.parent / "fixtures" / "gate" / "ctgov"
POINTERS = [
    "/protocolSection/identificationModule/nctId",
    "/protocolSection/identificationModule/briefTitle",
    "/protocolSection/designModule/enrollmentInfo/count",
    "/protocolSection/designModule/phases/0",
    "/protocolSection/conditionsModule/conditions/0",
]


def where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def resolve(doc, pointer: str):
    for seg in pointer.split("/")[1:]:
        doc = doc[int(seg)] if isinstance(doc, list) else doc[seg.replace("~1", "/").replace("~0", "~")]
    return doc


def expected_position(text: str, doc, pointer: str, indent) -> tuple[int, int]:
    """Independent oracle: the serialized value, found right after its key in the text."""
    value = resolve(doc, pointer)
    rendered = json.dumps(value, ensure_ascii=False)
    key = pointer.rsplit("/", 1)[-1]
    if key.isdigit():  # array element: the container's position, then the n-th occurrence after it
        parent = pointer.rsplit("/", 1)[0]
        anchor = text.index(f'"{parent.rsplit("/", 1)[-1]}"')
        return where(text, text.index(rendered, anchor))
    sep = ":" if indent is None else ": "
    anchor = text.index(f'"{key}"{sep}{rendered}')
    return where(text, anchor + len(f'"{key}"{sep}'))


@pytest.mark.parametrize("indent", [None, 2, 4, "\t"])
def test_json_pointer_positions_on_real_records(tmp_path, indent):
    doc = json.loads((CTGOV / "NCT06361927.json").read_text(encoding="utf-8"))
    seps = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(doc, indent=indent, ensure_ascii=False, separators=seps)
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    got = locate.positions((str(path), p, "") for p in POINTERS)
    for p in POINTERS:
        assert got[(str(path), p, "")] == expected_position(text, doc, p, indent), p


def test_array_file_and_missing_field_fallback(tmp_path):
    docs = [json.loads((CTGOV / f"{n}.json").read_text()) for n in ("NCT05032404", "NCT00573209")]
    text = json.dumps(docs, indent=2)
    path = tmp_path / "ctg-studies.json"
    path.write_text(text)
    title = "/1/protocolSection/identificationModule/briefTitle"
    got = locate.positions([(str(path), title, ""), (str(path), "/1/protocolSection/noSuchModule/x", ""),
                            (str(path), "", "")])
    assert got[(str(path), title, "")] == where(text, text.index('"Energy Specific'))
    # a field that does not exist points at the deepest part that does: the protocolSection of record 1
    second = text.index('"protocolSection"', text.index('"protocolSection"') + 1)
    assert got[(str(path), "/1/protocolSection/noSuchModule/x", "")] == where(text, second + len('"protocolSection": '))
    assert got[(str(path), "", "")] == (1, 1)


def test_escaped_keys_and_non_ascii_columns(tmp_path):
    text = '{"a/b": {"t~x": 1}, "é\\u00e9": [true, "ü", null]}'
    path = tmp_path / "k.json"
    path.write_text(text, encoding="utf-8")
    got = locate.positions([(str(path), "/a~1b/t~0x", ""), (str(path), "/éé/2", "")])
    assert got[(str(path), "/a~1b/t~0x", "")] == (1, text.index("1") + 1)
    assert got[(str(path), "/éé/2", "")] == (1, text.index("null") + 1)  # code points, not bytes


def test_ndjson_lines(tmp_path):
    lines = ['{"protocolSection": {"identificationModule": {"nctId": "NCT1"}}}', "",
             '{"protocolSection": {"identificationModule": {"nctId": "NCT2", "briefTitle": "x"}}}']
    path = tmp_path / "s.ndjson"
    path.write_text("\n".join(lines) + "\n")
    loc = "line:3/protocolSection/identificationModule/briefTitle"
    got = locate.positions([(str(path), loc, ""), (str(path), "line:1", "")])
    assert got[(str(path), loc, "")] == (3, lines[2].index('"x"') + 1)
    assert got[(str(path), "line:1", "")] == (1, 1)


def test_yaml_pointers(tmp_path):
    text = ("# curated\nsource:\n  id: s1\n  kind: news\ncohorts:\n  - name: A\n    n: 12\n"
            "  - {name: B, n: 7}\n")
    path = tmp_path / "r.yaml"
    path.write_text(text)
    got = locate.positions([(str(path), p, "") for p in ("/source/kind", "/cohorts/0/n", "/cohorts/1/n",
                                                         "/cohorts/5")])
    assert got[(str(path), "/source/kind", "")] == (4, 9)
    assert got[(str(path), "/cohorts/0/n", "")] == (7, 8)
    assert got[(str(path), "/cohorts/1/n", "")] == (8, 18)
    assert got[(str(path), "/cohorts/5", "")] == (6, 3)  # no such item: the list itself


def test_xml_paths_on_a_real_legacy_record(tmp_path):
    path = tmp_path / "NCT01065844.xml"
    shutil.copy(CTGOV / "NCT01065844.xml", path)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")

    def line_of(needle: str, start: int = 0) -> tuple[int, int]:
        i = next(n for n in range(start, len(lines)) if needle in lines[n])
        return i + 1, lines[i].index(needle) + 1

    reqs = {
        "/clinical_study/brief_title": line_of("<brief_title>"),
        "/clinical_study[1]/id_info/nct_id": line_of("<nct_id>"),
        "/clinical_study/clinical_results/participant_flow/period_list/period[1]/milestone_list/milestone[2]":
            line_of("<milestone>", line_of("<milestone>")[0])[0:2],
        "/clinical_study/brief_title/@lang": line_of("<brief_title>"),
        "/clinical_study/no_such/element": (line_of("<clinical_study")[0], 1),
    }
    got = locate.positions([(str(path), p, "") for p in reqs])
    assert {p: got[(str(path), p, "")] for p in reqs} == reqs


def test_xml_with_a_dtd_is_not_parsed(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x "y">]>\n<clinical_study><a>&x;</a>'
                    "</clinical_study>")
    assert locate.positions([(str(path), "/clinical_study/a", "")]) == {}


def test_text_span_and_syntax_errors(tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text("line one\nsecond line here\n")
    bad_json = tmp_path / "b.json"
    bad_json.write_text('{\n  "a": x}')
    bad_yaml = tmp_path / "c.yaml"
    bad_yaml.write_text("a: [1\nb: 2\n")
    reqs = [(str(txt), "chars:16-20", ""),
            (str(bad_json), "", "invalid JSON: unexpected character: line 2 column 8 (char 9)"),
            (str(bad_yaml), "", "invalid YAML: while parsing a flow sequence")]
    got = locate.positions(reqs)
    assert got[reqs[0]] == (2, 8)
    assert got[reqs[1]] == (2, 8)
    assert got[reqs[2]] == (2, 2)


def test_unreadable_or_broken_files_get_no_position(tmp_path):
    broken = tmp_path / "t.json"
    broken.write_text('{"a": [1, 2')
    reqs = [(str(tmp_path / "gone.json"), "/a", ""), ("x.zip!m.json", "/a", ""), (str(broken), "/b", "")]
    got = locate.positions(reqs)
    assert reqs[0] not in got and reqs[1] not in got
    assert got[reqs[2]] == (1, 1)  # the part that parsed: the document


def test_relative_paths_are_repository_relative_never_absolute(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "data" / "x").mkdir(parents=True)
    (repo / "data" / "x" / "a b.json").write_text("{}")
    monkeypatch.chdir(repo / "data")
    assert locate.relative_path("x/a b.json") == "data/x/a b.json"
    assert locate.relative_path(str(repo / "data/x/a b.json")) == "data/x/a b.json"
    assert locate.relative_path("x/a b.json!inner.json") == "data/x/a b.json"
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "f.json").write_text("{}")
    monkeypatch.chdir(outside)
    assert locate.relative_path("f.json") == "f.json"


def all_pointers(doc, base=""):
    yield base
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        yield from all_pointers(v, f"{base}/{str(k).replace('~', '~0').replace('/', '~1')}")


@pytest.mark.parametrize("nct", ["NCT05032404", "NCT02392273"])
def test_every_pointer_of_a_real_record_lands_on_its_value(nct):
    """Exhaustive: decoding the text at the located offset gives back exactly the value the pointer names,
    for every value of the record, pretty-printed as exported and minified."""
    doc = json.loads((CTGOV / f"{nct}.json").read_text(encoding="utf-8"))
    ptrs = list(all_pointers(doc))
    decoder = json.JSONDecoder()
    for text in ((CTGOV / f"{nct}.json").read_text(encoding="utf-8"),
                 json.dumps(doc, separators=(",", ":"), ensure_ascii=False)):
        offsets = locate.json_offsets(text, ptrs)
        assert len(offsets) == len(ptrs) > 150
        for p in ptrs:
            assert decoder.raw_decode(text, offsets[p])[0] == resolve(doc, p), p
