"""Which addresses zwgk may request: the configured sites, over http or https, nothing else.

A site is its host (``www.`` and a default port ignored: http://www.x and https://x are one server)
plus an explicit non-default port (loopback replicas differ by port only). Every request the crawler
makes — list, article, attachment, robots.txt, a redirect or meta-refresh target — must pass
``SiteAllowList.allows``; spiders/middlewares.py enforces it in the downloader, the spider checks it
first so that links elsewhere are recorded as external links instead of being fetched.
"""
from __future__ import annotations

from urllib.parse import urlsplit

SCHEMES = ("http", "https")
DEFAULT_PORTS = (80, 443)


def site_key(url: str) -> tuple[str, int | None] | None:
    """(host, explicit non-default port) of an http(s) URL, or None for any other URL."""
    try:
        p = urlsplit(url.strip())
        port = p.port
    except ValueError:   # a malformed port or IPv6 literal
        return None
    if p.scheme.lower() not in SCHEMES or not p.hostname:
        return None
    host = p.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host, (None if port in DEFAULT_PORTS else port)


class SiteAllowList:
    def __init__(self, urls):
        self.sites = {k for k in (site_key(u) for u in urls if u) if k is not None}

    @classmethod
    def from_config(cls, config) -> "SiteAllowList":
        urls = []
        for site in config.sites.values():
            urls += [site.base_url, site.start_url] + [c.url for c in site.columns if c.url and "://" in c.url]
        return cls(urls)

    def allows(self, url: str) -> bool:
        return site_key(url) in self.sites

    def why_not(self, url: str) -> str | None:
        """None when *url* may be requested, else a short reason."""
        scheme = urlsplit(url).scheme.lower() if "://" in url or ":" in url[:12] else ""
        if scheme not in SCHEMES:
            return f"{scheme or 'relative'}: is not http(s)"
        if not self.allows(url):
            return "outside the configured sites"
        return None
