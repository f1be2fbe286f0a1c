"""Property: no single-byte change anywhere in a log's segments or HEAD leaves it verifying as intact."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azr_safe.audit import verify_log

from .helpers import record_run


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("pristine") / "run"
    record_run(run_dir, steps=2, per_step=3, max_segment_bytes=2048)
    assert verify_log(run_dir).status == "intact"
    return run_dir


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file_pick=st.integers(min_value=0), position=st.floats(min_value=0, max_value=1, exclude_max=True),
       new_byte=st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_is_detected(pristine, tmp_path_factory, file_pick, position, new_byte):
    run_dir = tmp_path_factory.mktemp("edit") / "run"
    shutil.copytree(pristine, run_dir)
    files = sorted([*run_dir.glob("segment-*.jsonl"), run_dir / "HEAD.json"])
    target = files[file_pick % len(files)]
    data = bytearray(target.read_bytes())
    index = int(position * len(data))
    if data[index] == new_byte:
        new_byte = (new_byte + 1) % 256
    data[index] = new_byte
    target.write_bytes(bytes(data))
    report = verify_log(run_dir)
    assert report.status != "intact", (target.name, index, new_byte)
