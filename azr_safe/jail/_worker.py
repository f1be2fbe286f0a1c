"""The fork-server worker and the child harness. Runs INSIDE the jail, on a bare interpreter.

This file is sent verbatim to `python3 -P -s -S -B -c` (stdlib + ctypes only; it never imports
azr_safe). The parent also imports it for `to_literal`, so parent and child canonicalise values
with the same code.

Protocol (JSON lines): the parent writes one init message, the worker answers `{"ready": ...}`;
then requests `{"id", "code", "calls", "timeout_s", "memory_mb"}` and one response
`{"id", "results": [...], "exit": ...}` per request. Requests are pipelined; up to
`max_children` programs run at once, each in its own forked child.

Per-worker steps happen once (the layers every child inherits): preload modules, drop the uid,
no_new_privs, Landlock, base seccomp allow-list. Per-child steps are the cheap ones: setsid, fds,
rlimits (NPROC=0), a SIGSYS reporter, a small extra seccomp filter (no processes, signals, rlimit
changes, handler changes), then compile + exec the program.
"""

import ctypes
import fcntl
import gc
import json
import os
import resource
import select
import signal
import sys
import time

RESULT_FD = 3
VIOLATION_EXIT = 159
SETUP_FAILED_EXIT, HARNESS_FAILED_EXIT = 70, 71
RESULT_STREAM_MAX = 8 << 20  # per child; JSON-escaped it stays under the parent's line limit
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SI_SYSCALL_OFFSET = 24  # siginfo_t: signo, errno, code, pad, then _sigsys {call_addr, syscall, arch}
LANDLOCK_CREATE_RULESET, LANDLOCK_RESTRICT_SELF = 444, 446
MAX_DEPTH = 100


