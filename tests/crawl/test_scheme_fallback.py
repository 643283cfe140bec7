"""http→https scheme fallback, by a real crawl of a replica port that speaks TLS only.

The bureau's replica port is opt-in TLS (``ReplicaServer(tls_sites=("bureau",))``: a self-signed
certificate generated in memory at start-up) but the configuration names it ``http://127.0.0.1:PORT``,
as operators copy addresses. The plain-HTTP request fails at the connection level (the TLS server drops
it), SchemeFallbackMiddleware retries it on https, remembers the host's working scheme, and the whole
site is crawled over https (Scrapy verifies no certificate by default). The https→http direction is
covered in test_adapters.py (test_https_failing_falls_back_to_http).
"""
from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import db_rows, manifest_columns, run_zwgk, write_replica_config

from replica import ReplicaServer

pytestmark = pytest.mark.slow

SCALE = 0.02


@pytest.fixture(scope="module")
def tls_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tls")
    with ReplicaServer(seed=1, scale=SCALE, tls_sites=("bureau",)) as rep:
        urls = dict(rep.urls)
        manifest = json.loads(json.dumps(rep.manifest))
        https = urls["bureau"]
        plain = https.replace("https://", "http://", 1)
        try:   # the premise: this port does not answer plain HTTP
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(plain + "/robots.txt", timeout=5)
            plain_error = None
        except Exception as e:  # noqa: BLE001 - any failure is the point
            plain_error = e
        # the bureau's columns are discovered from its home page (as for a site configured without columns)
        cfg = write_replica_config(tmp / "zwgk.yaml", {**urls, "bureau": plain})
        db = tmp / "zwgk.db"
        log = tmp / "crawl.log"
        r = run_zwgk(["--config", str(cfg), "--db", str(db), "crawl", "--json", "--site", "bureau",
                      "--log-file", str(log)], cwd=tmp, timeout=120)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:] + log.read_text()[-3000:]
        # the same crawl with the bureau's columns configured (http://): later list pages are read from
        # the page that answered, so no article ends up under the configured scheme
        cols = manifest_columns(manifest)
        cfg2 = write_replica_config(tmp / "zwgk-columns.yaml", {**urls, "bureau": plain}, columns=cols)
        db2 = tmp / "zwgk-columns.db"
        r2 = run_zwgk(["--config", str(cfg2), "--db", str(db2), "crawl", "--json", "--site", "bureau"],
                      cwd=tmp, timeout=120)
        assert r2.returncode == 0, r2.stdout[-2000:] + r2.stderr[-2000:]
        yield {"urls": urls, "https": https, "plain": plain, "manifest": manifest, "plain_error": plain_error,
               "run": json.loads(r.stdout), "db": db, "log": log.read_text(encoding="utf-8"), "db_columns": db2}


def test_tls_replica_is_opt_in_and_serves_the_same_world(tls_run):
    from replica.server import manifest_of
    from replica import build_world

    urls = tls_run["urls"]
    assert urls["bureau"].startswith("https://127.0.0.1:")
    assert all(urls[k].startswith("http://127.0.0.1:") for k in ("province", "city", "district"))
    assert tls_run["plain_error"] is not None             # plain HTTP to the TLS-only port fails
    # TLS changes the transport only: same world, same manifest
    assert tls_run["manifest"] == json.loads(json.dumps(manifest_of(build_world(1, SCALE, 0))))


def test_scrapy_does_not_verify_certificates():
    from scrapy.settings import Settings

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    assert s.getbool("DOWNLOAD_VERIFY_CERTIFICATES") is False     # the self-signed replica is accepted


def test_http_failing_falls_back_to_https(tls_run):
    run, https = tls_run["run"], tls_run["https"]
    s = run["sites"]["bureau"]
    assert run["status"] == "ok" and not run["problems"], run
    assert s["scheme_fallbacks"] > 0 and not s["unreachable"] and s["errors"] == 0
    want = {https + d["url"]: d for d in tls_run["manifest"]["documents"] if d["site"] == "bureau"}
    assert want and s["new"] == len(want)
    rows = db_rows(tls_run["db"], "select url, title, published from documents where site = 'bureau'")
    got = {r["url"]: r for r in rows}
    assert set(got) == set(want), sorted(set(got) ^ set(want))[:5]      # every document, stored via https
    assert [u for u, r in got.items() if (r["title"], r["published"]) != (want[u]["title"], want[u]["published"])] == []
    # columns and checked links carry the working scheme too; nothing is stored under http://
    cols = db_rows(tls_run["db"], "select url, state from columns where site = 'bureau'")
    assert cols and all(c["url"].startswith(https + "/") for c in cols)
    links = db_rows(tls_run["db"], "select from_url, to_url from links")
    assert links and all(lk["from_url"].startswith(https + "/") for lk in links)
    assert not [lk for lk in links if lk["to_url"].startswith(tls_run["plain"])]
    # the scheme was learnt once for the host, then used directly
    assert f"127.0.0.1:{https.rsplit(':', 1)[1]} answers on https only" in tls_run["log"]


def test_wrapped_download_errors_fall_back_http_to_https():
    """Scrapy's download handler re-raises Twisted connection errors as its own exceptions
    (``raise DownloadFailedError(...) from ResponseNeverReceived(...)``): they must still fall back."""
    from scrapy import Request
    from scrapy.http import Response
    from twisted.internet.error import ConnectionDone
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseNeverReceived

    from scrapy import exceptions
    from scrapy.exceptions import DownloadFailedError as failed

    from spiders.middlewares import SchemeFallbackMiddleware

    mw = SchemeFallbackMiddleware()
    cause = ResponseNeverReceived([Failure(ConnectionDone())])
    try:
        raise failed(str(cause)) from cause
    except failed as e:
        wrapped = e
    req = Request("http://www.example.org:8443/a?b=1")
    other = mw.process_exception(req, wrapped)
    assert other is not None and other.url == "https://www.example.org:8443/a?b=1" and other.dont_filter
    assert mw.process_exception(other, wrapped) is None          # once only
    refused = getattr(exceptions, "DownloadConnectionRefusedError", None)
    if refused is not None:
        assert mw.process_exception(Request("http://x.org/"), refused("refused")).url == "https://x.org/"
    resolve = getattr(exceptions, "CannotResolveHostError", None)
    if resolve is not None:   # DNS failure: the other scheme will not help
        assert mw.process_exception(Request("http://nowhere.invalid/"), resolve("no such host")) is None
    mw.process_response(other, Response(other.url, status=200))
    assert mw.process_request(Request("http://www.example.org:8443/c")).url == "https://www.example.org:8443/c"


def test_configured_columns_keep_one_scheme_for_every_page(tls_run):
    """Documents found on the second and later list pages are resolved against the page that answered
    (https after the fallback), not against the configured http:// column address."""
    rows = db_rows(tls_run["db_columns"], "select url from documents")
    want = sum(1 for d in tls_run["manifest"]["documents"] if d["site"] == "bureau")
    assert len(rows) == want
    assert [r["url"] for r in rows if not r["url"].startswith(tls_run["https"] + "/")] == []
