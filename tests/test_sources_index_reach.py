"""Accelerator and model-hub reach from the package index's metadata (showdown_lib.acquire.sources.index_reach).

The rules run on metadata recorded from the index pip is configured with on this machine, as of 2026-11-25,
trimmed to the fields they use (tests/fixtures/index_reach/metadata_2026-11-25.csv: no URLs, no host). The
collector itself runs against a fake index that serves a real zip wheel through HTTP range requests.
"""
from __future__ import annotations

import io
import re
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from showdown_lib.core.errors import DataError
from showdown_lib.acquire.sources import index_reach as ir

FIXTURE = Path(__file__).parent / "fixtures" / "index_reach" / "metadata_2026-11-25.csv"


def recorded() -> dict[str, dict]:
    frame = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    return {r["project"]: r for r in frame.to_dict("records")}


def found(rows, fw):
    return {r["accelerator"]: r["how"] for r in rows if r["framework"] == fw}


def test_recorded_metadata_has_no_url_or_host():
    text = FIXTURE.read_text()
    assert "://" not in text
    # No host name of any kind: a dotted name ending in a top-level domain would be one.
    hosts = re.findall(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:org|com|net|io|dev)\b", text, flags=re.I)
    assert not hosts, f"recorded metadata names hosts: {sorted(set(hosts))}"


def test_cuda_for_the_four_and_tpu_for_jax_on_recorded_metadata():
    amap = ir.load_accelerator_map()
    rows = ir.accelerator_table(amap, recorded(), ["pytorch", "jax", "tensorflow", "paddlepaddle", "keras"])
    for fw in ("pytorch", "jax", "tensorflow", "paddlepaddle"):
        assert found(rows, fw)["cuda"] == "index", fw
    assert found(rows, "jax")["tpu"] == "index"
    evidence = {(r["framework"], r["accelerator"]): r["evidence"] for r in rows}
    assert "provides the extra [tpu]" in evidence[("jax", "tpu")]
    assert evidence[("pytorch", "cuda")].startswith("torch 2.15.0") and "requires" in evidence[("pytorch", "cuda")]
    # ROCm for PyTorch comes only from its own index: curated, counted apart
    assert found(rows, "pytorch")["rocm"] == "curated"


def test_a_framework_with_no_provider_is_zero_with_evidence_not_missing():
    obs, acc, _ = ir.evaluate(recorded(), ["theano", "pytorch"], "2026-11-25")
    by = {(o.framework, o.metric): o for o in obs}
    theano = by[("theano", "accelerators_on_index")]
    assert theano.status == "ok" and theano.value == 0 and "none of" in theano.detail
    assert by[("pytorch", "accelerators_on_index")].value == 4
    assert by[("pytorch", "accelerators_curated")].value == 1


def test_keras_reaches_what_its_backends_reach():
    recs = recorded()
    rows = ir.accelerator_table(ir.load_accelerator_map(), recs, ["keras"])
    assert found(rows, "keras") == {"cuda": "index", "rocm": "index", "tpu": "index", "metal": "index", "ascend": "index"}
    ascend = [r for r in rows if r["accelerator"] == "ascend"][0]
    assert ascend["evidence"].startswith("through its pytorch backend: torch-npu")  # JAX and TensorFlow have no Ascend entry
    recs["torch-npu"] = dict(recs["torch-npu"], version="", reason="gone")
    assert found(ir.accelerator_table(ir.load_accelerator_map(), recs, ["keras"]), "keras")["ascend"] == "none"


def test_rule_fails_when_the_dependency_is_not_there():
    recs = recorded()
    recs["torch"] = dict(recs["torch"], requires_dist=" | ".join(
        r for r in recs["torch"]["requires_dist"].split(" | ") if not r.startswith(("nvidia", "cuda"))))
    rows = ir.accelerator_table(ir.load_accelerator_map(), recs, ["pytorch"])
    assert found(rows, "pytorch")["cuda"] == "none"
    assert "no rule held" in [r for r in rows if r["accelerator"] == "cuda"][0]["evidence"]


def test_a_plugin_released_after_the_date_does_not_count():
    recs = recorded()
    recs["jax-metal"] = dict(recs["jax-metal"], version="", reason="no final release of jax-metal by 2024-01-01")
    assert found(ir.accelerator_table(ir.load_accelerator_map(), recs, ["jax"]), "jax")["metal"] == "none"


def test_model_hub_reads_requirements_and_extras():
    rows = ir.model_hub_table(ir.load_model_libraries(), recorded(), ["pytorch", "keras", "mlx", "jax"])
    yes = {(r["framework"], r["library"]) for r in rows if r["supported"]}
    assert ("pytorch", "Transformers") in yes  # torch under the extra [torch]
    assert ("pytorch", "timm") in yes  # an unconditional requirement
    assert ("keras", "KerasHub") in yes and ("mlx", "MLX LM") in yes
    assert not any(fw == "jax" for fw, _ in yes)  # as of 2026-11-25 none of the seven declares JAX or Flax
    ev = {(r["framework"], r["library"]): r["evidence"] for r in rows}
    assert "extra [torch]" in ev[("pytorch", "Transformers")]


def test_model_hub_missing_when_a_library_was_not_read():
    recs = recorded()
    recs["timm"] = dict(recs["timm"], version="", reason="project 'timm' not found on the index (HTTP 404)")
    obs, _, _ = ir.evaluate(recs, ["pytorch"], "2026-11-25")
    hub = [o for o in obs if o.metric == "model_libraries"][0]
    assert hub.status == "missing" and "timm" in hub.reason


