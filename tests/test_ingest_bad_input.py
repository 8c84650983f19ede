"""Bad input is a TG0xx finding naming the file and the record, never a traceback or a silent drop; one bad
record never stops the others, and records read = checked + rejected."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from trialguard.ingest import read_paths

GOOD = FIXTURES / "ctgov" / "v2" / "NCT00353704.json"  # a small real record with results
GOOD_XML = FIXTURES / "ctgov" / "xml" / "NCT01065844.xml"
NCT = "NCT00353704"


def study() -> dict:
    return json.loads(GOOD.read_bytes())


def write(path: Path, data: bytes | str | dict | list) -> str:
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path.as_posix()


def findings(ds) -> list[tuple]:
    """(rule, file, loc, trial_id) of every rejection, in order."""
    r = ds.rejections
    return list(zip(r["rule"], r["file"], r["loc"], r["trial_id"]))


def accounting(ds) -> tuple[int, int, int]:
    a = ds.records
    assert a.read == a.checked + a.rejected
    return a.read, a.checked, a.rejected


def test_truncated_json(tmp_path):
    f = write(tmp_path / "cut.json", GOOD.read_bytes()[:500])
    ds = read_paths([f])
    assert findings(ds) == [("TG002", f, "", "")]
    assert ds.rejections["message"][0].startswith("invalid JSON: unexpected end of data")
    assert accounting(ds) == (1, 0, 1)


def test_truncated_xml(tmp_path):
    f = write(tmp_path / "cut.xml", GOOD_XML.read_bytes()[:3000])
    ds = read_paths([f])
    assert findings(ds) == [("TG002", f, "", "")]
    assert ds.rejections["message"][0].startswith("invalid XML: ")
    assert accounting(ds) == (1, 0, 1)


def test_xml_with_entities_is_refused(tmp_path):
    f = write(tmp_path / "bomb.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                     "<clinical_study>&a;</clinical_study>")
    ds = read_paths([f])
    assert findings(ds) == [("TG002", f, "", "")]
    assert ds.rejections["message"][0].startswith("refused unsafe XML: a document type declaration (DTD)")


def test_empty_file(tmp_path):
    f = write(tmp_path / "empty.json", b"")
    ds = read_paths([f])
    assert findings(ds) == [("TG003", f, "", "")]
    assert ds.rejections["message"][0] == "file is empty"
    assert accounting(ds) == (1, 0, 1)


def test_unknown_format_named_explicitly(tmp_path):
    f = write(tmp_path / "trials.csv", "nct_id,title\nNCT1,x\n")
    ds = read_paths([f])
    assert findings(ds) == [("TG004", f, "", "")]
    assert accounting(ds) == (1, 0, 1)


def test_json_object_that_is_not_a_study(tmp_path):
    f = write(tmp_path / "other.json", {"studies": []})
    ds = read_paths([f])
    assert findings(ds) == [("TG004", f, "", "")]


def test_xml_of_another_kind(tmp_path):
    f = write(tmp_path / "feed.xml", "<rss><channel/></rss>")
    ds = read_paths([f])
    assert findings(ds) == [("TG004", f, "", "")]
    assert ds.rejections["message"][0] == "XML root is <rss>, not <clinical_study>"


def test_record_missing_its_id_in_an_array_does_not_stop_the_others(tmp_path):
    bad = study()
    del bad["protocolSection"]["identificationModule"]["nctId"]
    f = write(tmp_path / "ctg-studies.json", [bad, study()])
    ds = read_paths([f])
    assert findings(ds) == [("TG005", f, "/0", "")]
    assert ds.rejections["message"][0] == "trial record has no protocolSection/identificationModule/nctId"
    assert accounting(ds) == (2, 1, 1)
    assert list(ds.trials["trial_id"]) == [NCT] and set(ds.flow["loc"].str[:3]) == {"/1/"}


def test_xml_record_missing_its_id(tmp_path):
    f = write(tmp_path / "noid.xml", GOOD_XML.read_text(encoding="utf-8").replace(
        "<nct_id>NCT01065844</nct_id>", ""))
    ds = read_paths([f])
    assert findings(ds) == [("TG005", f, "/clinical_study", "")]
    assert ds.rejections["message"][0] == "trial record has no id_info/nct_id"


NUM_SUBJECTS = "/resultsSection/participantFlowModule/periods/0/milestones/0/achievements/0/numSubjects"


def test_num_subjects_as_a_list_rejects_the_record_naming_the_field(tmp_path):
    bad = study()
    bad["resultsSection"]["participantFlowModule"]["periods"][0]["milestones"][0]["achievements"][0][
        "numSubjects"] = [22]
    f = write(tmp_path / "bad.json", bad)
    ds = read_paths([f])
    assert findings(ds) == [("TG006", f, NUM_SUBJECTS, NCT)]
    assert ds.rejections["message"][0] == f"trial {NCT}: {NUM_SUBJECTS}: expected text, found a list"
    assert accounting(ds) == (1, 0, 1)
    assert ds.trials.empty and ds.flow.empty  # nothing of a rejected record is kept


def test_wrong_type_deep_in_an_array_item_keeps_the_array_prefix(tmp_path):
    bad = study()
    bad["resultsSection"]["adverseEventsModule"]["eventGroups"][1]["seriousNumAffected"] = "five"
    other = study()
    other["protocolSection"]["identificationModule"]["nctId"] = "NCT00000001"
    f = write(tmp_path / "ctg-studies.json", [other, bad])
    ds = read_paths([f])
    loc = "/1/resultsSection/adverseEventsModule/eventGroups/1/seriousNumAffected"
    assert findings(ds) == [("TG006", f, loc, NCT)]
    assert ds.rejections["message"][0] == f"trial {NCT}: {loc}: expected a whole number, found text 'five'"
    assert accounting(ds) == (2, 1, 1)


def test_protocol_section_as_a_string(tmp_path):
    bad = study()
    bad["protocolSection"] = "NCT00353704"
    f = write(tmp_path / "bad.json", bad)
    ds = read_paths([f])
    assert findings(ds) == [("TG006", f, "/protocolSection", "")]
    assert ds.rejections["message"][0] == "/protocolSection: expected an object, found text"


def test_results_section_as_a_list(tmp_path):
    bad = study()
    bad["resultsSection"] = []
    f = write(tmp_path / "bad.json", bad)
    ds = read_paths([f])
    assert findings(ds) == [("TG006", f, "/resultsSection", NCT)]


def test_nct_id_as_a_number(tmp_path):
    bad = study()
    bad["protocolSection"]["identificationModule"]["nctId"] = 353704
    f = write(tmp_path / "bad.json", bad)
    ds = read_paths([f])
    assert findings(ds) == [("TG006", f, "/protocolSection/identificationModule/nctId", "")]


def test_array_item_that_is_not_an_object(tmp_path):
    f = write(tmp_path / "ctg-studies.json", [study(), 42])
    ds = read_paths([f])
    assert findings(ds) == [("TG006", f, "/1", "")]
    assert accounting(ds) == (2, 1, 1)


def test_xml_adverse_event_count_that_is_not_a_number(tmp_path):
    text = GOOD_XML.read_text(encoding="utf-8").replace(
        '<counts group_id="E1" events="1" subjects_affected="1" subjects_at_risk="15"/>',
        '<counts group_id="E1" events="1" subjects_affected="one" subjects_at_risk="15"/>', 1)
    f = write(tmp_path / "bad.xml", text)
    ds = read_paths([f])
    loc = ("/clinical_study/clinical_results/reported_events/other_events/category_list/category[2]/event_list"
           "/event[1]/counts[1]/@subjects_affected")
    assert findings(ds) == [("TG006", f, loc, "NCT01065844")]


def test_non_utf8_json(tmp_path):
    f = write(tmp_path / "latin1.json", '{"protocolSection": {"identificationModule": {"nctId": "NCT1", '
                                       '"briefTitle": "caf\xe9"}}}'.encode("latin-1"))
    ds = read_paths([f])
    assert findings(ds) == [("TG001", f, "", "")]
    assert ds.rejections["message"][0] == "not UTF-8 text (byte 81: b'\\xe9')"


def test_non_utf8_xml(tmp_path):
    data = GOOD_XML.read_bytes().replace(b"Nelfinavir in Recurrent", b"Nelfinavir \xe0 Recurrent", 1)
    f = write(tmp_path / "latin1.xml", data)
    ds = read_paths([f])
    assert findings(ds) == [("TG001", f, "", "")]


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    f = write(tmp_path / "bom.json", b"\xef\xbb\xbf" + GOOD.read_bytes())
    ds = read_paths([f])
    assert ds.rejections.empty and accounting(ds) == (1, 1, 0)


def test_ndjson_bad_line_does_not_stop_the_others(tmp_path):
    other = study()
    other["protocolSection"]["identificationModule"]["nctId"] = "NCT00000001"
    lines = [json.dumps(study()), '{"protocolSection": {', "", json.dumps(other)]
    f = write(tmp_path / "studies.ndjson", "\n".join(lines) + "\n")
    ds = read_paths([f])
    assert findings(ds) == [("TG002", f, "line:2", "")]
    assert accounting(ds) == (3, 2, 1)
    assert sorted(ds.trials["loc"]) == ["line:1/protocolSection", "line:4/protocolSection"]


def _zip(path: Path, members: dict[str, bytes]) -> str:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path.as_posix()


def test_zip_with_an_invalid_member(tmp_path):
    f = _zip(tmp_path / "studies.zip", {"a.json": GOOD.read_bytes(), "b.json": GOOD.read_bytes()[:100],
                                        "README.md": b"notes"})
    ds = read_paths([f])
    assert findings(ds) == [("TG002", f"{f}!b.json", "", "")]
    assert accounting(ds) == (2, 1, 1)
    assert ds.skipped == [f"{f}!README.md"]


def test_zip_with_a_corrupt_member(tmp_path):
    f = _zip(tmp_path / "studies.zip", {"a.json": GOOD.read_bytes(), "b.json": GOOD_XML.read_bytes()})
    raw = bytearray(Path(f).read_bytes())
    # flip bytes inside the compressed data of the first member (after its 30-byte header and name)
    start = 30 + len("a.json") + 200
    raw[start:start + 8] = bytes(b ^ 0xFF for b in raw[start:start + 8])
    Path(f).write_bytes(bytes(raw))
    ds = read_paths([f])
    got = findings(ds)
    assert got[0] == ("TG008", f"{f}!a.json", "", "")
    assert ds.rejections["message"][0].startswith("cannot read archive member: ")
    assert got[1:] == [("TG002", f"{f}!b.json", "", "")]  # XML bytes under a .json name: invalid JSON
    assert accounting(ds) == (2, 0, 2)


@pytest.mark.parametrize("member, message", [
    ("../escape.json", "unsafe member name (absolute or '..' path)"),
    ("/abs.json", "unsafe member name (absolute or '..' path)"),
])
def test_zip_refuses_unsafe_members(tmp_path, member, message):
    f = _zip(tmp_path / "studies.zip", {member: GOOD.read_bytes()})
    ds = read_paths([f])
    assert findings(ds) == [("TG008", f"{f}!{member}", "", "")]
    assert ds.rejections["message"][0] == message


def test_zip_bomb_ratio_is_refused(tmp_path):
    f = _zip(tmp_path / "bomb.zip", {"big.json": b"[" + b" " * 5_000_000 + b"]"})
    ds = read_paths([f])
    assert findings(ds) == [("TG008", f"{f}!big.json", "", "")]
    assert "compression ratio" in ds.rejections["message"][0]


def test_not_a_zip(tmp_path):
    f = write(tmp_path / "studies.zip", b"PK this is not an archive")
    ds = read_paths([f])
    assert findings(ds) == [("TG002", f, "", "")]


def test_duplicate_trial_id_across_files(tmp_path):
    a = write(tmp_path / "a.json", GOOD.read_bytes())
    b = write(tmp_path / "b.json", [study()])
    ds = read_paths([str(tmp_path)])
    assert findings(ds) == [("TG007", b, "/0", NCT)]
    assert ds.rejections["message"][0] == f"trial {NCT} was already read from {a}"
    assert accounting(ds) == (2, 1, 1)


def test_duplicate_trial_id_across_formats(tmp_path):
    a = write(tmp_path / "a.xml", GOOD_XML.read_bytes())
    b = write(tmp_path / "b.xml", GOOD_XML.read_bytes())
    ds = read_paths([a, b])
    assert findings(ds) == [("TG007", b, "/clinical_study", "NCT01065844")]


def test_bad_records_never_stop_good_files(tmp_path):
    write(tmp_path / "1_empty.json", b"")
    write(tmp_path / "2_good.json", GOOD.read_bytes())
    write(tmp_path / "3_cut.xml", b"<clinical_study><id_info>")
    write(tmp_path / "4_good.xml", GOOD_XML.read_bytes())
    ds = read_paths([str(tmp_path)])
    assert [r[0] for r in findings(ds)] == ["TG003", "TG002"]
    assert accounting(ds) == (4, 2, 2)
    assert sorted(ds.trials["trial_id"]) == ["NCT00353704", "NCT01065844"]


def test_every_finding_is_reproducible_from_a_copy(tmp_path):
    """Same input, same findings in the same order (fingerprints included)."""
    bad = copy.deepcopy(study())
    bad["resultsSection"] = "x"
    write(tmp_path / "a.json", bad)
    write(tmp_path / "b.json", b"{")
    first = read_paths([str(tmp_path)]).rejections
    second = read_paths([str(tmp_path)]).rejections
    assert first.to_dict("records") == second.to_dict("records")


# ---------------------------------------------------------------- robustness

from hypothesis import given, settings, strategies as st  # noqa: E402

from trialguard.ingest.ctgov_common import iso_date, parse_float, parse_int  # noqa: E402


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_number_and_date_parsers_never_raise(text):
    n = parse_int(text)
    assert n is None or abs(n) < 2**63
    f = parse_float(text)
    assert f is None or f == f
    iso_date(text)


@pytest.mark.parametrize("text", ["1e999999999", "9" * 40, "-9223372036854775808"])
def test_huge_numbers_are_not_counts(text):
    assert parse_int(text) is None


def _leaves(node, ptr=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{ptr}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{ptr}/{i}")
    else:
        yield ptr


def _replace(doc, ptr, value):
    *parents, last = ptr.strip("/").split("/")
    node = doc
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


@pytest.mark.parametrize("replacement", [{"x": 1}, [1, 2], 2**64 - 1, True])
def test_any_field_of_the_wrong_type_is_a_finding_not_a_crash(tmp_path, replacement):
    """Every 7th leaf of a real record replaced by a value of another JSON type: the record is either read or
    rejected with TG006 at that field (or TG005 when the id itself is replaced), never an exception."""
    id_ptr = "/protocolSection/identificationModule/nctId"
    leaves = list(_leaves(study()))[::7] + [id_ptr, "/resultsSection/participantFlowModule/periods/0/title"]
    docs = []
    for i, ptr in enumerate(leaves):
        doc = study()
        if ptr != id_ptr:
            doc["protocolSection"]["identificationModule"]["nctId"] = f"NCT{i:08d}"
        _replace(doc, ptr, replacement)
        docs.append(doc)
    f = write(tmp_path / "mutants.json", docs)
    ds = read_paths([f])
    read, checked, rejected = accounting(ds)
    # a JSON number where text belongs is read as that number's text; anything else is wrong everywhere
    assert read == len(docs) and rejected >= (1 if type(replacement) is int else 10)
    assert set(ds.rejections["rule"]) == {"TG006"}
    for loc in ds.rejections["loc"]:
        index, _, pointer = loc[1:].partition("/")
        assert "/" + pointer == leaves[int(index)]  # the finding names exactly the damaged field
