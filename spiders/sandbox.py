"""Attachment text extraction in a child process with resource limits.

Parsers of PDF/DOCX/XLSX from untrusted sites can be made to use gigabytes or loop: the work runs in a
long-lived child (``python -m spiders.sandbox``) whose address space is capped (RLIMIT_AS) and whose
CPU time per file is capped (RLIMIT_CPU, raised by the child before each file: the kernel kills it on
overrun), with a wall-clock timeout on top (a child that sleeps or blocks). A file that kills the child
is reported unreadable ("resource limit"), the child is restarted for the next one, and the crawl goes
on. Frames on the pipes: a JSON header line, then the raw bytes; the answer is one JSON line.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

MEMORY_LIMIT = 1536 * 1024 * 1024   # bytes of address space for the child
CPU_SECONDS = 20                    # per file
WALL_SECONDS = 40                   # per file, including the child's start
MEMO_FILES = 256                    # answers a process remembers by the file's bytes …
MEMO_CHARS = 2_000_000              # … and their text at most


class SandboxedExtractor:
    def __init__(self, memory: int = MEMORY_LIMIT, cpu: int = CPU_SECONDS, wall: float = WALL_SECONDS):
        self.memory, self.cpu, self.wall = memory, cpu, wall
        self.proc: subprocess.Popen | None = None
        self.killed = 0   # files that hit a limit
        self.unstarted = 0   # files no child could be started for

    def _start(self) -> subprocess.Popen:
        # the child caps its own address space first thing (no preexec_fn in a threaded parent)
        return subprocess.Popen([sys.executable, "-m", "spiders.sandbox", str(self.memory)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001 — it will be killed below
                pass
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                proc.kill()
        if proc is not None:
            proc.wait()

    def text(self, data: bytes, declared: str | None) -> tuple[str | None, str | None]:
        """(text, error) as spiders.attachments.attachment_text, computed in the child."""
        from .attachments import EXTRACTORS, sniff_type, zip_problem

        kind = sniff_type(data, declared)
        if EXTRACTORS.get(kind or "") is None:
            return None, None
        if kind in ("docx", "xlsx"):
            problem = zip_problem(data)
            if problem:   # refused before any parser sees it
                return None, f"{kind}: {problem}"[:300]
        for attempt in (1, 2):   # a child that died of an earlier file is restarted once
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            try:
                header = json.dumps({"type": declared, "size": len(data), "cpu": self.cpu}).encode() + b"\n"
                self.proc.stdin.write(header)
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._kill()
                if attempt == 1:
                    continue
                self.unstarted += 1
                return None, f"{kind} text extraction failed: the extractor could not start"
            answer = self._read_answer()
            if answer is not None:
                return answer.get("text"), answer.get("error")
            self.killed += 1
            return None, (f"{kind} text extraction stopped: resource limit (memory {self.memory // 2**20} MiB, "
                          f"CPU {self.cpu} s, {self.wall:.0f} s)")
        self.unstarted += 1
        return None, f"{kind} text extraction failed"

    def _read_answer(self) -> dict | None:
        proc = self.proc
        deadline = time.monotonic() + self.wall
        buf = b""
        fd = proc.stdout.fileno()
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:   # the child died (SIGXCPU, SIGKILL, MemoryError at start …)
                self._kill()
                return None
            buf += chunk
        try:
            return json.loads(buf)
        except ValueError:
            self._kill()
            return None


class SharedSandbox:
    """One sandbox child, read through one thread, for every spider of a process.

    A Redis worker runs one crawler per site (8 in the bench's district): a child each paid the parsers'
    imports eight times, about 0.35 CPU s each, and held eight children's memory. Files are read one at a
    time, as one spider's were before; the reactor never waits for them. The last spider to release it
    closes the child."""

    _lock = threading.Lock()
    _current: "SharedSandbox | None" = None

    def __init__(self):
        self.extractor = SandboxedExtractor()
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="zwgk-sandbox")
        self.users = 0
        self.memo: OrderedDict = OrderedDict()   # (sha256, declared type) -> (text, error); the thread's only
        self.memo_chars = 0

    def _remember(self, key, text: str | None, error: str | None) -> None:
        size = len(text or "") + len(error or "")
        if size > MEMO_CHARS:
            return
        self.memo[key] = (text, error)
        self.memo_chars += size
        while len(self.memo) > MEMO_FILES or self.memo_chars > MEMO_CHARS:
            old_text, old_error = self.memo.popitem(last=False)[1]
            self.memo_chars -= len(old_text or "") + len(old_error or "")

    @classmethod
    def acquire(cls) -> "SharedSandbox":
        with cls._lock:
            if cls._current is None:
                cls._current = cls()
            cls._current.users += 1
            return cls._current

    def release(self) -> None:
        with SharedSandbox._lock:
            self.users -= 1
            if self.users > 0:
                return
            if SharedSandbox._current is self:
                SharedSandbox._current = None
        self.thread.shutdown(wait=True)
        self.extractor.close()

    def read(self, data: bytes, declared: str | None) -> Future:
        """A future of (text, error, over_limits): *over_limits* tells whether this file hit a limit.

        The same bytes with the same declared type were read before in this process (the same file under
        another URL: a document reposted on each bureau's site with its attachment): the answer it gave,
        which is a function of the bytes and the type alone; a file that hit a limit is read again."""
        def work():
            key = (hashlib.sha256(data).digest(), declared)
            known = self.memo.get(key)
            if known is not None:
                self.memo.move_to_end(key)
                return known[0], known[1], False
            before, unstarted = self.extractor.killed, self.extractor.unstarted
            text, error = self.extractor.text(data, declared)
            over_limits = self.extractor.killed > before
            if not over_limits and self.extractor.unstarted == unstarted and "stopped:" not in (error or ""):
                self._remember(key, text, error)   # the child's answer (or the zip check's), not a limit's
            return text, error, over_limits
        return self.thread.submit(work)


def _serve(memory: int) -> None:
    """The child: cap the address space, then read frames and answer one JSON line each."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from .attachments import attachment_text

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        head = json.loads(line)
        data = stdin.read(int(head["size"]))
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + int(head.get("cpu") or CPU_SECONDS)
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
        try:
            text, error = attachment_text(data, head.get("type"))
        except MemoryError:
            text, error = None, "text extraction stopped: memory limit"
        del data
        stdout.write(json.dumps({"text": text, "error": error}, ensure_ascii=False).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_LIMIT)
