"""Replica sites: a deterministic model of the bureau's site and three upper-level columns, served over HTTP.

    from replica import ReplicaServer, build_world
    with ReplicaServer(seed=1, scale=0.1) as rep:
        rep.urls["bureau"]; rep.manifest; rep.set_night(1)

See docs/contracts.md §1 for the URL scheme and the manifest.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path

from .build import build_world
from .world import World

__all__ = ["build_world", "World", "ReplicaServer"]

_ROOT = Path(__file__).resolve().parents[1]
_LIVE: "weakref.WeakSet[ReplicaServer]" = weakref.WeakSet()
# no proxy; a TLS site's certificate is a throw-away self-signed one (tls_sites): not verified
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                      urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))


class ReplicaServer:
    """Runs `python -m replica serve` in a subprocess; a context manager.

    `.urls` {site: "http://127.0.0.1:PORT"}, `.manifest` (the served night's), `.set_night(n, redesign=False)`, `.stop()`,
    `.fetch(site, path, …)` → (status, headers, body) for convenience.
    ``tls_sites`` (opt-in, e.g. ``("bureau",)``): those sites' ports speak TLS only, with a self-signed
    certificate generated at start-up; their `.urls` are ``https://127.0.0.1:PORT``.
    """

    def __init__(self, seed: int = 1, scale: float = 1.0, night: int = 0, *, redesign: bool = False,
                 startup_timeout: float = 60.0, base_port: int = 0, python: str | None = None,
                 extra_sites: tuple[str, ...] = (), tls_sites: tuple[str, ...] = ()):
        self.seed, self.scale, self.night = seed, scale, night
        self.tls_sites = tuple(tls_sites)
        # opt-in extra sites (extras.py: trs, jpaas, quirks, external): own ports in .extra_urls,
        # their own manifest in .extras; .urls and .manifest stay the four-site world's
        self.extra_sites = tuple(extra_sites)
        self.extra_urls: dict[str, str] = {}
        self.extras: dict = {}
        self.redesign = bool(redesign)
        self.startup_timeout = startup_timeout
        self.base_port = base_port
        self.python = python or sys.executable
        self.proc: subprocess.Popen | None = None
        self.urls: dict[str, str] = {}
        self.manifest: dict = {}
        self._tmp: str | None = None
        self._log = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "ReplicaServer":
        if self.proc is not None:
            return self
        self._tmp = tempfile.mkdtemp(prefix="zwgk-replica-")
        ports = os.path.join(self._tmp, "ports.json")
        cmd = [self.python, "-m", "replica", "serve", "--seed", str(self.seed), "--scale", str(self.scale),
               "--night", str(self.night), "--ports-file", ports, "--parent-pid", str(os.getpid())]
        if self.base_port:
            cmd += ["--base-port", str(self.base_port)]
        if self.redesign:
            cmd += ["--redesign"]
        if self.extra_sites:
            cmd += ["--extra-sites", ",".join(self.extra_sites)]
        if self.tls_sites:
            cmd += ["--tls-sites", ",".join(self.tls_sites)]
        env = dict(os.environ)
        env["PYTHONPATH"] = str(_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._log = open(os.path.join(self._tmp, "server.log"), "w+b")
        self.proc = subprocess.Popen(cmd, cwd=str(_ROOT), env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        _LIVE.add(self)
        deadline = time.monotonic() + self.startup_timeout
        try:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"replica server exited with {self.proc.returncode}:\n{self.log_tail()}")
                if os.path.exists(ports):
                    with open(ports, encoding="utf-8") as f:
                        self.urls = json.load(f)
                    self.extra_urls = {k: self.urls.pop(k) for k in list(self.urls) if k in self.extra_sites}
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica server did not start within {self.startup_timeout}s:\n{self.log_tail()}")
                time.sleep(0.05)
            self.reload_manifest()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            try:
                self._log.close()
            except OSError:
                pass
            self._log = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        _LIVE.discard(self)

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self):
        try:
            self.stop()
        except Exception:
            pass

    def log_tail(self, n: int = 4000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-n:].decode("utf-8", "replace")

    # ------------------------------------------------------------------ control
    def fetch(self, site: str, path: str, *, method: str = "GET", data: bytes | dict | None = None,
              headers: dict | None = None, timeout: float = 30.0) -> tuple[int, dict, bytes]:
        """One HTTP request to a site; never raises on HTTP error statuses."""
        if isinstance(data, dict):
            from urllib.parse import urlencode
            data = urlencode(data).encode()
        req = urllib.request.Request((self.urls.get(site) or self.extra_urls[site]) + path, data=data, method=method, headers=headers or {})
        try:
            with _opener.open(req, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def reload_manifest(self) -> dict:
        status, _, body = self.fetch("bureau", "/__replica__/manifest.json")
        if status != 200:
            raise RuntimeError(f"manifest answered {status}")
        self.manifest = json.loads(body.decode("utf-8"))
        self.night = self.manifest["night"]
        self.redesign = bool(self.manifest.get("redesign"))
        if self.extra_urls:
            status, _, body = self.fetch(next(iter(self.extra_urls)), "/__replica__/extras.json")
            if status != 200:
                raise RuntimeError(f"extras manifest answered {status}")
            self.extras = json.loads(body.decode("utf-8"))
        return self.manifest

    def set_night(self, n: int, redesign: bool = False) -> dict:
        """Serve night *n*; ``redesign=True`` serves the bureau site in its redesigned markup that night
        (column pages list only the first 10 records without the JCMS datastore, article metadata moved)."""
        flag = "&redesign=1" if redesign else ""
        status, _, body = self.fetch("bureau", f"/__replica__/night?n={int(n)}{flag}", method="POST", data=b"")
        if status != 200:
            raise RuntimeError(f"night switch answered {status}: {body[:200]!r}")
        return self.reload_manifest()


@atexit.register
def _stop_all() -> None:
    for s in list(_LIVE):
        try:
            s.stop()
        except Exception:
            pass
