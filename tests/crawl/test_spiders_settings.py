"""Politeness and safety settings of the crawl, as Scrapy will see them (no network)."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list

from crawler.config import load_config
from spiders.schedule import crawl_settings, full_walk_turn, recheck_interval

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "config" / "production.yaml"


def project_settings() -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    return s


def production_settings() -> Settings:
    s = project_settings()
    for name, value in crawl_settings(load_config(PRODUCTION)).items():
        s.set(name, value, priority="spider")
    return s


def test_project_defaults_are_polite():
    s = project_settings()
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert s.getfloat("DOWNLOAD_DELAY") >= 0.5
    assert s.get("DOWNLOADER") == "spiders.downloader.PoliteDownloader"   # the limit holds without a delay too
    assert s.getint("DOWNLOAD_MAXSIZE") == 32 * 1024 * 1024 and s.getint("DOWNLOAD_TIMEOUT") == 30
    assert s.getbool("RETRY_ENABLED") is True and s.getint("RETRY_TIMES") == 2
    assert 412 not in s.getlist("RETRY_HTTP_CODES") and 503 in s.getlist("RETRY_HTTP_CODES")
    assert s.getfloat("RETRY_BACKOFF_BASE") == 2.0 and s.getfloat("RETRY_BACKOFF_MAX") == 60.0


def test_retries_back_off_and_schemes_fall_back():
    mws = build_component_list(project_settings().getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert "spiders.middlewares.BackoffRetryMiddleware" in mws
    assert "scrapy.downloadermiddlewares.retry.RetryMiddleware" not in mws
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" in mws
    # the retries see a connection failure first (same URL, back-off); the fallback only what they gave up on
    # (issue 12: the fallback never replaces the retries)
    assert mws.index("spiders.middlewares.SchemeFallbackMiddleware") < mws.index("spiders.middlewares.BackoffRetryMiddleware")
    # only the configured sites: refused before robots.txt is even looked up
    assert mws.index("spiders.guard.SiteGuardMiddleware") < mws.index("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware")


def test_no_telnet_console_and_no_remote_control():
    s = production_settings()
    assert s.getbool("TELNETCONSOLE_ENABLED") is False
    exts = build_component_list(s.getwithbase("EXTENSIONS"))
    assert "scrapy.extensions.telnet.TelnetConsole" not in exts
    assert not [e for e in exts if "telnet" in e.lower() or "webservice" in e.lower()]
    assert s.getdict("FEEDS") == {}


def test_production_configuration_politeness_and_identity():
    config = load_config(PRODUCTION)
    s = production_settings()
    assert config.contact and "@" in config.contact
    assert s.get("USER_AGENT").startswith("zwgk/") and f"mailto:{config.contact}" in s.get("USER_AGENT")
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert s.getbool("ROBOTSTXT_OBEY") is True and s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert s.getfloat("DOWNLOAD_DELAY") >= 0.5 and s.getfloat("RETRY_BACKOFF_BASE") > 0
    assert config.crawl.max_attachment_bytes <= 32 * 1024 * 1024
    hosts = {k: site.base_url for k, site in config.sites.items()}
    assert hosts == {"bureau": "http://www.yanzhou.gov.cn", "province": "http://www.shandong.gov.cn",
                     "city": "http://www.jining.gov.cn", "district": "http://www.yanzhou.gov.cn"}


def test_scheme_fallback_middleware():
    from scrapy import Request
    from scrapy.http import Response
    from twisted.internet.error import ConnectionRefusedError

    from spiders.middlewares import SchemeFallbackMiddleware

    mw = SchemeFallbackMiddleware()
    req = Request("https://www.example.org:8443/a?b=1")
    other = mw.process_exception(req, ConnectionRefusedError())
    assert other.url == "http://www.example.org:8443/a?b=1" and other.dont_filter
    assert mw.process_exception(other, ConnectionRefusedError()) is None       # once only
    assert mw.process_exception(Request("https://x.org/"), ValueError("not a connection error")) is None
    # once the other scheme answers, the host is asked that way directly
    mw.process_response(other, Response(other.url, status=200))
    again = mw.process_request(Request("https://www.example.org:8443/c"))
    assert again.url == "http://www.example.org:8443/c"
    assert mw.process_request(Request("https://elsewhere.org/")) is None
    nginx = Response("http://y.org/", status=400, body=b"The plain HTTP request was sent to HTTPS port")
    assert mw.process_response(Request("http://y.org/"), nginx).url == "https://y.org/"


@pytest.mark.parametrize("published, interval", [("2020-12-30", 7), ("2020-11-01", 30), ("2020-06-01", 90),
                                                 ("2015-01-01", 90), (None, 7), ("garbage", 7)])
def test_recheck_interval_grows_with_age(published, interval):
    import datetime as dt

    assert recheck_interval(published, dt.date(2020, 12, 31), 7, 90) == interval
    assert recheck_interval(published, dt.date(2020, 12, 31), 0, 90) == 1   # recheck_days 0: every night


def test_full_walk_rotation_covers_every_column_once_a_cycle():
    import datetime as dt

    cols = [str(c) for c in range(3301, 3343)]
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(7)]
    turns = {c: [d for d in days if full_walk_turn("bureau", c, d, 7)] for c in cols}
    assert all(len(v) == 1 for v in turns.values())
    per_night = [sum(1 for c in cols if full_walk_turn("bureau", c, d, 7)) for d in days]
    assert sum(per_night) == len(cols) and max(per_night) < len(cols) / 2


def test_sites_sharing_a_host_are_crawled_one_after_the_other():
    from zwgk.crawl import sites_by_host

    config = load_config(PRODUCTION)
    groups = sites_by_host(config, ["bureau", "province", "city", "district"])
    assert sorted(groups.values()) == [["bureau", "district"], ["city"], ["province"]]
