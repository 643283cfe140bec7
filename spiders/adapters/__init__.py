"""List adapters, one per CMS platform; ``adapter_for(response, platform)`` picks one.

Order matters: the configured platform's adapter is tried first, then every adapter whose
``detect`` recognises the page, the generic one last.
"""
from __future__ import annotations

from .base import ListAdapter, ListEntry, ListWalk, looks_like_article
from .generic import GenericAdapter
from .jcms import JcmsAdapter

ADAPTERS: dict[str, ListAdapter] = {
    "jcms": JcmsAdapter(),
    "generic": GenericAdapter(),
    # "jpaas": JpaasAdapter(), "trs": TrsAdapter()  — a later issue
}


def adapter_for(response, platform: str | None = None) -> ListAdapter:
    if platform in ADAPTERS and ADAPTERS[platform].detect(response):
        return ADAPTERS[platform]
    for name, adapter in ADAPTERS.items():
        if name != "generic" and adapter.detect(response):
            return adapter
    return ADAPTERS["generic"]


__all__ = ["ADAPTERS", "ListAdapter", "ListEntry", "ListWalk", "adapter_for", "looks_like_article",
           "JcmsAdapter", "GenericAdapter"]
