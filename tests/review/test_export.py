"""Label export: rows the monitor trainer's own loader accepts, with the right labels and evidence."""

from __future__ import annotations

from urllib.parse import quote

from azr_safe.monitors.corpus import load_labeled

from .conftest import HOSTILE_ID, csrf


def _label(client, sample_id, label):
    data = {"csrf_token": csrf(client), "label": label}
    assert client.post(f"/samples/{quote(sample_id, safe='')}/label", data=data, follow_redirects=False).status_code == 303


def test_export_is_a_corpus_that_monitor_train_loads(client, tmp_path):
    first, second = [r["sample_id"] for r in client.get("/api/samples?per_page=2").json()["rows"]]
    _label(client, HOSTILE_ID, "true_positive")
    _label(client, first, "needs_discussion")  # left out
    _label(client, second, "true_positive")
    _label(client, second, "false_positive")  # the latest label wins
    response = client.get("/export/labels.jsonl")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "labels.jsonl"
    path.write_text(response.text)
    traces = {t.id: t for t in load_labeled(path)}
    assert set(traces) == {f"review:{HOSTILE_ID}", f"review:{second}"}
    tp = traces[f"review:{HOSTILE_ID}"]
    assert (tp.label, tp.categories, tp.kind, tp.role, tp.task_type) == ("concerning", ["deception"], "concerning", "solve", "deduction")
    assert tp.text[tp.evidence[0].start : tp.evidence[0].end].startswith("<script>")  # raw text, not HTML
    fp = traces[f"review:{second}"]
    assert (fp.label, fp.kind, fp.categories, fp.evidence) == ("benign", "hard_negative", [], [])


def test_export_windows_feed_the_trainer(client, tmp_path):
    from azr_safe.monitors.train import corpus_windows

    _label(client, HOSTILE_ID, "true_positive")
    path = tmp_path / "labels.jsonl"
    path.write_text(client.get("/export/labels.jsonl").text)
    windows = corpus_windows(load_labeled(path))
    assert 1 in windows.concerning  # the evidence span makes at least one positive window
