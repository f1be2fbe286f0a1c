"""A bounded, line-tracking YAML reader for policy and case files.

`yaml.safe_load` alone accepts files of any size, any nesting depth and alias bombs, silently keeps
the last of two duplicate keys, and forgets where each value came from. This reader composes the
node tree with the safe loader, then builds plain data itself so it can enforce limits, reject
duplicates and remember the line of every value (for errors that point at the file and line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from azr_safe.errors import ConfigError

MAX_BYTES = 1 << 20  # 1 MiB: a policy is a page of rules, never megabytes
MAX_DEPTH = 32  # nesting levels of mappings/sequences
MAX_NODES = 100_000  # after alias expansion: stops "billion laughs"

Loc = tuple[str | int, ...]


class LoadedYaml:
    """Plain data from a YAML file plus the 1-based line of every mapping key / sequence item."""

    def __init__(self, data: Any, lines: dict[Loc, int], path: Path) -> None:
        self.data = data
        self.lines = lines
        self.path = path

    def line_of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest ancestor that has one."""
        for cut in range(len(loc), -1, -1):
            if loc[:cut] in self.lines:
                return self.lines[loc[:cut]]
        return None


def read_yaml(path: str | Path, *, what: str = "policy") -> LoadedYaml:
    """Read `path` as bounded YAML; raise ConfigError naming the file (and line) on any problem."""
    path = Path(path)
    raw = _read_bytes(path, what)
    text = _decode(raw, path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise ConfigError(f"{path}: nesting is too deep (limit {MAX_DEPTH} levels)") from None
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else "?"
        raise ConfigError(f"{path}:{line}: malformed YAML: {err.problem}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: malformed YAML: {_one_line(str(err))}") from None
    if node is None:
        raise ConfigError(f"{path}: file has no content (expected a YAML mapping)")
    builder = _Builder(path)
    data = builder.build(node, (), 0)
    return LoadedYaml(data, builder.lines, path)


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{path}: file is too large for a {what} ({size} bytes, limit {MAX_BYTES})")
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a YAML file") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    if len(raw) > MAX_BYTES:  # grew while reading, or a special file
        raise ConfigError(f"{path}: file is too large for a {what} (limit {MAX_BYTES} bytes)")
    if not raw.strip():
        raise ConfigError(f"{path}: file is empty (expected a YAML mapping)")
    return raw


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw:
        raise ConfigError(f"{path}: looks binary (contains NUL bytes), expected UTF-8 YAML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {err.start})") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Builder:
    """Turns a composed node tree into dicts/lists/scalars, enforcing limits and recording lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[Loc, int] = {}
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")  # only used to resolve scalars (int, float, bool, null)

    def build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ConfigError(f"{self.path}: too many YAML nodes (limit {MAX_NODES}; aliases expand)")
        if depth > MAX_DEPTH:
            line = node.start_mark.line + 1
            raise ConfigError(f"{self.path}:{line}: nesting is too deep (limit {MAX_DEPTH} levels)")
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            line = node.start_mark.line + 1
            raise ConfigError(f"{self.path}:{line}: bad value: {_one_line(str(err))}") from None

    def _mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(f"{self.path}:{line}: YAML merge keys (<<) are not supported")
            key = self.build(key_node, (*loc, "<key>"), depth + 1)
            if not isinstance(key, str):
                raise ConfigError(f"{self.path}:{line}: mapping keys must be strings, got {key!r}")
            if key in out:
                raise ConfigError(f"{self.path}:{line}: duplicate key {key!r}")
            self.lines[(*loc, key)] = line
            out[key] = self.build(value_node, (*loc, key), depth + 1)
        self.lines.pop((*loc, "<key>"), None)
        return out
