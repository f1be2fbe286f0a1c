"""The flagged-sample list: filters, facet counts, sorting and paging agree with a brute-force pass."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from azr_safe.audit import SampleEvent, iter_records


def _flagged(run_dir):
    return [r for r in iter_records(run_dir, event="sample") if r.decision.action != "allow" or any(v.flagged for v in r.verdicts)]


def _ids(client, query: str) -> list[str]:
    data = client.get(f"/api/samples?{query}").json()
    assert data["ok"] is True
    return [row["sample_id"] for row in data["rows"]]


def test_list_shows_only_flagged_samples_by_default(client, run_dir):
    expected = [r.sample.sample_id for r in _flagged(run_dir)]
    assert _ids(client, "per_page=500") == expected
    page = client.get("/")
    assert page.status_code == 200
    assert f"{len(expected)} matching" in page.text


def test_show_all_lists_every_sample(client, run_dir):
    every = [r.sample.sample_id for r in iter_records(run_dir, event="sample")]
    assert _ids(client, "show=all&per_page=500") == every


def test_category_counts_match_a_pass_over_the_log(client, run_dir):
    expected = Counter(c for r in _flagged(run_dir) for c in {c for v in r.verdicts for c in v.labels})
    facets = client.get("/api/samples").json()["facets"]
    assert facets["category"] == dict(expected)


@pytest.mark.parametrize(
    "param, value, keep",
    [
        pytest.param("category", "deception", lambda r: "deception" in {c for v in r.verdicts for c in v.labels}, id="category"),
        pytest.param("monitor", "sandbox_violation", lambda r: any(v.monitor == "sandbox_violation" and v.labels for v in r.verdicts), id="monitor"),
        pytest.param("action", "veto_reward", lambda r: r.decision.action == "veto_reward", id="action"),
        pytest.param("step", "3", lambda r: r.step == 3, id="step"),
        pytest.param("role", "propose", lambda r: r.sample.role == "propose", id="role"),
        pytest.param("task_type", "induction", lambda r: r.sample.task_type == "induction", id="task_type"),
    ],
)
def test_each_filter_selects_exactly_the_matching_flagged_samples(client, run_dir, param, value, keep):
    expected = [r.sample.sample_id for r in _flagged(run_dir) if keep(r)]
    assert expected, "the fixture must contain matches"
    assert _ids(client, f"{param}={value}&per_page=500") == expected


def test_sorting_by_score_descending_puts_the_most_confident_flag_first(client):
    ids = _ids(client, "sort=score&order=desc")
    assert ids[0] == "7-deduction-solve-<i>x"  # the only 0.97 score


def test_paging_splits_the_list_without_overlap(client):
    everything = _ids(client, "per_page=500")
    first, second = _ids(client, "per_page=5&page=1"), _ids(client, "per_page=5&page=2")
    assert first == everything[:5] and second == everything[5:10]
    page = client.get("/?per_page=5&page=2").text
    assert "page 2 of 3" in page
    assert re.search(r'href="[^"]*page=3[^"]*" rel="next"', page)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("action=explode", id="unknown-action"),
        pytest.param("page=0", id="page-zero"),
        pytest.param("per_page=100000", id="huge-page"),
        pytest.param("sort=sample_id;DROP TABLE samples", id="sql-in-sort"),
        pytest.param("bogus=1", id="unknown-parameter"),
    ],
)
def test_bad_parameters_get_a_clear_400_in_one_json_shape(client, query):
    response = client.get(f"/api/samples?{query}")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False and body["status"] == 400
    assert "bad parameter" in body["error"]
    html = client.get(f"/?{query}")
    assert html.status_code == 400 and "bad parameter" in html.text


def test_records_appended_after_start_appear_without_a_restart(client, run_dir):
    import random

    from azr_safe.audit import AuditLog
    from ._fakes import make_sample

    before = len(_ids(client, "per_page=500"))
    sample, verdicts, decision = make_sample(5000, 9, flagged=True, rng=random.Random(3))
    with AuditLog(run_dir) as log:
        log.append(SampleEvent(step=9, sample=sample, verdicts=verdicts, decision=decision))
    after = _ids(client, "per_page=500")
    assert len(after) == before + 1 and after[-1] == sample.sample_id


def test_a_torn_last_line_is_skipped_until_it_is_complete(client, run_dir):
    segment = sorted(run_dir.glob("segment-*.jsonl"))[-1]
    before = client.get("/api/samples?show=all&per_page=500").json()["total"]
    with segment.open("ab") as fh:
        fh.write(b'{"event": "sample", "step": 1')  # a writer crashed mid-line
    assert client.get("/api/samples?show=all&per_page=500").json()["total"] == before
    assert client.get("/").status_code == 200


def test_malformed_complete_records_are_counted_not_fatal(client, run_dir):
    segment = sorted(run_dir.glob("segment-*.jsonl"))[-1]
    with segment.open("ab") as fh:
        fh.write(b'{"event": "sample", "sample": {"sample_id": "x", "step": "not-a-number"}}\n')
        fh.write(b"\x00\xff not json at all\n")
        fh.write(b"[1, 2, 3]\n")
    page = client.get("/")
    assert page.status_code == 200
    assert "3 unreadable" in page.text
    assert "x" not in [r["sample_id"] for r in client.get("/api/samples?show=all&per_page=500").json()["rows"]]


@pytest.mark.parametrize("query", ["", "action=veto_reward", "role=solve&category=deception", "monitor=reasoning_patterns&task_type=abduction"])
def test_every_facet_ignores_only_its_own_filter(client, run_dir, query):
    records = _flagged(run_dir)
    params = dict(p.split("=") for p in query.split("&") if p)
    value = {
        "category": lambda r: {c for v in r.verdicts for c in v.labels},
        "monitor": lambda r: {v.monitor for v in r.verdicts if v.labels},
        "action": lambda r: {r.decision.action},
        "role": lambda r: {r.sample.role},
        "task_type": lambda r: {r.sample.task_type},
    }
    facets = client.get(f"/api/samples?{query}").json()["facets"]
    for name, of in value.items():
        others = {k: v for k, v in params.items() if k != name}
        if "category" in others and "monitor" in others:
            pytest.skip("category+monitor must match on one verdict; covered by the filter test")
        kept = [r for r in records if all(v in value[k](r) for k, v in others.items())]
        expected = Counter(x for r in kept for x in of(r))
        assert facets[name] == dict(expected), name


def test_filter_drop_downs_offer_the_values_present_in_the_run(client, run_dir):
    records = list(iter_records(run_dir, event="sample"))
    choices = client.app.state.index.choices()
    assert choices["action"] == sorted({r.decision.action for r in records})
    assert choices["role"] == sorted({r.sample.role for r in records})
    assert choices["category"] == sorted({c for r in records for v in r.verdicts for c in v.labels})
    page = client.get("/").text
    for action in choices["action"]:
        assert f'<option value="{action}"' in page


def test_rotated_segments_are_indexed_in_order_and_new_ones_are_picked_up(tmp_path):
    from fastapi.testclient import TestClient

    from azr_safe.review import ReviewConfig, create_app

    from ._fakes import write_run

    run = tmp_path / "rotated"
    write_run(run, n_steps=3, per_step=10, segment_bytes=4096)
    assert len(list(run.glob("segment-*.jsonl"))) > 5
    app = create_app(ReviewConfig(run_dir=run, refresh_interval_s=0.0))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        every = [r.sample.sample_id for r in iter_records(run, event="sample")]
        assert [r["sample_id"] for r in c.get("/api/samples?show=all&per_page=500").json()["rows"]] == every
        write_run(run, n_steps=1, per_step=10, segment_bytes=4096, seed=1)  # the run goes on, new segments
        later = [r.sample.sample_id for r in iter_records(run, event="sample")]
        assert len(later) == len(every) + 10
        assert [r["sample_id"] for r in c.get("/api/samples?show=all&per_page=500").json()["rows"]] == later
