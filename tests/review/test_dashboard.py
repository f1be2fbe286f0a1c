"""The run dashboard: per-step series agree with the log, and render as inline SVG."""

from __future__ import annotations

import re
from collections import defaultdict

from azr_safe.audit import iter_records
from azr_safe.review import stats


def test_flag_rate_per_category_and_step_matches_the_log(client, run_dir):
    samples = list(iter_records(run_dir, event="sample"))
    per_step = defaultdict(int)
    flagged = defaultdict(int)
    for r in samples:
        per_step[r.step] += 1
        for c in {c for v in r.verdicts for c in v.labels}:
            flagged[(c, r.step)] += 1
    series = stats.dashboard(client.app.state.index).flag_rate
    for category, points in series.items():
        for step, rate in points:
            assert rate == flagged[(category, step)] / per_step[step]
    assert set(series) == {c for c, _ in flagged}


def test_action_counts_reward_and_valid_proposal_rate_match_the_log(client, run_dir):
    samples = list(iter_records(run_dir, event="sample"))
    d = stats.dashboard(client.app.state.index)
    vetoes = defaultdict(int)
    for r in samples:
        vetoes[r.step] += "veto_reward" in r.decision.actions or r.decision.action == "veto_reward"
    assert dict(d.actions["veto_reward"]) == dict(vetoes)
    step0 = [r for r in samples if r.step == 0]
    props = [r.sample.valid for r in step0 if r.sample.role == "propose"]
    assert dict(d.valid_proposals["valid"])[0] == sum(props) / len(props)
    ded_solve = [r.sample.reward for r in step0 if (r.sample.task_type, r.sample.role) == ("deduction", "solve")]
    assert dict(d.reward["deduction/solve"])[0] == sum(ded_solve) / len(ded_solve)
    assert dict(d.solve_rate["deduction/solve"])[0] == sum(x > 0 for x in ded_solve) / len(ded_solve)
    assert d.totals["samples"] == len(samples)


def test_dashboard_page_draws_five_charts_without_scripts(client):
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert page.text.count('<svg class="chart"') == 5
    assert "<script" not in page.text
    assert re.search(r'<polyline class="series-0" points="[\d., ]+"><title>abduction/propose</title>', page.text)


def test_dashboard_of_an_empty_run_says_so(tmp_path):
    from fastapi.testclient import TestClient

    from azr_safe.audit import AuditLog, RunStart
    from azr_safe.review import ReviewConfig, create_app

    with AuditLog(tmp_path / "empty") as log:
        log.append(RunStart())
    with TestClient(create_app(ReviewConfig(run_dir=tmp_path / "empty")), base_url="http://127.0.0.1") as c:
        page = c.get("/dashboard").text
        assert "No data yet" in page
        assert "No samples match" in c.get("/").text


def test_run_events_are_listed_with_the_halt_rule_and_escaped(client, run_dir):
    from azr_safe.audit import AuditLog, Halt, RunEnd

    with AuditLog(run_dir) as log:
        log.append(Halt(step=7, rule_id="halt-high-confidence-reasoning", sample_id="7-x", message="<script>stop</script>"))
        log.append(RunEnd(status="halted", steps=8))
    page = client.get("/dashboard").text
    table = page.split('id="run-events"')[1].split("</table>")[0]
    assert table.index("run_start") < table.index("halt") < table.index("run_end")
    assert "rule_id: halt-high-confidence-reasoning; sample_id: 7-x; message: &lt;script&gt;stop&lt;/script&gt;" in table
    assert "<script>" not in page
