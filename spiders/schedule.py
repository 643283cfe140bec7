"""What the column spider takes from the configuration (Scrapy settings) and when it
does what: the nightly turn of a known article's conditional re-check, the rotating full walk of a column."""
from __future__ import annotations

import datetime as dt
import zlib
from urllib.parse import urlsplit

from crawler.config import Config
from crawler.settings import VERSION

RECHECK_AGE_DIVISOR = 2       # re-check interval = age / 2, within [crawl.recheck_days, ZWGK_RECHECK_MAX_DAYS]


def crawl_settings(config: Config) -> dict:
    """Scrapy settings derived from the configuration (politeness and identity)."""
    c = config.crawl
    return {
        "USER_AGENT": f"zwgk/{VERSION} (+mailto:{config.contact})",
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrency_per_host,
        "DOWNLOAD_DELAY": c.download_delay,
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "ROBOTSTXT_OBEY": c.obey_robots,
        # a loopback replica needs no back-off; real sites get the default
        "RETRY_BACKOFF_BASE": 2.0 if c.download_delay > 0 else 0.0,
        "ZWGK_FULL_WALK_DAYS": c.full_walk_days,
        "ZWGK_RECHECK_MAX_DAYS": c.recheck_max_days,
        "ZWGK_MAX_WITHDRAW_SHARE": c.max_withdraw_share,
    }


def recheck_interval(published: str | None, today: dt.date, min_days: int, max_days: int) -> int:
    """Nights between two conditional re-checks of a known article: half its age, at least *min_days*,
    at most *max_days* (an undated article counts as new)."""
    if min_days <= 1:
        return 1
    try:
        age = (today - dt.date.fromisoformat(str(published)[:10])).days
    except (TypeError, ValueError):
        age = 0
    return max(min_days, min(max(max_days, min_days), age // RECHECK_AGE_DIVISOR))


def recheck_due(url: str, published: str | None, today: dt.date, min_days: int, max_days: int) -> bool:
    """Is tonight this known article's re-check turn? Each article has a fixed turn in its interval
    (crc32 of its URL path), so about 1/interval of them come up each night with no bookkeeping."""
    n = recheck_interval(published, today, min_days, max_days)
    return n <= 1 or zlib.crc32(_turn_key(url)) % n == today.toordinal() % n


def _turn_key(url: str) -> bytes:
    """An article's turn depends on its path only: the same on http and https, on any port."""
    p = urlsplit(url)
    return (p.path + ("?" + p.query if p.query else "")).encode()


def full_walk_turn(site: str, column_id: str, today: dt.date, days: int) -> bool:
    """Is tonight this column's rotating full-walk turn (once every *days* nights)?"""
    return days <= 1 or zlib.crc32(f"{site}|{column_id}".encode()) % days == today.toordinal() % days
