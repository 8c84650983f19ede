"""Hostile inputs (fixtures/hostile/, see its README): each is refused with one exact finding, or read safely,
and never crashes the run, expands, fetches, or writes anything."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tests.conftest import FIXTURES
from trialguard.ingest import read_paths
from trialguard.ingest.context import Limits
from trialguard.ingest.json_documents import nesting_bound

HOSTILE = FIXTURES / "hostile"
GOOD = FIXTURES / "ctgov" / "v2" / "NCT00353704.json"
UNSAFE_XML = ("refused unsafe XML: a document type declaration (DTD) is not allowed: entity expansion "
              "(billion laughs) and external entities (XXE) are never processed")


def rejections(ds) -> list[tuple[str, str, str, str]]:
    r = ds.rejections
    return list(zip(r["rule"], r["file"], r["loc"], r["message"]))


def read_one(name: str, **limits):
    f = (HOSTILE / name).as_posix()
    ds = read_paths([f], Limits(**limits) if limits else None)
    a = ds.records
    assert a.read == a.checked + a.rejected
    return f, ds


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml", "external_dtd.xml"])
def test_xml_with_a_dtd_is_refused_before_any_entity_is_expanded_or_fetched(name):
    f, ds = read_one(name)
    assert rejections(ds) == [("TG002", f, "", UNSAFE_XML)]
    assert ds.trials.empty


def test_xml_declaring_an_unknown_encoding():
    f, ds = read_one("unknown_encoding.xml")
    assert rejections(ds) == [("TG001", f, "", "cannot decode XML: unknown encoding: x-hostile")]


def test_yaml_python_tag_is_refused_before_anything_is_built():
    f, ds = read_one("python_tag.yaml")
    assert rejections(ds) == [("TG002", f, "", "refused YAML tag '!!python/object/apply:os.system' at line 1: "
                                               "records hold plain data only, tags that construct objects are never run")]


def test_yaml_alias_bomb_is_refused_without_expanding_it():
    f, ds = read_one("alias_bomb.yaml")
    limit = 100_000 + len((HOSTILE / "alias_bomb.yaml").read_text("utf-8"))
    assert rejections(ds) == [("TG009", f, "", f"YAML aliases expand to more than {limit} values (an alias bomb)")]


def test_yaml_nested_10000_deep():
    f, ds = read_one("deep.yaml")
    assert rejections(ds) == [("TG009", f, "", "YAML nested deeper than 64 levels at line 1 (--max-json-depth)")]


def test_yaml_recursive_alias_is_refused(tmp_path):
    f = tmp_path / "loop.yaml"
    f.write_text("source: {id: loop, kind: news}\nnote: &a [1, *a]\n", encoding="utf-8")
    ds = read_paths([f.as_posix()])
    assert rejections(ds) == [("TG002", f.as_posix(), "", "YAML alias at line 2 refers to a value containing itself")]


def test_json_nested_10000_deep_is_an_input_limit_not_a_parse_error():
    f, ds = read_one("deep_10000.json")
    assert rejections(ds) == [("TG009", f, "", "JSON nested 10000 levels deep, over the limit of 64 levels "
                                               "(--max-json-depth)")]
    assert ds.rejections["observed"][0] == "10000"


def test_json_depth_limit_is_configurable():
    f, ds = read_one("deep_10000.json", max_json_depth=20_000)
    # within the configured limit but past what the parser reads: still the nesting finding, saying why
    assert rejections(ds) == [("TG009", f, "", "JSON nested 10000 levels deep, deeper than the JSON parser reads "
                                               "(1024 levels)")]
    f2 = GOOD.as_posix()
    depth = _depth(json.loads(GOOD.read_bytes()))
    ds = read_paths([f2], Limits(max_json_depth=depth - 1))
    assert rejections(ds) == [("TG009", f2, "", f"JSON nested {depth} levels deep, over the limit of {depth - 1} "
                                                "levels (--max-json-depth)")]
    assert read_paths([f2], Limits(max_json_depth=depth)).records.checked == 1


def test_non_utf8_json():
    f, ds = read_one("not_utf8.json")
    assert rejections(ds) == [("TG001", f, "", "not UTF-8 text (byte 88: b'\\xe9')")]


def test_truncated_json():
    f, ds = read_one("truncated.json")
    assert rejections(ds) == [("TG002", f, "", "invalid JSON: unexpected end of data: line 22 column 18 (char 700)")]


def test_markup_in_a_title_is_data_checked_normally():
    f, ds = read_one("script_title.json")
    assert ds.rejections.empty and ds.records.checked == 1
    assert ds.trials["title"][0] == "</script><script>alert(1)</script> <!-- <img src=x onerror=alert(2)>"


def test_article_with_control_characters_is_checked_normally():
    f, ds = read_one("control_chars.txt")
    assert ds.rejections.empty and ds.records.checked == 1
    assert list(ds.sources["source_id"]) == ["control_chars"]


def test_zip_slip_members_are_refused():
    f, ds = read_one("zip_slip.zip")
    why = "unsafe member name (absolute or '..' path)"
    assert rejections(ds) == [("TG008", f"{f}!../evil.json", "", why), ("TG008", f"{f}!/etc/cron.d/evil.json", "", why)]


def test_zip_bomb_is_refused_by_its_ratio():
    f, ds = read_one("zip_bomb.zip")
    assert rejections(ds) == [("TG008", f"{f}!bomb.json", "", "compression ratio 1028:1 is over the limit of 200:1")]


def test_zip_member_declaring_a_huge_size_is_refused_before_reading():
    f, ds = read_one("zip_bomb.zip", max_member_bytes=1_000_000, max_compression_ratio=10_000)
    assert rejections(ds) == [("TG008", f"{f}!bomb.json", "", "member is 20000002 bytes, over the limit of "
                                                              "1000000 bytes")]


def test_zip_member_lying_about_its_size_cannot_expand_past_it(tmp_path):
    """A member whose header declares 100 bytes but whose data inflates to 20 MB: only the declared size is
    ever inflated, and the mismatch is a refusal."""
    raw = bytearray((HOSTILE / "zip_bomb.zip").read_bytes())
    central = raw.rindex(b"PK\x01\x02")
    for off in (22, central + 24):  # uncompressed size in the local header and in the central directory
        raw[off:off + 4] = (100).to_bytes(4, "little")
    f = tmp_path / "liar.zip"
    f.write_bytes(bytes(raw))
    ds = read_paths([f.as_posix()])
    ((rule, member, loc, message),) = rejections(ds)
    assert (rule, member, loc) == ("TG008", f"{f.as_posix()}!bomb.json", "")
    assert message.startswith("cannot read archive member: ")


def test_one_level_of_nested_archives_is_read():
    f, ds = read_one("nested_once.zip")
    assert ds.rejections.empty and ds.records.checked == 1
    assert list(ds.trials["file"]) == [f"{f}!inner.zip!NCT00353704.json"]


def test_archives_nested_two_levels_are_refused():
    f, ds = read_one("nested_twice.zip")
    assert rejections(ds) == [("TG008", f"{f}!middle.zip!inner.zip", "",
                               "archives nested more than 1 level deep are not read")]
    assert ds.records.read == 1 and ds.trials.empty


@pytest.mark.parametrize("absolute", [False, True])
def test_the_hostile_folder_is_excluded_from_the_project_run(monkeypatch, absolute):
    from trialguard.config import load
    from trialguard.ingest import plan

    monkeypatch.chdir(FIXTURES.parent)
    files, _ = plan([FIXTURES.as_posix() if absolute else "fixtures"], load().exclude)
    assert files and not any("/hostile/" in f for f in files)


# ------------------------------------------------------------------ the nesting bound on raw bytes


def _depth(obj) -> int:
    if isinstance(obj, dict):
        return 1 + max((_depth(v) for v in obj.values()), default=0)
    if isinstance(obj, list):
        return 1 + max((_depth(v) for v in obj), default=0)
    return 0


_tricky_text = st.text(alphabet=st.sampled_from(list('[]{}"\\ab\u00e9\u0661\n/')), max_size=12)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_tricky_text, inner, max_size=4),
    max_leaves=30)


@given(_json_values, st.booleans())
@settings(max_examples=300, deadline=None)
def test_nesting_bound_is_the_exact_depth_of_valid_json(value, ascii_only):
    """Brackets, quotes and backslashes inside strings never change the bound: it equals the real depth, so
    it is a true upper bound and skipping the walk below the limit is safe."""
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    assert nesting_bound(data) == _depth(value)


@pytest.mark.parametrize("text, depth", [
    (r'["\\", ["\"[[[", {"x": "]]]]"}]]', 3),
    (r'"\\\"[["', 0),
    (r'[["\\\\"], "\\\\\\\"]"]', 2),
    ("[]", 1),
    ("7", 0),
])
def test_nesting_bound_examples(text, depth):
    assert nesting_bound(text.encode("utf-8")) == depth


def test_a_folder_named_explicitly_is_read_even_when_a_glob_excludes_it(monkeypatch):
    from trialguard.config import load
    from trialguard.ingest import plan

    monkeypatch.chdir(FIXTURES.parent)
    files, _ = plan(["fixtures/hostile"], load().exclude)
    assert files and all(f.startswith("fixtures/hostile/") for f in files)