# ---------------------------------------------------------------- JSON out
def _make_dumps():
    """`json.dumps(obj)` (default arguments, same bytes) without its per-call set-up.

    json.dumps builds a new C encoder object on every call; a child then touches ~20 shared pages
    (copy-on-write faults) just for that. This encoder is built once, in the worker, before any fork.
    No circular check: every record here is a tree (a cycle would hit RecursionError, which callers
    already handle); the C encoder leaves stale entries in its markers dict after an error.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no _json accelerator: the pure-Python path
        return json.dumps
    encode = make(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None,
                  ": ", ", ", False, False, True)  # indent, separators, sort_keys, skipkeys, allow_nan

    def dumps(obj, _encode=encode, _join="".join):
        return _join(_encode(obj, 0))
    return dumps


dumps = _make_dumps()


# ---------------------------------------------------------------- literal canonicalisation
def to_literal(value, depth=0):
    """A strictly typed JSON tree for a literal value (exact builtin types only), else None.

    Subclasses (an `AlwaysEqual(int)`) and objects are not literals, so they can never compare
    equal to a gold value. Floats are encoded with float.hex, so nan/inf/-0.0 are exact.
    """
    if depth > MAX_DEPTH:
        return None
    kind = type(value)
    if value is None:
        return ["none"]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", format(value, "x")]  # hex: no 4300-digit str() limit
    if kind is float:
        return ["float", value.hex()]
    if kind is complex:
        return ["complex", value.real.hex(), value.imag.hex()]
    if kind is str:
        return ["str", value]
    if kind is bytes:
        return ["bytes", value.hex()]
    if kind is list or kind is tuple:
        items = [to_literal(v, depth + 1) for v in value]
        return None if None in items else [kind.__name__, items]
    if kind is set or kind is frozenset:
        items = [to_literal(v, depth + 1) for v in value]
        if None in items:
            return None
        return [kind.__name__, sorted(items, key=dumps)]
    if kind is dict:
        pairs = [[to_literal(k, depth + 1), to_literal(v, depth + 1)] for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return ["dict", sorted(pairs, key=dumps)]
    return None


# ---------------------------------------------------------------- kernel helpers (ctypes)
_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _sock_fprog(bpf):
    """A sock_fprog for a BPF program compiled by the parent (libseccomp export_bpf): 8 bytes per
    insn. Returns (buffer, program); the buffer must outlive the program."""
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    return buf, _SockFprog(len(bpf) // 8, ctypes.addressof(buf))


def install_seccomp(bpf):
    buf, prog = _sock_fprog(bpf)
    rc = libc().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)
    if rc != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def set_no_new_privs():
    if libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def landlock_abi():
    sysc = libc().syscall
    sysc.restype = ctypes.c_long
    return sysc(ctypes.c_long(LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(1))


def install_landlock(abi):
    """Handle every filesystem right (and TCP, signal/abstract-socket scopes where the ABI has
    them) with NO rules: the worker and its children can open nothing, connect nowhere, and signal
    nothing outside their own domain. Modules are preloaded, so nothing needs opening."""
    fs_bits = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}.get(abi, 16)
    fields = [(1 << fs_bits) - 1]
    if abi >= 4:
        fields.append(0b11)  # LANDLOCK_ACCESS_NET_BIND_TCP | CONNECT_TCP
    if abi >= 6:
        fields.append(0b11)  # LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | SIGNAL
    attr = (ctypes.c_uint64 * len(fields))(*fields)
    sysc = libc().syscall
    sysc.restype = ctypes.c_long
    fd = sysc(ctypes.c_long(LANDLOCK_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(8 * len(fields)),
              ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    rc = sysc(ctypes.c_long(LANDLOCK_RESTRICT_SELF), ctypes.c_int(fd), ctypes.c_uint32(0))
    os.close(fd)
    if rc != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    return {"fs_rights": fields[0], "net": abi >= 4, "scoped": abi >= 6}


_SIGHANDLER = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class _Sigaction(ctypes.Structure):
    _fields_ = [("handler", _SIGHANDLER), ("mask", ctypes.c_ulong * 16), ("flags", ctypes.c_int),
                ("restorer", ctypes.c_void_p)]


def _on_sigsys(signum, info, context, _read_int=ctypes.c_int.from_address, _write=os.write, _exit=os._exit):
    # SECCOMP_RET_TRAP lands here in the child: report the syscall number, then die at once. The
    # functions are bound at definition, so a program that patches `os` cannot silence the report.
    nr = _read_int(info + SI_SYSCALL_OFFSET).value
    try:
        _write(RESULT_FD, b'\n{"violation_nr": %d}\n' % nr)
    finally:
        _exit(VIOLATION_EXIT)


_SIGSYS_CALLBACK = _SIGHANDLER(_on_sigsys)  # built once in the worker (libffi closure), inherited


class ChildKit:
    """The ctypes objects the per-child steps use, built ONCE in the worker before any fork.

    Resolving libc symbols and building ctypes structs in every child touched ~70 shared pages
    (copy-on-write faults, ~0.3 ms of CPU per child); a child now only makes the three calls.
    Each child still installs the same handler and the same filter itself.
    """

    def __init__(self, child_bpf):
        lib = libc()
        self.prctl, self.sigaction = lib.prctl, lib.sigaction
        self.act = _Sigaction()
        self.act.handler = _SIGSYS_CALLBACK
        # SA_RESETHAND: the handler runs once; if a program tampers with it so that it returns,
        # the next trapped syscall meets the default action and the kernel kills the child by SIGSYS.
        self.act.flags = 4 | 0x80000000  # SA_SIGINFO | SA_RESETHAND
        self.act_ref = ctypes.byref(self.act)
        self.bpf_buf, self.prog = _sock_fprog(child_bpf) if child_bpf else (None, None)
        self.prog_ref = ctypes.byref(self.prog) if child_bpf else None
        # The worker never changes its own NOFILE limit: the fd ceiling for closerange, once.
        self.fd_ceiling = max(1 << 16, resource.getrlimit(resource.RLIMIT_NOFILE)[0])

    def set_pdeathsig(self):
        self.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def install_sigsys_reporter(self):
        if self.sigaction(signal.SIGSYS, self.act_ref, None) != 0:
            raise OSError(ctypes.get_errno(), "sigaction(SIGSYS) failed")

    def install_child_filter(self):
        if self.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, self.prog_ref, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


# ---------------------------------------------------------------- child harness
class OutputLimit(BaseException):
    """Raised by a capped stream; BaseException so `except Exception` in the program misses it."""


class CappedText:
    def __init__(self, cap):
        self.cap, self.parts, self.size, self.overflow = cap, [], 0, False

    def write(self, text):
        text = str(text)
        self.size += len(text)
        if self.size > self.cap:
            self.overflow = True
            self.parts.append(text[: max(0, self.cap - (self.size - len(text)))])
            raise OutputLimit()
        self.parts.append(text)
        return len(text)

    def flush(self):
        pass

    def getvalue(self):
        return "".join(self.parts)[: self.cap]


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def _describe_error(exc, code):
    import linecache
    import traceback
    # Registered only now, on the error path: the traceback shows the program's lines.
    linecache.cache["<program>"] = (len(code), None, code.splitlines(True), "<program>")
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    # Drop the harness's own frames: keep the model's program and call.
    keep = [ln for ln in lines if "_worker" not in ln and "<string>" not in ln]
    return "".join(keep)


def _run_one(compiled, code, call, cap):
    import builtins
    out, err = CappedText(cap), CappedText(cap)
    record = {"status": "ok", "value": None, "literal": None}
    sys.stdout, sys.stderr = out, err
    try:
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        exec(compiled, namespace)
        if call is not None:
            value = eval(compile(call, "<call>", "eval"), namespace)
            text = repr(value)
            if len(text) > cap:
                raise OutputLimit()
            record["value"], record["literal"] = text, to_literal(value)
    except OutputLimit:
        record["status"] = "output_limit"
    except MemoryError:
        record["status"] = "memory_limit"
    except BaseException as exc:  # the program's own failure, incl. SystemExit
        record["status"] = "error"
        try:
            err.parts.append(_describe_error(exc, code)[-cap:])
        except BaseException:
            err.parts.append(type(exc).__name__)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    if out.overflow or err.overflow:
        record["status"] = "output_limit"
    record["stdout"], record["stderr"] = out.getvalue(), err.getvalue()
    return record


def child_main(req, cap):
    """Runs in the forked child after every layer is in place. Writes one JSON line per call."""
    code = req["code"]
    calls = req["calls"] or [None]
    try:
        compiled = compile(code, "<program>", "exec")
    except BaseException as exc:
        compiled = None
        compile_error = {"status": "memory_limit" if isinstance(exc, MemoryError) else "error",
                         "value": None, "literal": None, "stdout": "",
                         "stderr": "".join(_describe_error(exc, code))[-cap:]}
    for index, call in enumerate(calls):
        started = time.perf_counter()
        record = dict(compile_error) if compiled is None else _run_one(compiled, code, call, cap)
        record["i"] = index
        record["duration_s"] = time.perf_counter() - started
        try:
            line = dumps(record)
        except (ValueError, RecursionError):
            record.update(literal=None, status="error", stderr="result not serialisable")
            line = dumps(record)
        write_all(RESULT_FD, line.encode() + b"\n")
    os._exit(0)


def setup_child(pipes, devnull, req, cfg, kit):
    """The per-child checklist (each step one line, order matters)."""
    os.setsid()                                                     # own session/process group
    kit.set_pdeathsig()                                             # dies with its worker
    os.dup2(devnull, 0)
    os.dup2(pipes["out"][1], 1)
    os.dup2(pipes["err"][1], 2)
    os.dup2(pipes["res"][1], RESULT_FD)
    os.closerange(RESULT_FD + 1, kit.fd_ceiling)                    # no inherited fds
    wall = req["timeout_s"] * max(1, len(req["calls"]))
    cpu = int(wall) + 2
    memory = req["memory_mb"] << 20
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))               # no file writes
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))
    if cfg["seccomp"]:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))            # no processes, no threads
        kit.install_sigsys_reporter()
        kit.install_child_filter()                                  # no fork/kill/setrlimit/...
    if os.environ:                                                  # the worker cleared it already
        os.environ.clear()


# ---------------------------------------------------------------- worker (fork server)
class Child:
    def __init__(self, req, pid, pidfd, pipes, timeout_s):
        self.req, self.pid, self.pidfd, self.pipes = req, pid, pidfd, pipes
        self.buf = {"out": bytearray(), "err": bytearray(), "res": bytearray()}
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        self.deadline = self.started + timeout_s + 0.05
        # Never beyond the whole budget, however many result lines the program forges.
        self.hard_deadline = self.started + timeout_s * max(1, len(req["calls"])) + 0.05
        self.killed = None
        self.lines_seen = 0


class Worker:
    def __init__(self, cfg, devnull):
        self.cfg = cfg
        self.cap = cfg["output_limit"]
        self.epoll = select.epoll()
        self.watched = {}  # fd -> (child, stream name): raw epoll, cheaper per child than selectors
        self.queue = []
        self.children = {}
        self.inbuf = bytearray()
        self.devnull = devnull
        self.closing = False
        self.kit = ChildKit(cfg["child_bpf"] if cfg["seccomp"] else b"")

    # -- requests
    def read_stdin(self):
        data = os.read(0, 1 << 16)
        if not data:
            self.closing = True
            self.forget(0)
            return
        self.inbuf += data
        while b"\n" in self.inbuf:
            line, _, rest = self.inbuf.partition(b"\n")
            self.inbuf = bytearray(rest)
            self.queue.append(json.loads(line))

    def start_child(self, req):
        pipes = {}
        try:
            for name in ("out", "err", "res"):
                pipes[name] = os.pipe2(os.O_CLOEXEC)
            pid = os.fork()
        except OSError:
            for pair in pipes.values():
                os.close(pair[0])
                os.close(pair[1])
            raise
        if pid == 0:
            try:
                setup_child(pipes, self.devnull, req, self.cfg, self.kit)
            except BaseException as exc:
                try:
                    os.write(2, ("jail child set-up failed: %r\n" % (exc,)).encode())
                finally:
                    os._exit(SETUP_FAILED_EXIT)
            try:
                child_main(req, self.cap)
            finally:
                os._exit(HARNESS_FAILED_EXIT)  # the program broke the harness (closed its fds, ...)
        for r, w in pipes.values():
            os.close(w)
            fcntl.fcntl(r, fcntl.F_SETFL, os.O_NONBLOCK)  # fcntl, not ioctl (ioctl is ENOTTY)
        pidfd = os.pidfd_open(pid)
        child = Child(req, pid, pidfd, pipes, req["timeout_s"])
        self.children[pid] = child
        for name, (r, _) in pipes.items():
            self.watch(r, child, name)
        self.watch(pidfd, child, "exit")

    # -- child output
    def pump(self, child, name):
        fd = child.pipes[name][0]
        limit = self.cap if name != "res" else min(8 * self.cap * max(1, len(child.req["calls"])) + (1 << 16),
                                                   RESULT_STREAM_MAX)
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            if not data:
                self.forget(fd)
                return
            buf = child.buf[name]
            room = limit - len(buf)
            buf += data[: max(0, room)]
            if len(data) > room:
                self.kill(child, "output_limit")
            if name == "res":
                lines = buf.count(b"\n")
                if lines > child.lines_seen:  # a call finished: the next call gets a fresh budget
                    child.lines_seen = lines
                    child.deadline = min(time.monotonic() + child.timeout_s + 0.05, child.hard_deadline)

    def watch(self, fd, child, name):
        self.watched[fd] = (child, name)
        self.epoll.register(fd, select.EPOLLIN)

    def defer(self, req, exc):
        """Put a request back after a failed fork; after ~2 s of failures answer it with an error."""
        req["_tries"] = req.get("_tries", 0) + 1
        if req["_tries"] > 100:
            response = {"id": req["id"], "results_raw": "", "stdout": "",
                        "stderr": "jail could not start a child: %s" % (exc,), "killed": None,
                        "exit_code": SETUP_FAILED_EXIT, "signal": None, "cpu_s": 0.0, "wall_s": 0.0}
            write_all(1, json.dumps(response).encode() + b"\n")
            return None
        self.queue.insert(0, req)
        return time.monotonic() + 0.02

    def forget(self, fd):
        if self.watched.pop(fd, None) is not None:
            self.epoll.unregister(fd)

    def kill(self, child, reason):
        if child.killed is None:
            child.killed = reason
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def reap(self, child):
        self.forget(child.pidfd)
        for name, (r, _) in child.pipes.items():
            try:
                self.pump(child, name)
            finally:
                self.forget(r)
                os.close(r)
        _, status, usage = os.wait4(child.pid, 0)
        os.close(child.pidfd)
        del self.children[child.pid]
        response = {
            "id": child.req["id"],
            "results_raw": child.buf["res"].decode("utf-8", "replace"),
            "stdout": child.buf["out"].decode("utf-8", "replace"),
            "stderr": child.buf["err"].decode("utf-8", "replace"),
            "killed": child.killed,
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "minflt": usage.ru_minflt,
            "wall_s": time.monotonic() - child.started,
        }
        write_all(1, dumps(response).encode() + b"\n")

    def serve(self):
        self.watch(0, None, "stdin")
        max_children = self.cfg["max_children"]
        while not (self.closing and not self.children and not self.queue):
            retry_at = None
            while self.queue and len(self.children) < max_children:
                req = self.queue.pop(0)
                try:
                    self.start_child(req)
                except OSError as exc:  # EAGAIN/ENOMEM from fork or pipe: retry, never die
                    retry_at = self.defer(req, exc)
                    break
            now = time.monotonic()
            for child in list(self.children.values()):
                if child.deadline <= now and child.killed is None:
                    self.kill(child, "timeout")
            deadlines = [c.deadline for c in self.children.values() if c.killed is None]
            if retry_at is not None:
                deadlines.append(retry_at)
            wait = max(0.0, min(deadlines) - now) if deadlines else None
            for fd, _ in self.epoll.poll(-1 if wait is None else wait):
                if fd not in self.watched:
                    continue  # already drained and closed while handling an earlier event
                child, name = self.watched[fd]
                if name == "stdin":
                    self.read_stdin()
                elif name == "exit":
                    self.reap(child)
                elif child.pid in self.children:
                    self.pump(child, name)


def harden_worker(cfg):
    """The per-worker checklist, once; children inherit every layer installed here."""
    report = {"uid": os.getuid(), "gid": os.getgid(), "landlock_abi": None, "landlock": None,
              "seccomp": False, "no_new_privs": False}
    for name in cfg["preload"]:                                     # imports need files: do them now
        try:
            __import__(name)
        except ImportError:
            pass
    os.chdir("/")
    if cfg.get("drop_to_uid") is not None:                          # one unprivileged uid per worker
        os.setgroups([])
        os.setresgid(cfg["drop_to_uid"], cfg["drop_to_uid"], cfg["drop_to_uid"])
        os.setresuid(cfg["drop_to_uid"], cfg["drop_to_uid"], cfg["drop_to_uid"])
        report["uid"], report["gid"] = os.getuid(), os.getgid()
    libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)         # dies with the trainer (after setuid)
    if cfg["seccomp"] or cfg["landlock"]:
        set_no_new_privs()
        report["no_new_privs"] = True
    if cfg["landlock"]:
        abi = landlock_abi()
        report["landlock_abi"] = abi if abi > 0 else None
        if abi > 0:
            report["landlock"] = install_landlock(abi)
        else:
            report["landlock_error"] = os.strerror(ctypes.get_errno())
    if cfg["seccomp"]:
        install_seccomp(cfg["base_bpf"])
        report["seccomp"] = True
    return report


def main():
    init = json.loads(sys.stdin.buffer.readline())
    init["base_bpf"] = bytes.fromhex(init.get("base_bpf", ""))
    init["child_bpf"] = bytes.fromhex(init.get("child_bpf", ""))
    hash_seed = os.environ.get("PYTHONHASHSEED")
    os.environ.clear()
    try:
        devnull = os.open("/dev/null", os.O_RDWR)  # before Landlock closes the filesystem
        report = harden_worker(init)
    except BaseException as exc:
        write_all(1, json.dumps({"fatal": "%s: %s" % (type(exc).__name__, exc)}).encode() + b"\n")
        os._exit(3)
    worker = Worker(init, devnull)
    report["pid"] = os.getpid()
    report["hash_seed"] = hash_seed
    write_all(1, json.dumps({"ready": report}).encode() + b"\n")
    gc.collect()
    gc.freeze()  # keep forked children's copy-on-write pages shared
    worker.serve()


if __name__ == "__main__":
    main()
