"""Reports are written atomically and only inside the output folder."""

import pytest

from trialguard.reports.output import safe_target, write_atomic


@pytest.mark.parametrize("name", ["../evil.html", "/etc/passwd", "a/b.html", "..", "", "x\x00y"])
def test_names_leaving_the_folder_are_refused(tmp_path, name):
    with pytest.raises(ValueError):
        safe_target(tmp_path, name)


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    write_atomic(tmp_path, "index.html", b"old")
    write_atomic(tmp_path, "index.html", b"new")
    assert (tmp_path / "index.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
