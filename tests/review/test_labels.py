"""Labels: CSRF-checked posts append hash-chained review_label records that `audit verify` covers."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from azr_safe.audit import iter_records, verify_log

from .conftest import HOSTILE_ID, csrf

SAMPLE = "0-deduction-propose-0"


def _line_count(run_dir) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in run_dir.glob("segment-*.jsonl"))


def _post_label(client, sample_id=SAMPLE, **fields):
    data = {"csrf_token": csrf(client), "label": "true_positive", "note": "", **fields}
    return client.post(f"/samples/{quote(sample_id, safe='')}/label", data=data, follow_redirects=False)


def test_a_label_is_appended_as_a_review_label_record_and_the_log_still_verifies(client, run_dir):
    response = _post_label(client, label="false_positive", note="solver talks about loops", reviewer="alice")
    assert response.status_code == 303
    labels = list(iter_records(run_dir, event="review_label"))
    assert len(labels) == 1
    record = labels[0]
    target = next(r for r in iter_records(run_dir, event="sample") if r.sample.sample_id == SAMPLE)
    assert (record.sample_id, record.target_seq, record.label, record.author, record.note) == (
        SAMPLE, target.seq, "false_positive", "alice", "solver talks about loops"
    )
    assert verify_log(run_dir).ok


def test_the_page_shows_the_label_history_and_the_list_can_filter_on_it(client):
    _post_label(client, label="needs_discussion", note="first look")
    _post_label(client, label="true_positive", note="<b>second</b> look")
    page = client.get(f"/samples/{SAMPLE}").text
    history = page.split('id="history"')[1].split("</ol>")[0]
    assert history.index("needs discussion") < history.index("true positive")
    assert "&lt;b&gt;second&lt;/b&gt; look" in history  # notes are escaped too
    assert [r["sample_id"] for r in client.get("/api/samples?label=true_positive").json()["rows"]] == [SAMPLE]
    assert SAMPLE not in [r["sample_id"] for r in client.get("/api/samples?reviewed=no&per_page=500").json()["rows"]]
    assert [r["sample_id"] for r in client.get("/api/samples?reviewed=yes").json()["rows"]] == [SAMPLE]


def test_editing_a_label_record_afterwards_is_caught_by_verify(client, run_dir):
    _post_label(client, label="true_positive")
    assert verify_log(run_dir).ok
    segment = sorted(run_dir.glob("segment-*.jsonl"))[-1]
    text = segment.read_text()
    assert '"label":"true_positive"' in text
    segment.write_text(text.replace('"label":"true_positive"', '"label":"false_positive"'))
    report = verify_log(run_dir)
    assert not report.ok and report.status == "tampered"


@pytest.mark.parametrize(
    "change, status",
    [
        pytest.param({"csrf_token": ""}, 403, id="missing-csrf"),
        pytest.param({"csrf_token": "0" * 64}, 403, id="wrong-csrf"),
        pytest.param({"label": "definitely_bad"}, 400, id="unknown-label"),
        pytest.param({"note": "x" * 4001}, 400, id="note-too-long"),
    ],
)
def test_bad_label_posts_are_refused_and_nothing_is_written(client, run_dir, change, status):
    before = _line_count(run_dir)
    response = _post_label(client, **change)
    assert response.status_code == status
    assert _line_count(run_dir) == before


def test_a_cross_origin_post_is_refused_even_with_the_token(client, run_dir):
    before = _line_count(run_dir)
    data = {"csrf_token": csrf(client), "label": "true_positive"}
    response = client.post(f"/samples/{SAMPLE}/label", data=data, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403 and _line_count(run_dir) == before


def test_labelling_an_unknown_sample_is_a_404_and_writes_nothing(client, run_dir):
    before = _line_count(run_dir)
    assert _post_label(client, sample_id="no-such-sample").status_code == 404
    assert _line_count(run_dir) == before


def test_an_oversized_form_is_refused(client, run_dir):
    before = _line_count(run_dir)
    response = _post_label(client, note="y" * 70_000)
    assert response.status_code in (400, 413) and _line_count(run_dir) == before


def test_the_app_writes_nothing_but_label_records(client, run_dir):
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.name.startswith("segment-")}
    for path in ["/", "/dashboard", f"/samples/{quote(HOSTILE_ID, safe='')}", "/api/samples", "/export/labels.jsonl"]:
        assert client.get(path).status_code == 200
    after = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.name.startswith("segment-")}
    assert after == before
    _post_label(client)
    grown = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.name.startswith("segment-")}
    new_lines = [ln for name, data in grown.items() for ln in data[len(before.get(name, b"")) :].splitlines()]
    assert [json.loads(ln)["event"] for ln in new_lines] == ["review_label"]


def test_a_sample_id_logged_twice_labels_the_latest_record(client, run_dir):
    # A resumed run re-logs a step: same sample id, a new record. The label targets the new record.
    import random

    from azr_safe.audit import AuditLog, SampleEvent

    from ._fakes import make_sample

    sample, verdicts, decision = make_sample(0, 0, flagged=True, rng=random.Random(5))
    assert sample.sample_id == SAMPLE
    with AuditLog(run_dir) as log:
        again = log.append(SampleEvent(step=0, sample=sample, verdicts=verdicts, decision=decision))
    assert _post_label(client).status_code == 303
    (label,) = iter_records(run_dir, event="review_label")
    assert label.target_seq == again.seq
    rows = client.get("/api/samples?reviewed=yes").json()["rows"]
    assert [r["seq"] for r in rows] == [r["seq"] for r in client.get("/api/samples?per_page=500").json()["rows"] if r["sample_id"] == SAMPLE][-1:]
