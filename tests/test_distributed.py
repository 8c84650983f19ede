"""The Dask engine gives exactly the local engine's findings and accounting."""

import pytest

from trialguard import engine
from trialguard.config import Config
from trialguard.distributed import run_dask

distributed = pytest.importorskip("distributed")

from tests.test_engine import test_rules, write_studies  # noqa: E402,F401  (fixture and helper)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_matches_local_engine(tmp_path, client, test_rules):
    for sub, titles in (("a", ["bad", "same", "ok"]), ("b", ["same", "bad 2"]), ("c", ["bad", "x", "y", "same"])):
        (tmp_path / sub).mkdir()
        write_studies(tmp_path / sub, titles)  # ids repeat across folders: duplicates span partitions
    cfg = Config(select=("TG99",))
    local = engine.run([str(tmp_path)], cfg, chunk_records=2)
    dask = run_dask([str(tmp_path)], cfg, client=client, partitions=3, chunk_records=2)
    cols = ["rule", "severity", "trial_id", "file", "loc", "message", "fingerprint"]
    assert dask.findings[cols].values.tolist() == local.findings[cols].values.tolist()
    assert set(local.findings["rule"]) == {"TG007", "TG990", "TG991"}
    for r in (local, dask):
        assert (r.dataset.records.read, r.dataset.records.checked, r.dataset.records.rejected) == (9, 4, 5)
