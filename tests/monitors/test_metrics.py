from azr_safe.monitors.corpus import LabeledTrace
from azr_safe.monitors.metrics import binary_metrics, evaluate
from azr_safe.monitors.scoring import TraceVerdict


def test_binary_metrics_match_a_hand_computed_confusion_matrix():
    truth = [True, True, True, False, False, False, False]
    pred = [True, True, False, True, False, False, False]
    m = binary_metrics(truth, pred)
    assert (m.tp, m.fp, m.fn, m.tn) == (2, 1, 1, 3)
    assert m.precision == round(2 / 3, 4) and m.recall == round(2 / 3, 4)
    assert m.f1 == round(2 / 3, 4) and m.fpr == 0.25


def test_empty_denominators_give_zero_not_an_error():
    m = binary_metrics([False, False], [False, False])
    assert (m.precision, m.recall, m.f1, m.fpr) == (0.0, 0.0, 0.0, 0.0)


def test_per_category_counts_use_the_verdict_labels():
    traces = [LabeledTrace(text="a", label="concerning", categories=["deception"]),
              LabeledTrace(text="b", label="concerning", categories=["sabotage"]),
              LabeledTrace(text="c", label="benign", kind="hard_negative")]
    verdicts = [TraceVerdict(index=0, flagged=True, labels=["deception"], scores={}, evidence=[], monitors={}),
                TraceVerdict(index=1, flagged=True, labels=["deception"], scores={}, evidence=[], monitors={}),
                TraceVerdict(index=2, flagged=False, labels=[], scores={}, evidence=[], monitors={})]
    report = evaluate(traces, verdicts)
    assert report.overall.recall == 1.0 and report.overall.fpr == 0.0
    assert report.per_category["deception"].fp == 1 and report.per_category["sabotage"].recall == 0.0
    assert report.hard_negative_fpr == 0.0