def test_map_errors_name_file_entry_and_field(tmp_path):
    bad = tmp_path / "acc.yaml"
    bad.write_text("accelerators: {cuda: CUDA}\nproviders:\n  pytorch:\n    - {accelerator: cuda, evidence: extra, match: x,"
                   " citation: {url: 'https://example.org', title: t}}\n")
    with pytest.raises(DataError, match=r"providers.pytorch\[0\].*project"):
        ir.load_accelerator_map(bad)
    bad.write_text("accelerators: {cuda: CUDA}\nproviders:\n  pytorch:\n    - {accelerator: cuda, evidence: release, project: p}\n")
    with pytest.raises(DataError, match="citation"):
        ir.load_accelerator_map(bad)
    bad.write_text("accelerators: {cuda: CUDA}\nproviders:\n  pytorch:\n    - {accelerator: gpu, evidence: release, project: p}\n")
    with pytest.raises(DataError, match="unknown accelerator 'gpu'"):
        ir.load_accelerator_map(bad)


def test_every_map_entry_is_cited():
    amap = ir.load_accelerator_map()
    assert amap.providers and all(p.citation["url"].startswith("https://") for p in amap.providers)
    libs = ir.load_model_libraries()
    assert len(libs.libraries) == 7


# --------------------------------------------------------------------------- the collector, on a fake index

def make_wheel(name: str, version: str, requires: list[str], extras: list[str], pad: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{name}/__init__.py", "x" * pad)
        meta = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        meta += [f"Provides-Extra: {e}" for e in extras] + [f"Requires-Dist: {r}" for r in requires]
        zf.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(meta) + "\n")
    return buf.getvalue()


class FakeResponse:
    def __init__(self, status, body=b"", headers=None):
        self.status_code, self.content, self.headers = status, body, headers or {}

    def json(self):
        return json.loads(self.content)


class FakeIndex:
    """Project pages (PEP 691) and wheels that answer range requests; counts the bytes served."""

    def __init__(self, projects: dict[str, list[tuple[str, str, bytes]]]):
        self.projects, self.served, self.ranges = projects, 0, 0

    def page(self, project):
        files = [{"filename": fn, "url": f"https://files.invalid/{fn}", "upload-time": when, "yanked": False, "size": len(blob)}
                 for fn, when, blob in self.projects[project]]
        return {"name": project, "files": files, "versions": []}

    def get(self, url, headers=None, timeout=None, **kw):
        if url.startswith("https://index.invalid/"):
            project = url.rstrip("/").rsplit("/", 1)[-1]
            if project not in self.projects:
                return FakeResponse(404)
            return FakeResponse(200, json.dumps(self.page(project)).encode(), {"Content-Type": "application/json"})
        blob = next(b for files in self.projects.values() for fn, _, b in files if url.endswith(fn))
        start, end = (int(x) for x in headers["Range"].split("=")[1].split("-"))
        self.ranges += 1
        self.served += end - start + 1
        return FakeResponse(206, blob[start:end + 1])


def test_collect_reads_metadata_by_range_requests_and_honours_the_date(tmp_path):
    big = make_wheel("torch", "2.0.0", ["nvidia-cuda-runtime-cu12; platform_system == 'Linux'"], [], pad=3_000_000)
    later = make_wheel("torch", "3.0.0", [], [])
    libs_wheel = make_wheel("timm", "1.0", ["torch"], [])
    index = FakeIndex({
        "torch": [("torch-2.0.0-cp311-cp311-manylinux_2_28_x86_64.whl", "2026-01-01T00:00:00Z", big),
                  ("torch-3.0.0-cp311-cp311-manylinux_2_28_x86_64.whl", "2026-12-01T00:00:00Z", later)],
        "timm": [("timm-1.0-py3-none-any.whl", "2026-01-01T00:00:00Z", libs_wheel)],
    })
    amap = ir.AcceleratorMap({"cuda": "CUDA", "tpu": "TPU"}, (
        ir.Provider("pytorch", "cuda", "requires", "torch", "^nvidia-", {"url": "https://a", "title": "a"}),
        ir.Provider("pytorch", "tpu", "release", "torch-xla", None, {"url": "https://b", "title": "b"})))
    libs = ir.ModelLibraries((("timm", "timm", {"url": "https://c", "title": "c"}),), {"pytorch": ("torch",)})
    from showdown_lib.acquire.sources.http import make_session

    session = make_session(use_cache=False)
    session.get = index.get  # the fake index answers every request
    result = ir.collect(["pytorch"], "2026-11-25", session=session, index="https://index.invalid", amap=amap, libs=libs)
    obs = {o.metric: o for o in result.observations}
    assert obs["accelerators_on_index"].value == 1  # CUDA from 2.0.0; 3.0.0 (after the date, no CUDA) is ignored
    assert obs["model_libraries"].value == 1
    assert index.served < len(big) / 4  # the central directory and METADATA only, not the 3 MB wheel
    meta = {r["project"]: r for r in result.tables["metadata"]}
    text = json.dumps(result.tables) + json.dumps(result.extra) + result.endpoint
    assert meta["torch"]["version"] == "2.0.0" and "files.invalid" not in text and "index.invalid" not in text
    assert "not found" in meta["torch-xla"]["reason"]


def test_range_file_reads_like_a_file():
    data = bytes(range(256)) * 5000
    calls = []

    def get(start, end):
        calls.append((start, end))
        return data[start:end + 1]

    f = io.BufferedReader(ir.RangeFile(get, len(data)))
    f.seek(len(data) - 10)
    assert f.read() == data[-10:]
    f.seek(300_000)
    assert f.read(5) == data[300_000:300_005]
    assert all(e - s + 1 <= ir.RANGE_BLOCK for s, e in calls)
