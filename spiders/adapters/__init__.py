"""List adapters, one per CMS platform; ``adapter_for(response, platform)`` picks one.

Order matters: the configured platform's adapter is tried first, then every adapter whose
``detect`` recognises the page (JCMS, JPaaS, TRS), the generic one last (a site configured
``generic`` still gets a platform adapter where a page shows one).
"""
from __future__ import annotations

from .base import ListAdapter, ListEntry, ListWalk, looks_like_article
from .generic import GenericAdapter
from .jcms import JcmsAdapter
from .jpaas import JpaasAdapter
from .trs import TrsAdapter

ADAPTERS: dict[str, ListAdapter] = {
    "jcms": JcmsAdapter(),
    "jpaas": JpaasAdapter(),
    "trs": TrsAdapter(),
    "generic": GenericAdapter(),
}


def adapter_for(response, platform: str | None = None) -> ListAdapter:
    if platform in ADAPTERS and platform != "generic" and ADAPTERS[platform].detect(response):
        return ADAPTERS[platform]
    for name, adapter in ADAPTERS.items():
        if name != "generic" and adapter.detect(response):
            return adapter
    return ADAPTERS["generic"]


__all__ = ["ADAPTERS", "ListAdapter", "ListEntry", "ListWalk", "adapter_for", "looks_like_article",
           "JcmsAdapter", "JpaasAdapter", "TrsAdapter", "GenericAdapter"]
