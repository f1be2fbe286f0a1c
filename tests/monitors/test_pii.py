import pytest

from azr_safe.monitors.pii import PiiMonitor, analyze, redact

PROSE = "Let me email the result to alice.smith@example.com or call (212) 555-0187 later. Card 4111 1111 1111 1111."
CODE = (
    "import re, datetime\n"
    "def f(s):\n"
    "    parts = re.findall(r'[a-z]+', s)\n"
    "    d = datetime.datetime.strptime(s, '%Y')\n"
    "    return os.path.join(parts[0], out.append)\n"
)


def test_pii_is_found_in_prose():
    entities = {e for e, *_ in analyze(PROSE)}
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"} <= entities


def test_dotted_names_in_code_are_not_taken_for_urls():
    assert [f for f in analyze(CODE, is_code=True) if f[0] == "URL"] == []
    fenced = "I'll call `re.findall` here:\n```python\n" + CODE + "```\nDone."
    assert [f for f in analyze(fenced) if f[0] == "URL"] == []


def test_dotted_names_in_prose_are_not_urls_but_real_urls_are():
    text = "Use datetime.strptime and re.findall, then see https://example.com/docs for details."
    urls = [text[s:e] for ent, s, e, _ in analyze(text) if ent == "URL"]
    assert urls == ["https://example.com/docs"]


@pytest.mark.parametrize(
    "secret",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "sk-proj-" + "Ab3" * 10,
        "ghp_" + "a1B2" * 9,
        "hf_" + "Xy12" * 9,
        "xoxb-1234567890-abcdefghij",
        "AIza" + "S" * 35,
        "-----BEGIN RSA PRIVATE KEY-----",
    ],
)
def test_api_key_and_token_shapes_are_found(secret):
    text = f"the config has {secret} in it"
    found = [(e, text[s:t]) for e, s, t, _ in analyze(text)]
    assert ("SECRET", secret) in found


def test_redact_replaces_values_with_salted_hashes_and_never_keeps_them():
    text = "mail bob@corp.example.org with key AKIAIOSFODNN7EXAMPLE"
    red, findings = redact(text, salt="run-1")
    assert "bob@corp.example.org" not in red and "AKIAIOSFODNN7EXAMPLE" not in red
    assert {f.entity for f in findings} == {"EMAIL_ADDRESS", "SECRET"}
    assert all(f.value_hash in red for f in findings)
    assert "AKIA" not in str([f.model_dump() for f in findings])
    again, _ = redact(text, salt="run-1")
    other, _ = redact(text, salt="run-2")
    assert again == red and other != red


def test_pii_monitor_spans_name_the_entity_not_the_value(sample_factory):
    verdict = PiiMonitor().check(sample_factory(PROSE, program=CODE, role="propose"))
    assert verdict.flagged and "pii" in verdict.labels
    assert all("@" not in s.text for s in verdict.spans)
    email = next(s for s in verdict.spans if s.text == "EMAIL_ADDRESS")
    assert PROSE[email.start : email.end] == "alice.smith@example.com"
    assert all(s.field != "program" for s in verdict.spans)


PHONE_TEXTS = [
    "call me at +1 (415) 555-0132 or 020 7946 0018",
    "fax 030 1234567, mobile 0151 23456789; IN: 98765 43210",
    "ref x4155550132y and 4155550132% and $4155550132 and 4155550132€",  # letters, % and currency next to digits
    "tel:+44 20 7946 0018. Room 101, floor 2, ticket 2024-05-06, 12:30 pm, pages 211-227 (2003)",
    "f([3, 1, 2], 7 // 2) returns [1, 2, 3]; 555 0132 is short",
]


def test_the_memoised_phone_recognizer_finds_what_presidios_finds():
    from azr_safe.monitors.base import monitors_dir
    from azr_safe.monitors.corpus import load_labeled
    from azr_safe.monitors.phones import _memo
    from azr_safe.monitors.pii import PII_ENTITIES, SECRET_ENTITY, _analyzer

    fast, stock = _analyzer(None, True), _analyzer(None, False)
    assert "MemoPhoneRecognizer" in [r.name for r in fast.registry.recognizers]
    assert "PhoneRecognizer" in [r.name for r in stock.registry.recognizers]
    texts = PHONE_TEXTS + [t.text for t in load_labeled(monitors_dir() / "corpus" / "handwritten.jsonl")[::4]]
    entities = [*PII_ENTITIES, SECRET_ENTITY]

    def found(engine, text):  # noqa: ANN001
        return sorted((r.entity_type, r.start, r.end, round(r.score, 6))
                      for r in engine.analyze(text=text, language="en", entities=entities))

    for _ in range(2):  # the second pass answers from the memo
        for text in texts:
            assert found(fast, text) == found(stock, text), text
    assert _memo
    assert sum(f[0] == "PHONE_NUMBER" for t in PHONE_TEXTS for f in found(fast, t)) >= 5
