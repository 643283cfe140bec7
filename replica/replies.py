"""HTTP replies every replica site writes the same way: validators (ETag, Last-Modified) and the
conditional answer (304) to a twisted.web request."""
from __future__ import annotations

import calendar
import email.utils
import hashlib

from twisted.web import http


class Response:
    __slots__ = ("status", "ctype", "body", "etag", "last_modified", "extra")

    def __init__(self, status, ctype, body, etag=None, last_modified=None, extra=None):
        self.status, self.ctype, self.body = status, ctype, body
        self.etag, self.last_modified, self.extra = etag, last_modified, extra or {}


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest()[:20] + '"'


def _http_date(d) -> str:
    return email.utils.formatdate(calendar.timegm(d.utctimetuple()), usegmt=True)


def send_reply(request, r) -> bytes:
    """Write status and headers of *r* (a Response, or any object with its attributes) to a twisted.web
    request and return the body, or answer 304 to a matching conditional request."""
    request.setResponseCode(r.status)
    request.setHeader(b"content-type", r.ctype.encode())
    for k, v in r.extra.items():
        request.setHeader(k.encode(), v.encode("latin-1"))
    if r.etag:
        request.setHeader(b"etag", r.etag.encode())
    if r.last_modified is not None:
        request.setHeader(b"last-modified", _http_date(r.last_modified).encode())
    if r.status == 200 and (r.etag or r.last_modified is not None) and not_modified(request, r):
        request.setResponseCode(http.NOT_MODIFIED)
        request.responseHeaders.removeHeader(b"content-type")
        return b""
    return r.body


def not_modified(request, r) -> bool:
    """If-None-Match (wins when present) or If-Modified-Since matches *r*."""
    inm = request.getHeader(b"if-none-match")
    if inm is not None:
        inm = inm.decode("latin-1")
        if not r.etag:
            return False
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or r.etag in tags or ("W/" + r.etag) in tags
    ims = request.getHeader(b"if-modified-since")
    if ims is not None and r.last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims.decode("latin-1"))
        except (TypeError, ValueError):
            return False
        if since is None:
            return False
        return calendar.timegm(r.last_modified.utctimetuple()) <= since.timestamp()
    return False
