"""PII never reaches disk: each value is replaced by a salted hash, and the salt stays out of records."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

from azr_safe.audit import AuditLog, Resume, SampleEvent, iter_records
from azr_safe.monitors.verdict import Span, Verdict
from azr_safe.policy.decision import Decision
from azr_safe.selfplay.sample import ExecutionRecord

from .helpers import sample

EMAIL, PHONE, KEY, CARD = "alice.smith@example.org", "+1 415-555-0134", "sk-live0123456789abcdefXYZ", "4111 1111 1111 1111"


def pii_sample():
    return sample(0, reasoning=f"I will email {EMAIL} and call {PHONE}",
                  program=f'def f(x):\n    key = "{KEY}"\n    return x\n',
                  executions=[ExecutionRecord(status="ok", value="1", stdout=f"card {CARD}\n")])


def pii_verdicts():
    return [Verdict(monitor="pii", scores={"pii": 0.9}, labels=["pii"], flagged=True,
                    spans=[Span(field="reasoning", start=13, end=36, category="pii", text=EMAIL)])]


def disk_bytes(run_dir) -> bytes:
    return b"".join(p.read_bytes() for p in run_dir.iterdir() if p.is_file() and p.name != ".salt")


@pytest.mark.parametrize("use_presidio", [pytest.param(True, marks=pytest.mark.slow, id="presidio"),
                                          pytest.param(False, id="regex")])
def test_no_raw_pii_value_is_ever_written(tmp_path, use_presidio):
    run_dir = tmp_path / "run"
    with AuditLog(run_dir, use_presidio=use_presidio) as log:
        decision = Decision(sample_id="0-deduction-solve-0", action="flag", actions=["flag"], policy_hash="p")
        log.append(SampleEvent(step=0, sample=pii_sample(), verdicts=pii_verdicts(), decision=decision))
        log.append(Resume(step=1, acknowledged_by="ops", acknowledgement=f"checked, mail {EMAIL} if wrong"))
    raw = disk_bytes(run_dir)
    for value in (EMAIL, PHONE, KEY, CARD, "alice.smith"):
        assert value.encode() not in raw
    record = next(iter_records(run_dir, event="sample"))
    salt = log.salt
    digest = hmac.new(salt, EMAIL.encode(), hashlib.sha256).hexdigest()[:16]
    assert f"<EMAIL_ADDRESS:{digest}>" in record.sample.reasoning
    pointers = {r.pointer for r in record.redactions}
    assert {"/sample/reasoning", "/sample/program", "/sample/executions/0/stdout", "/verdicts/0/spans/0/text"} <= pointers
    assert record.sample.executions[0].status == "ok"  # structure survives


def test_equal_values_share_a_digest_within_a_run_but_not_across_runs(tmp_path):
    digests = []
    for name in ("a", "b"):
        with AuditLog(tmp_path / name, use_presidio=False) as log:
            for i in range(2):
                s = sample(i, reasoning=f"contact {EMAIL}")
                log.append(SampleEvent(step=0, sample=s, decision=Decision(sample_id=s.sample_id, action="allow", policy_hash="p")))
        digests.append([r.redactions[0].digest for r in iter_records(tmp_path / name)])
    assert digests[0][0] == digests[0][1] and digests[1][0] == digests[1][1]
    assert digests[0][0] != digests[1][0]


def test_the_redact_action_hashes_whole_text_fields_but_keeps_structure(tmp_path):
    s = sample(0, reasoning="nothing personal here", executions=[ExecutionRecord(status="violation", violation="seccomp:socket")])
    decision = Decision(sample_id=s.sample_id, action="redact", actions=["redact"], rule_ids=["redact-pii"], policy_hash="p")
    with AuditLog(tmp_path / "run", use_presidio=False) as log:
        log.append(SampleEvent(step=0, sample=s, verdicts=pii_verdicts(), decision=decision))
    assert b"nothing personal" not in disk_bytes(tmp_path / "run")
    record = next(iter_records(tmp_path / "run"))
    assert record.sample.reasoning.startswith("<REDACTED:")
    assert (record.sample.role, record.sample.executions[0].violation) == ("solve", "seccomp:socket")
    assert record.decision.rule_ids == ["redact-pii"]


def test_the_salt_file_is_private_and_never_in_a_record(tmp_path):
    with AuditLog(tmp_path / "run", use_presidio=False) as log:
        s = sample(0)
        log.append(SampleEvent(step=0, sample=s, decision=Decision(sample_id=s.sample_id, action="allow", policy_hash="p")))
    salt_file = tmp_path / "run" / ".salt"
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert log.salt.hex().encode() not in disk_bytes(tmp_path / "run")
    assert log.salt_id == hashlib.sha256(log.salt).hexdigest()[:16]


def test_a_monitor_score_written_as_a_decimal_string_is_not_taken_for_a_phone_number(tmp_path):
    verdict = Verdict(monitor="reasoning_classifier", scores={"concerning": 0.1}, flagged=False,
                      details={"raw_threshold": "0.4130459725856781", "raw_concerning": "0.0"})
    with AuditLog(tmp_path / "run") as log:
        log.append(SampleEvent(step=0, sample=sample(0, reasoning=f"call {PHONE}"), verdicts=[verdict],
                               decision=Decision(sample_id="s0", action="allow", policy_hash="0" * 64)))
    (record,) = list(iter_records(tmp_path / "run"))
    assert record.verdicts[0].details["raw_threshold"] == "0.4130459725856781"
    assert [r.entity for r in record.redactions] == ["PHONE_NUMBER"]  # the reasoning's number still is
    assert PHONE not in disk_bytes(tmp_path / "run").decode()
