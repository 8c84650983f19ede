"""The two ways a CT.gov v2 study is read (ctgov_v2_types): decoded strictly from bytes into typed structs, or
converted leniently from parsed JSON. They must agree wherever both apply, and the strict path must never
accept a file the general reader would reject."""

from __future__ import annotations

import json

import orjson
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from trialguard.dataset import TABLES
from trialguard.ingest import ctgov_v2_types as v2
from trialguard.ingest import read_paths
from trialguard.ingest.json_documents import is_utf8

V2 = FIXTURES / "ctgov" / "v2"
SMALL = V2 / "NCT00353704.json"  # a small real record with results
WITH_EVENTS = V2 / "NCT00904748.json"  # a real record with adverse-event terms


def test_both_paths_make_identical_structs_for_every_real_record():
    files = sorted(V2.glob("*.json"))
    assert len(files) >= 10
    for path in files:
        data = path.read_bytes()
        strict = v2.decode_studies(data)
        assert isinstance(strict, v2.Study), path.name
        assert strict == v2.to_study(orjson.loads(data), ""), path.name


def test_an_array_decodes_to_a_list_in_order():
    docs = [json.loads(p.read_bytes()) for p in sorted(V2.glob("*.json"))[:3]]
    decoded = v2.decode_studies(json.dumps(docs).encode())
    assert [s.protocolSection.identificationModule.nctId for s in decoded] == \
        [d["protocolSection"]["identificationModule"]["nctId"] for d in docs]


@pytest.mark.parametrize("text", [
    b'{"source": {"id": "x"}}',  # a curated record
    b'[{"protocolSection": {}}, {"source": {}}]',  # an array with something else in it
    b'{"protocolSection": {"statusModule": {"overallStatus": 3}}}',  # a number where text belongs
    b'{"protocolSection": {"designModule": {"enrollmentInfo": {"count": "12"}}}}',  # digits as text
    b'{"protocolSection": {"designModule": {"enrollmentInfo": {"count": 9223372036854775808}}}}',  # over 64 bits
    b'{"protocolSection": {"armsInterventionsModule": {"armGroups": [null]}}}',  # a null item
    b'{"protocolSection": null}',
    b'{"protocolSection": {}',  # not JSON
])
def test_strict_decoding_refuses_what_only_the_general_reader_handles(text):
    assert v2.decode_studies(text) is None


def _tables(path) -> dict[str, pd.DataFrame]:
    ds = read_paths([str(path)])
    assert ds.rejections.empty and ds.records.checked == 1
    return {t: ds.tables[t].drop(columns="file") for t in TABLES}


def test_lenient_values_give_the_rows_of_their_strict_spelling(tmp_path):
    """Numbers where the registry writes text, digit strings and whole floats where it writes numbers: the
    file takes the general path and yields exactly the rows of the registry's own spelling."""
    doc = json.loads(WITH_EVENTS.read_bytes())
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(doc))
    stats = doc["resultsSection"]["adverseEventsModule"]["otherEvents"][0]["stats"][0]
    achievement = doc["resultsSection"]["participantFlowModule"]["periods"][0]["milestones"][0]["achievements"][0]
    assert isinstance(stats["numAtRisk"], int) and isinstance(achievement["numSubjects"], str)
    stats["numAtRisk"] = str(stats["numAtRisk"])
    stats["numAffected"] = float(stats["numAffected"])
    achievement["numSubjects"] = int(achievement["numSubjects"])
    lenient = tmp_path / "lenient.json"
    lenient.write_text(json.dumps(doc))
    assert v2.decode_studies(lenient.read_bytes()) is None
    got, expected = _tables(lenient), _tables(strict)
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], expected[name], obj=name)


def _with_extra(value) -> bytes:
    """The small record with a field trialguard does not read, holding `value` (raw JSON bytes)."""
    data = SMALL.read_bytes()
    return data[:data.rindex(b"}")] + b', "extraField": ' + value + b"}"


def test_invalid_utf8_in_a_field_that_is_not_read_still_rejects_the_file(tmp_path):
    path = tmp_path / "study.json"
    path.write_bytes(_with_extra(b'"caf\xe9"'))
    ds = read_paths([str(path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 0, 1)
    r = ds.rejections.iloc[0]
    assert r["rule"] == "TG001" and r["message"].startswith("not UTF-8 text (byte ")


def test_nesting_beyond_the_limit_in_a_field_that_is_not_read_still_rejects_the_file(tmp_path):
    path = tmp_path / "study.json"
    path.write_bytes(_with_extra(b"[" * 70 + b"]" * 70))
    ds = read_paths([str(path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 0, 1)
    r = ds.rejections.iloc[0]
    assert r["rule"] == "TG009" and r["message"] == "JSON nested 71 levels deep, over the limit of 64 levels " \
        "(--max-json-depth)"


def test_duplicate_keys_keep_the_last_value_on_both_paths(tmp_path):
    data = SMALL.read_bytes()
    key = b'"overallStatus": "'
    assert data.count(key) == 1
    doubled = data.replace(key, b'"overallStatus": "WITHDRAWN", ' + key)
    strict = v2.decode_studies(doubled)
    assert strict == v2.to_study(orjson.loads(doubled), "")
    assert strict.protocolSection.statusModule.overallStatus == json.loads(data)["protocolSection"]["statusModule"][
        "overallStatus"]


def test_a_huge_number_in_a_field_that_is_not_read_does_not_reject_the_study(tmp_path):
    """1e999 is valid JSON that orjson refuses; the strict decoder skips it, and the study is read."""
    path = tmp_path / "study.json"
    path.write_bytes(_with_extra(b"1e999"))
    ds = read_paths([str(path)])
    assert (ds.records.read, ds.records.checked, ds.records.rejected) == (1, 1, 0)
    assert list(ds.trials["trial_id"]) == ["NCT00353704"]


@given(data=st.one_of(st.binary(max_size=40), st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass"))),
       piece=st.integers(min_value=1, max_value=8))
def test_utf8_check_in_pieces_agrees_with_decoding_whole(data, piece):
    try:
        data.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert is_utf8(data, piece) is expected
