"""The detail page: escaping of model text, evidence highlighting, verdicts, decision, neighbours."""

from __future__ import annotations

import re
from urllib.parse import quote

from .conftest import HOSTILE_ID


def _detail(client, sample_id: str, query: str = ""):
    response = client.get(f"/samples/{quote(sample_id, safe='')}?{query}")
    assert response.status_code == 200, response.text
    return response.text


def test_html_and_script_in_model_text_render_as_text(client):
    page = _detail(client, HOSTILE_ID)
    # No model-written markup survives anywhere on the page: not in the trace, program, stdout,
    # violation, labels, decision message, or the sample id itself.
    assert "<script" not in page
    assert "<img" not in page and "<svg onload" not in page and "<b>" not in page and "<i>x" not in page
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page
    assert "img src=x onerror=alert(1)&gt;" in page  # (an evidence mark ends inside this tag)
    assert "&lt;/pre&gt;&lt;script&gt;alert(2)" in page  # program
    assert "&lt;script&gt;alert(3)" in page  # stdout
    assert "execve &lt;svg onload=alert(4)&gt;" in page  # violation
    assert "&lt;script&gt;alert(5)" in page  # policy message
    assert "&amp;amp; done" in page  # an entity in the trace is shown literally, not decoded


def test_model_text_in_the_list_excerpt_is_escaped(client):
    page = client.get("/?category=deception").text
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_the_page_forbids_scripts_by_content_security_policy(client):
    response = client.get(f"/samples/{quote(HOSTILE_ID, safe='')}")
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none' applies
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_evidence_span_is_highlighted_with_its_monitor_and_category(client):
    page = _detail(client, HOSTILE_ID)
    marks = re.findall(r'<mark class="ev ev-\d" title="([^"]+)">([^<]*)</mark>', page)
    assert [(title, text[:14]) for title, text in marks] == [("reasoning_patterns: deception", "&lt;script&gt;")]


def test_detail_shows_every_verdict_the_decision_rule_and_the_violation(client):
    page = _detail(client, HOSTILE_ID)
    assert "reasoning_patterns" in page and "sandbox_violation" in page
    assert 'id="rules">halt-high-confidence-reasoning, veto-sandbox-violation<' in page
    assert '<span class="action big">halt</span>' in page
    assert 'id="violation"' in page
    assert "policy sha256 <code>" + "ab" * 32 in page


def test_previous_and_next_follow_the_filtered_order(client):
    ids = [r["sample_id"] for r in client.get("/api/samples?action=flag&per_page=500").json()["rows"]]
    assert len(ids) >= 3
    page = _detail(client, ids[1], "action=flag")
    prev_link = re.search(r'id="prev" rel="prev" href="/samples/([^"?]+)\?([^"]*)"', page)
    next_link = re.search(r'id="next" rel="next" href="/samples/([^"?]+)\?([^"]*)"', page)
    assert prev_link.group(1) == quote(ids[0], safe="") and next_link.group(1) == quote(ids[2], safe="")
    assert "action=flag" in next_link.group(2)  # the filter travels along
    first = _detail(client, ids[0], "action=flag")
    assert 'id="prev"' not in first


def test_previous_and_next_follow_a_descending_sort(client):
    ids = [r["sample_id"] for r in client.get("/api/samples?sort=step&order=desc&per_page=500").json()["rows"]]
    page = _detail(client, ids[3], "sort=step&order=desc")
    assert f'href="/samples/{quote(ids[2], safe="")}?' in page.split('id="prev"')[1][:200]
    assert f'href="/samples/{quote(ids[4], safe="")}?' in page.split('id="next"')[1][:200]


def test_unknown_sample_is_a_404_page_not_a_traceback(client):
    response = client.get("/samples/does-not-exist")
    assert response.status_code == 404 and "no sample" in response.text
    api = client.get("/api/samples/does-not-exist")
    assert api.status_code == 404 and api.json()["ok"] is False


def test_attributions_are_computed_off_the_request_and_then_shown(run_dir):
    import threading

    from fastapi.testclient import TestClient

    from azr_safe.review import ReviewConfig, create_app

    release = threading.Event()

    def slow_attribution(text: str):
        release.wait(5)
        i = text.index("overseers")
        return [(i, i + len("overseers"), 0.8), (0, 1, -0.2)]

    app = create_app(ReviewConfig(run_dir=run_dir), attribution_fn=slow_attribution)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        url = f"/samples/{quote(HOSTILE_ID, safe='')}"
        token = app.state.guard.csrf_token
        started = c.post(url + "/attributions", data={"csrf_token": token}, follow_redirects=False)
        assert started.status_code == 303
        pending = c.get(url).text
        assert "Computing" in pending and 'http-equiv="refresh"' in pending  # the request did not wait
        release.set()
        app.state.attributions._jobs[HOSTILE_ID].result(timeout=5)
        done = c.get(url).text
        assert re.search(r'<mark class="attr attr-pos-5" title="attribution \+0.800">overseers</mark>', done)


def test_the_monitors_explain_output_becomes_character_spans(monkeypatch):
    # The adapter around azr_safe.monitors.attributions.explain, without loading MiniLM.
    import azr_safe.monitors.attributions as attributions
    import azr_safe.monitors.classifier as classifier
    from azr_safe.monitors.attributions import Explanation, TokenAttribution
    from azr_safe.review.attributions import default_attribution_fn

    monkeypatch.setattr(classifier, "ReasoningClassifier", lambda gate: "stub-classifier")
    seen = {}

    def fake_explain(text, clf, top_windows):
        seen.update(text=text, clf=clf, top_windows=top_windows)
        token = TokenAttribution(token="over", start=5, end=9, attribution=0.7)
        return [Explanation(window_start=0, window_end=20, concerning=0.9, tokens=[token], convergence_delta=0.0)]

    monkeypatch.setattr(attributions, "explain", fake_explain)
    fn = default_attribution_fn()
    assert fn("some overseers text") == [(5, 9, 0.7)]
    assert seen == {"text": "some overseers text", "clf": "stub-classifier", "top_windows": 1}
