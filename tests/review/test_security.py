"""Safe defaults: loopback binding, token for anything else, host checks, strict headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from azr_safe.review import ReviewConfig, ReviewExposureError, create_app

TOKEN = "s3cret-token-for-tests-0123"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_need_no_token(tmp_path, host):
    assert ReviewConfig(run_dir=tmp_path, host=host).token is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_binding_elsewhere_without_a_token_is_refused(tmp_path, host):
    with pytest.raises(ReviewExposureError, match="without a token"):
        ReviewConfig(run_dir=tmp_path, host=host)


def test_a_short_token_is_refused(tmp_path):
    with pytest.raises(ReviewExposureError, match="at least 16"):
        ReviewConfig(run_dir=tmp_path, host="0.0.0.0", token="short")


def test_a_foreign_host_header_is_rejected_on_an_unauthenticated_server(client):
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example.
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200


def test_responses_carry_strict_security_headers(client):
    headers = client.get("/").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


@pytest.fixture
def token_client(run_dir):
    app = create_app(ReviewConfig(run_dir=run_dir, host="0.0.0.0", token=TOKEN))
    with TestClient(app, base_url="http://192.168.1.10:8765") as c:
        yield c


def test_with_a_token_every_page_and_api_needs_it(token_client):
    assert token_client.get("/api/samples").status_code == 401
    assert token_client.get("/api/samples").json() == {
        "ok": False, "error": "authentication required: send the review token", "status": 401
    }
    redirect = token_client.get("/", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/login"
    assert token_client.get("/export/labels.jsonl").status_code == 401
    wrong = token_client.get("/api/samples", headers={"Authorization": "Bearer " + "x" * len(TOKEN)})
    assert wrong.status_code == 401
    assert token_client.get("/api/samples", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_signing_in_with_the_token_sets_an_httponly_session_cookie(token_client):
    bad = token_client.post("/login", data={"token": "nope"}, follow_redirects=False)
    assert bad.status_code == 401
    good = token_client.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert good.status_code == 303
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert token_client.get("/").status_code == 200


def test_every_page_says_whether_the_log_verifies(client):
    assert client.app.state.integrity.wait(60).status == "intact"
    assert 'id="integrity" title="OK:' in client.get("/").text


def test_a_tampered_log_is_announced_on_every_page(run_dir):
    segment = sorted(run_dir.glob("segment-*.jsonl"))[0]
    text = segment.read_text()
    segment.write_text(text.replace('"step":2,', '"step":3,', 1))
    app = create_app(ReviewConfig(run_dir=run_dir))
    assert app.state.integrity.wait(60).status == "tampered"
    with TestClient(app, base_url="http://127.0.0.1") as c:
        page = c.get("/dashboard").text
        assert "LOG TAMPERED" in page and 'id="integrity-banner">TAMPERED:' in page
