"""Child processes of the night that cannot outlive it, and nights that died without saying so.

``run_child`` starts a stage in its own process group with the kernel's parent-death signal set
(Linux ``PR_SET_PDEATHSIG``: SIGKILL when the night dies, even by ``kill -9``), reports its PID and group
to *on_start* (the night writes them to its lock info file and run row), and kills the whole group on a
timeout or an exception (SIGTERM of the night). ``reap_stale`` runs when the next night holds the lock:
a child a dead night left behind (no parent-death signal on this system) is killed by its recorded
group, and every run still marked running (运行中) by a night that is gone is closed as failed.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:   # in the child, between fork and exec
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 — not Linux: the next night kills it by its group (reap_stale)
        pass


def kill_group(pgid: int) -> bool:
    try:
        os.killpg(pgid, signal.SIGKILL)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def run_child(cmd: list[str], *, timeout: float, env: dict, on_start: Callable[[int, int], None] | None = None
              ) -> subprocess.CompletedProcess:
    """Like subprocess.run(capture_output=True, text=True), but the child dies with us."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env=env, start_new_session=True, preexec_fn=_die_with_parent)
    if on_start is not None:
        on_start(proc.pid, proc.pid)   # a new session: its group id is its pid
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as e:
        kill_group(proc.pid)
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(cmd, timeout, output=out, stderr=err) from e
    except BaseException:
        kill_group(proc.pid)
        proc.wait()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie or a recycled PID is not the night
        state = Path(f"/proc/{int(pid)}/stat").read_text().split(") ", 1)[1][:1]
        return state != "Z"
    except (OSError, IndexError):
        return True


def reap_stale(store, info_path: Path, now: str) -> list[int]:
    """With the nightly lock held: kill a child a dead night left running (its recorded process group),
    close that night's and its stages' runs (still 运行中) as failed. Returns the closed run ids."""
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    child = info.get("child") or {}
    if child.get("pgid") and not _alive(info.get("pid")):
        kill_group(int(child["pgid"]))
    closed = []
    rows = list(store.db.query("select id, stats from runs where kind = 'nightly' and status = 'running' "
                               "order by id"))
    for row in rows:
        try:
            pid = json.loads(row["stats"] or "{}").get("pid")
        except ValueError:
            pid = None
        if _alive(pid) and pid != os.getpid():
            continue
        nxt = store.db.execute("select min(id) from runs where kind = 'nightly' and id > ?", [row["id"]]).fetchone()[0]
        with store.db.conn:
            cur = store.db.execute(
                "update runs set status = 'failed', finished = ? where status = 'running' and "
                "(id = ? or (kind != 'nightly' and id > ? and (? is null or id < ?)))",
                [now, row["id"], row["id"], nxt, nxt])
        if cur.rowcount:
            closed.append(row["id"])
    return closed
