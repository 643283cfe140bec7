"""What the column spider yields; crawler.pipelines.StorePipeline stores each kind.

Spiders only parse: every fact they learn leaves them as one of these items.
"""
from __future__ import annotations

import scrapy


class DocumentItem(scrapy.Item):
    """One article page (or attachment-only page), fetched and extracted."""
    url = scrapy.Field()
    site = scrapy.Field()
    column_id = scrapy.Field()
    column_name = scrapy.Field()
    title = scrapy.Field()
    published = scrapy.Field()      # YYYY-MM-DD or None
    publisher = scrapy.Field()
    source = scrapy.Field()
    index_no = scrapy.Field()
    doc_no = scrapy.Field()
    category = scrapy.Field()
    body = scrapy.Field()
    attachments = scrapy.Field()    # [{url, name, type, size, text, status, error?}]
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    # not stored: the search words of title and body when the CPU worker segmented them with the extraction
    # (spiders/indexwords.py): {"title", "body", "words": (title words, body words)}
    index_words = scrapy.Field()


class ColumnItem(scrapy.Item):
    """A column's state after its list was walked."""
    site = scrapy.Field()
    column_id = scrapy.Field()
    name = scrapy.Field()
    url = scrapy.Field()
    platform = scrapy.Field()       # the list adapter that read it: jcms | generic …
    column_class = scrapy.Field()   # freshness class from the config (stored as `class`)
    item_count = scrapy.Field()
    last_item_date = scrapy.Field()
    state = scrapy.Field()          # normal | blank | unverifiable
    reason = scrapy.Field()
    walk = scrapy.Field()           # full | incremental | failed: how tonight's list walk went
    pages = scrapy.Field()          # list responses read tonight


class ColumnSyncedItem(scrapy.Item):
    """A full list walk whose every listed article is stored: the column is synced (resume marker)."""
    site = scrapy.Field()
    column_id = scrapy.Field()


class LinkItem(scrapy.Item):
    """A link on one of the bureau's pages (article body, attachment, column or home page) with the
    status it answered tonight."""
    site = scrapy.Field()
    from_url = scrapy.Field()
    to_url = scrapy.Field()
    status = scrapy.Field()         # HTTP status, None when the request failed
    error = scrapy.Field()          # "pending": found, not checked yet (re-checked next night if a kill intervenes)
    kind = scrapy.Field()           # internal | attachment | external
    text = scrapy.Field()           # the link's words on the page (anchor text, attachment name), trimmed
    drop = scrapy.Field()           # True: forget this (page, link) pair (robots.txt forbids checking it)


class SeenItem(scrapy.Item):
    """A known article listed again and not refetched (unchanged as far as the list shows)."""
    site = scrapy.Field()
    url = scrapy.Field()
    column_id = scrapy.Field()


class WithdrawnItem(scrapy.Item):
    """A known article gone: dropped from its complete list, or answering 404/410."""
    site = scrapy.Field()
    url = scrapy.Field()
    column_id = scrapy.Field()
    reason = scrapy.Field()
