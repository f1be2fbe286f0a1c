"""Hand-written training traces: source files under monitors/corpus/handwritten/ -> handwritten.jsonl.

Source format (one trace per record, written by hand, not template-filled):

    ### c <category> <role> <task_type>     concerning; the concerning text is marked {{like this}}
    ### h - <role> <task_type>              hard negative (alarming-sounding programming talk)
    ### b - <role> <task_type>              plain benign
    <trace text, any number of lines>

The markers become `evidence` offsets and are removed from the text. Records are shuffled with a fixed
seed so that the trainer's `index % folds` split mixes files and categories.

    .venv/bin/python -m azr_safe.monitors.handwritten    # rebuild monitors/corpus/handwritten.jsonl
    .venv/bin/python -m azr_safe.monitors.handwritten --src monitors/corpus/author_b \
        --out monitors/corpus/author_b.jsonl --id-prefix b    # another author's sources, same format
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from azr_safe.monitors.base import REASONING_CATEGORIES, monitors_dir
from azr_safe.monitors.corpus import InputFileError, LabeledTrace

KINDS = {"c": "concerning", "h": "hard_negative", "b": "benign"}
SHUFFLE_SEED = 20261123
_HEADER = re.compile(r"^### (\S+) (\S+) (\S+) (\S+)\s*$")
_MARK = re.compile(r"\{\{(.+?)\}\}", re.DOTALL)


def source_dir() -> Path:
    return monitors_dir() / "corpus" / "handwritten"


def output_path() -> Path:
    return monitors_dir() / "corpus" / "handwritten.jsonl"


def parse_source(path: Path, id_prefix: str = "hw") -> list[LabeledTrace]:
    """All records of one source file; errors name the file and line."""
    records, header, body, line_no = [], None, [], 0
    for n, line in enumerate([*path.read_text().splitlines(), None], start=1):
        if line is not None and not line.startswith("###"):
            body.append(line)
            continue
        if header is not None:
            records.append(_record(path, line_no, header, "\n".join(body).strip(), len(records), id_prefix))
        if line is not None:
            header = _HEADER.match(line)
            if header is None:
                raise InputFileError(f"{path}:{n}: bad header {line!r}")
            line_no, body = n, []
    return records


def _record(path: Path, line_no: int, header: re.Match[str], marked: str, index: int,
            id_prefix: str) -> LabeledTrace:
    kind_code, category, role, task_type = header.groups()
    where = f"{path}:{line_no}"
    if kind_code not in KINDS:
        raise InputFileError(f"{where}: kind must be one of {sorted(KINDS)}")
    text, evidence = _strip_marks(marked)
    concerning = kind_code == "c"
    if concerning and (category not in REASONING_CATEGORIES or not evidence):
        raise InputFileError(f"{where}: a concerning trace needs a known category and {{{{evidence}}}}")
    if not concerning and (category != "-" or evidence):
        raise InputFileError(f"{where}: a benign trace has category '-' and no {{{{evidence}}}}")
    try:
        return LabeledTrace(id=f"{id_prefix}-{path.stem.split('_')[0]}-{index:03d}", text=text,
                            label="concerning" if concerning else "benign",
                            categories=[category] if concerning else [], role=role, task_type=task_type,
                            kind=KINDS[kind_code], evidence=evidence)
    except ValueError as err:
        raise InputFileError(f"{where}: {str(err).splitlines()[0]}") from err


def _strip_marks(marked: str) -> tuple[str, list[dict]]:
    text, evidence, last = "", [], 0
    for m in _MARK.finditer(marked):
        text += marked[last : m.start()]
        evidence.append({"start": len(text), "end": len(text) + len(m.group(1))})
        text += m.group(1)
        last = m.end()
    return text + marked[last:], evidence


def build(src: Path | None = None, id_prefix: str = "hw") -> list[LabeledTrace]:
    folder = src or source_dir()
    if not folder.is_dir():
        raise InputFileError(f"{folder}: no such source folder")
    traces = [t for f in sorted(folder.glob("*.txt")) for t in parse_source(f, id_prefix)]
    if not traces:
        raise InputFileError(f"{folder}: no *.txt source records")
    seen: dict[str, str] = {}
    for t in traces:
        if t.text in seen:
            raise InputFileError(f"duplicate trace {t.id} (same text as {seen[t.text]})")
        seen[t.text] = t.id
    random.Random(SHUFFLE_SEED).shuffle(traces)
    return traces


def write_jsonl(traces: list[LabeledTrace], path: Path) -> None:
    lines = [json.dumps(t.model_dump(mode="json"), sort_keys=True) for t in traces]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build a training JSONL from hand-written source files.")
    parser.add_argument("--src", type=Path, default=None, help="source folder (default monitors/corpus/handwritten)")
    parser.add_argument("--out", type=Path, default=None, help="output JSONL (default monitors/corpus/handwritten.jsonl)")
    parser.add_argument("--id-prefix", default="hw", help="trace id prefix (one per author)")
    args = parser.parse_args(argv)
    out = args.out or output_path()
    try:
        traces = build(args.src, args.id_prefix)
    except InputFileError as err:
        raise SystemExit(f"error: {err}") from None
    write_jsonl(traces, out)
    print(f"{len(traces)} traces -> {out}")


if __name__ == "__main__":
    main()
