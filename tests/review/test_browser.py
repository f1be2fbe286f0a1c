"""End to end in headless Chromium on a recorded run: filter, open, label, verify, tamper.

Screenshots go to test-artifacts/review/ (git-ignored).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from azr_safe.errors import JailUnavailableError

from ._recorded import HOSTILE, drill_run, record_run

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "review"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory) -> Path:
    """A drill run (real trainer, jail, monitors, policy, audit log); without a jail, the fallback."""
    out = tmp_path_factory.mktemp("recorded")
    try:
        return drill_run(out / "drill")
    except JailUnavailableError as err:
        warnings.warn(f"jail unavailable ({err}); reviewing a run recorded without the trainer", stacklevel=1)
        return record_run(out / "run-e2e", steps=3)


@pytest.fixture(scope="module")
def server(recorded_run):
    """The real app under uvicorn on a loopback port, in a thread of this process."""
    import uvicorn

    from azr_safe.review import ReviewConfig, create_app

    port = _free_port()
    app = create_app(ReviewConfig(run_dir=recorded_run, port=port, reviewer="e2e", refresh_interval_s=0.0))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "review server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1360, "height": 1000})
    pg = ctx.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    ctx.close()


def _verify(run_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "azr_safe.cli", "audit", "verify", str(run_dir)], capture_output=True, text=True
    )


def test_filter_open_label_and_verify_in_a_real_browser(server, page, recorded_run, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(server + "/")
    total_flagged = int(page.inner_text("#total").split()[0])
    assert total_flagged > 0

    # Filter: pick the category with the most flags from the facet list, through the form.
    top_category = page.inner_text("#facet-category li a >> nth=0")
    expected = int(page.inner_text("#facet-category li .count >> nth=0"))
    page.select_option("select[name=category]", top_category)
    page.click("#apply")
    page.wait_for_url(f"**category={top_category}**")
    assert int(page.inner_text("#total").split()[0]) == expected
    rows = page.locator("#samples tbody tr")
    assert rows.count() == min(expected, 50)
    for i in range(rows.count()):
        assert top_category in rows.nth(i).inner_text()
    page.screenshot(path=str(ARTIFACTS / "list-filtered.png"), full_page=True)

    # Open the first sample; its evidence is highlighted and the filter travels along.
    page.click("#samples a.sample-link >> nth=0")
    page.wait_for_selector("#sample-title")
    assert page.locator("#field-reasoning mark.ev").count() >= 1
    assert page.locator("#decision .action").inner_text() != ""
    assert f"category={top_category}" in page.url

    # Label it; the label shows in the history and in the audit log, which still verifies.
    sample_id = page.inner_text("#sample-title")
    page.check("input[name=label][value=true_positive]")
    page.fill("textarea[name=note]", "confirmed in browser <b>test</b>")
    page.click("#save-label")
    page.wait_for_selector("#history li")
    assert "true positive" in page.inner_text("#history")
    assert "confirmed in browser <b>test</b>" in page.inner_text("#history")  # shown as text
    page.screenshot(path=str(ARTIFACTS / "detail-labelled.png"), full_page=True)
    assert page.dialogs == []

    from azr_safe.audit import iter_records

    labels = [r for r in iter_records(recorded_run, event="review_label")]
    assert [(r.sample_id, r.label, r.author) for r in labels] == [(sample_id, "true_positive", "e2e")]
    ok = _verify(recorded_run)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # Tampering with the label record afterwards is caught.
    tampered = tmp_path / "tampered"
    shutil.copytree(recorded_run, tampered)
    segment = sorted(tampered.glob("segment-*.jsonl"))[-1]
    segment.write_text(segment.read_text().replace('"label":"true_positive"', '"label":"false_positive"'))
    bad = _verify(tampered)
    assert bad.returncode != 0 and "TAMPERED" in (bad.stdout + bad.stderr)


def test_a_trace_with_script_renders_as_text_and_never_runs(server, page):
    page.goto(server + "/?show=all&per_page=500")
    hostile_rows = page.locator("#samples tbody tr", has_text="onerror=alert(1)>")
    assert hostile_rows.count() >= 1, "the recorded run holds the hostile trace"
    assert "onerror=alert(1)>" in hostile_rows.first.locator("td.excerpt").inner_text()  # shown as text
    hostile_rows.first.locator("a.sample-link").click()
    page.wait_for_selector("#sample-title")
    assert HOSTILE in page.inner_text("#field-reasoning pre")
    assert page.evaluate("document.querySelectorAll('script, img').length") == 0
    assert page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "detail-hostile.png"), full_page=True)


def test_next_link_walks_the_flagged_list_and_the_dashboard_draws(server, page):
    page.goto(server + "/")
    first = page.inner_text("#samples a.sample-link >> nth=0")
    second = page.inner_text("#samples a.sample-link >> nth=1")
    page.click("#samples a.sample-link >> nth=0")
    assert page.inner_text("#sample-title") == first
    page.click("#next")
    assert page.inner_text("#sample-title") == second
    page.click("#prev")
    assert page.inner_text("#sample-title") == first
    page.goto(server + "/dashboard")
    assert page.locator("svg.chart").count() == 5
    assert page.locator("svg.chart polyline, svg.chart circle").count() >= 5  # a 1-step run draws points
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
