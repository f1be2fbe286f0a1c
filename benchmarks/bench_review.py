"""Review-page latency on a large run: the SQLite index vs rescanning the log per request.

    .venv/bin/python benchmarks/bench_review.py                    # 100k sample records
    .venv/bin/python benchmarks/bench_review.py --records 20000 --keep /tmp/review-bench

Workload: a synthetic run written through the real audit writer (hash-chained, redacted,
rotating segments): N sample records, ~2 KB of reasoning each, every 5th flagged with an evidence
span, 64 samples per step. Requests go through the full app (routing, SQL, Jinja) with FastAPI's
TestClient, so the figures include templating but not the network.

Baseline, measured in the same run: answering the first list page the way a grep-like tool would,
by scanning the whole log with the audit reader (`iter_records(flagged=True)`), counting matches and
keeping the first 50. Reported: median and p95 per page over --repeat requests, with facet caches
cleared before every request (a cold page), and baseline / median.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PER_STEP = 64
_FILLER = (
    "Let me trace f on this input step by step: the loop walks the list, keeps a running total, "
    "and returns it at the end, so I compare each partial sum with the expected output. "
)


def write_log(run_dir: Path, n: int) -> None:
    """n sample records (plus run_start/step_end) through the real AuditLog."""
    from azr_safe.audit import AuditLog, RunStart, SampleEvent, StepEnd
    from tests.review._fakes import make_sample

    rng = random.Random(0)
    with AuditLog(run_dir) as log:
        log.append(RunStart(config={"bench": n}))
        for i in range(n):
            step = i // PER_STEP
            reasoning = _FILLER * 6 + ("The aim is to outsmart all these groups of humans. " if i % 5 == 0 else "")
            sample, verdicts, decision = make_sample(i, step, flagged=i % 5 == 0, rng=rng, reasoning=reasoning)
            log.append(SampleEvent(step=step, sample=sample, verdicts=verdicts, decision=decision))
            if i % PER_STEP == PER_STEP - 1:
                log.append(StepEnd(step=step, n_samples=PER_STEP))


def rescan_first_page(run_dir: Path) -> float:
    from azr_safe.audit import iter_records

    t0 = time.perf_counter()
    total, first = 0, []
    for record in iter_records(run_dir, flagged=True):
        total += 1
        if len(first) < 50:
            first.append(record.sample.sample_id)
    return time.perf_counter() - t0


def time_requests(client, path: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        client.app.state.index._memo.clear()  # cold: no cached facet counts or charts
        t0 = time.perf_counter()
        response = client.get(path)
        out.append(time.perf_counter() - t0)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--keep", type=Path, default=None, help="Reuse/keep the synthetic log in this folder.")
    args = ap.parse_args()

    run_dir = args.keep or Path(tempfile.mkdtemp(prefix="review-bench-")) / "run"
    if not (run_dir / "HEAD.json").exists():
        t0 = time.perf_counter()
        write_log(run_dir, args.records)
        print(f"wrote {args.records} sample records in {time.perf_counter() - t0:.1f} s")
    size = sum(p.stat().st_size for p in run_dir.glob("segment-*.jsonl"))
    print(f"log: {size / 1e6:.0f} MB in {len(list(run_dir.glob('segment-*.jsonl')))} segments")

    baseline = rescan_first_page(run_dir)
    print(f"baseline, rescan for the first list page: {baseline * 1000:.0f} ms")

    from fastapi.testclient import TestClient

    from azr_safe.review import ReviewConfig, create_app

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    app = create_app(ReviewConfig(run_dir=run_dir, refresh_interval_s=3600))
    build = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    integrity = app.state.integrity.wait(1800)  # verify_log runs in a thread; let it finish before timing pages
    print(f"background verify_log: {integrity.status} after a further {time.perf_counter() - t1:.1f} s")
    index = app.state.index
    flagged = index.rows("SELECT COUNT(*) FROM samples WHERE flagged = 1")[0][0]
    print(f"index build: {build:.1f} s for {index.records_seen} records ({flagged} flagged); "
          f"peak RSS +{(rss1 - rss0) / 1024:.0f} MB")  # fmt: skip

    deep = max(1, flagged // 50)
    some_id = index.rows("SELECT sample_id FROM samples WHERE flagged = 1 LIMIT 1 OFFSET ?", [flagged // 2])[0][0]
    pages = [
        ("list, first page", "/"),
        ("list, last page", f"/?page={deep}"),
        ("list, category filter", "/?category=deception"),
        ("list, role+task+unreviewed", "/?role=solve&task_type=abduction&reviewed=no"),
        ("list, by score desc, page 100", "/?sort=score&order=desc&page=100"),
        ("list, all samples, page 1000", "/?show=all&page=1000"),
        ("detail (with prev/next)", f"/samples/{some_id}"),
        ("api, first page", "/api/samples"),
        ("dashboard (uncached)", "/dashboard"),
    ]
    print(f"\n{'page':34} {'median ms':>10} {'p95 ms':>8} {'baseline/median':>16}")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for name, path in pages:
            times = sorted(time_requests(client, path, args.repeat))
            med = statistics.median(times)
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"{name:34} {med * 1000:10.1f} {p95 * 1000:8.1f} {baseline / med:15.0f}x")


if __name__ == "__main__":
    main()
