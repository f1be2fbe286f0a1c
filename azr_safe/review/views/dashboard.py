"""The run dashboard: per-step charts rendered as inline SVG."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from azr_safe.review import stats
from azr_safe.review.app import render
from azr_safe.review.plots import line_chart

router = APIRouter()


@router.get("/dashboard")
def run_dashboard(request: Request) -> Response:
    index = request.app.state.index
    index.refresh()
    d = stats.dashboard(index)
    charts = [
        ("Flag rate by category", line_chart("flag rate by category", d.flag_rate, y_max=1.0, y_label="share")),
        ("Vetoes, drops, quarantines and halts", line_chart("policy actions", d.actions, y_label="samples")),
        ("Mean reward by task type and role", line_chart("mean reward", d.reward, y_label="reward")),
        ("Solve rate by task type and role", line_chart("solve rate", d.solve_rate, y_max=1.0, y_label="rate")),
        ("Valid-proposal rate", line_chart("valid-proposal rate", d.valid_proposals, y_max=1.0, y_label="rate")),
    ]
    events = index.rows("SELECT audit_seq, event, step, ts, summary FROM events ORDER BY seq")
    return render(request, "dashboard.html", charts=charts, totals=d.totals, events=events)
