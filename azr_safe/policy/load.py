"""Load a policy file into a validated `Policy`, with errors that name file, field and line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from azr_safe.errors import ConfigError
from azr_safe.policy._yaml import LoadedYaml, read_yaml
from azr_safe.policy.schema import Policy

M = TypeVar("M", bound=BaseModel)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file. Raises ConfigError('FILE:LINE: field: problem')."""
    loaded = read_yaml(path, what="policy")
    _reject_duplicate_ids(loaded)
    policy = validate_loaded(loaded, Policy)
    policy._sha256 = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return policy


def validate_loaded(loaded: LoadedYaml, model: type[M]) -> M:
    """Validate YAML data against `model`, turning the first pydantic error into a ConfigError."""
    if not isinstance(loaded.data, dict):
        kind = type(loaded.data).__name__
        raise ConfigError(f"{loaded.path}:1: expected a YAML mapping at the top level, got {kind}")
    try:
        return model.model_validate(loaded.data)
    except ValidationError as err:
        raise ConfigError(format_validation_error(loaded, err)) from None


def format_validation_error(loaded: LoadedYaml, err: ValidationError) -> str:
    """'FILE:LINE: rules[2].when.monitor.name: unknown monitor ... (+N more errors)'."""
    errors = err.errors(include_url=False)
    first = errors[0]
    loc = _data_loc(first["loc"], loaded.data)
    line = loaded.line_of(loc)
    where = f"{loaded.path}:{line}" if line else str(loaded.path)
    field = _dotted(loc) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}"
    elif first["type"] == "missing":
        message = "required field is missing"
    more = f" (+{len(errors) - 1} more errors)" if len(errors) > 1 else ""
    return f"{where}: {field}: {message}{more}"


def _data_loc(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's union-tag segments (e.g. 'flagged_share') that are not keys in the data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, (dict, list)) and part not in ("[key]",):
            if isinstance(node, dict) and isinstance(part, str) and not _is_union_tag(part):
                out.append(part)  # a missing required key: name it anyway
                break
            continue
        else:
            break
    return tuple(out)


def _is_union_tag(part: str) -> bool:
    return part in {"flagged_share", "sandbox_violations"} or part.startswith(("function-", "tagged-union"))


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _reject_duplicate_ids(loaded: LoadedYaml) -> None:
    """Duplicate rule ids, reported at the second occurrence's line (the model only knows 'somewhere')."""
    data = loaded.data
    if not isinstance(data, dict):
        return
    seen: dict[str, str] = {}
    for section in ("rules", "rate_rules"):
        items = data.get(section)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            rule_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(rule_id, str):
                continue
            loc = (section, index, "id")
            if rule_id in seen:
                line = loaded.line_of(loc)
                raise ConfigError(
                    f"{loaded.path}:{line}: {_dotted(loc)}: duplicate rule id {rule_id!r} "
                    f"(first used at {seen[rule_id]})"
                )
            seen[rule_id] = _dotted(loc)
