"""What the column spider does when pages fail, repeat, or a killed crawl left work behind (issue 12):
a page that did not load is recorded (its checks become unverifiable, never gaps), a list page that
repeats an earlier one ends the walk, and link checks left pending are done again."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from crawler.allowlist import site_key
from crawler.pipelines import PENDING

from .adapters import ListWalk


class FaultHandling:
    """Mixin of ColumnSpider."""

    def _failed(self, url: str, walk: ListWalk | None, kind: str, error: str) -> None:
        """A page that did not load after its retries: whatever it holds is unknown (rules/failures.py
        makes the checks resting on its column unverifiable). Known articles are still in the store."""
        if kind == "article" and url in self.known:
            return
        failed = self.crawler.stats.get_value("zwgk/failed_pages")
        if failed is None:
            failed = []
            self.crawler.stats.set_value("zwgk/failed_pages", failed)
        failed.append({"url": url, "column_id": walk.column_id if walk else None, "kind": kind,
                       "error": str(error)[:200]})

    def _pending_links(self, path: Path) -> None:
        """Links found by a crawl that was killed before checking them: checked again tonight."""
        mine = site_key(self.site.base_url)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("select from_url, to_url, kind from links where error = ?", [PENDING]).fetchall()
        except sqlite3.Error:
            rows = []
        finally:
            conn.close()
        for from_url, to_url, kind in rows:
            if site_key(from_url) == mine:
                # (kind, words): the stored row keeps its words (the store never blanks a link's text)
                self.link_waiting.setdefault(to_url, {})[from_url] = (kind or self._kind(to_url), None)
        if rows:
            self.logger.info("%s: %d link checks left pending by an earlier crawl", self.site_key, len(rows))

    def _repeated(self, response, walk: ListWalk, before: int) -> None:
        """A list page that repeats an earlier one (same bytes, or only records this walk already has)
        ends the walk: a server that ignores the page number would otherwise be walked to the cap.
        What the rest of the list holds is unknown, so the column is unverifiable tonight."""
        if walk.failed or walk.complete:
            return
        digest = hashlib.sha1(response.body or b"").hexdigest()
        seen = walk.state.setdefault("zwgk_page_digests", set())
        if digest in seen or (walk.page_entries and len(walk.entries) == before):
            self._count("list_repeats")
            walk.fail(f"list page {response.url} repeats an earlier page: walk stopped")
        seen.add(digest)
