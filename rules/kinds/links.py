"""links: broken links (answers ≥ 400) on the bureau's pages, and attachments that do not open, above a
threshold. Nothing link-checked yet is ``unverifiable``, never ``met``."""
from __future__ import annotations

from urllib.parse import urlsplit

from crawler.vocabulary import SITE_LABELS

from ..findings import attachment_broken, attachments_of
from ..params import Param, SITES
from . import Kind


class Links(Kind):
    __kind__ = "links"
    met_by_absence = True   # under a crawl-health alarm, finding nothing wrong proves nothing
    description = "broken internal links and attachments on the bureau's pages, at most max_broken"
    params = {
        "site": Param("strings", ["bureau"], choices=SITES),
        "max_broken": Param("int", 0, minimum=0, doc="broken links tolerated"),
        "attachments": Param("bool", True, doc="count attachments that fail to open"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        sites = set(params["site"])
        # pages that existed on the as-of date: documents published by then, and the column pages
        pages = {d["url"] for d in ctx.all_docs if d.get("site") in sites}
        pages |= {c.get("url") for c in ctx.columns if c["site"] in sites and c.get("url")}
        hosts = set()
        if ctx.config is not None:
            hosts = {urlsplit(ctx.config.sites[s].base_url).netloc for s in sites if s in ctx.config.sites}
        checked, broken, checked_targets = 0, [], set()
        names: dict[tuple[str, str], str] = {}   # (page, link URL) → the link's words there, or the attachment's name
        # without stored documents (links recorded, pages not kept) fall back to the sites' hosts
        by_host = not any(ctx.store.count_documents(site=s, state=None) for s in sites)
        for row in ctx.store.db.query("select * from links order by from_url, to_url"):   # same order every night
            src = row["from_url"]
            if src not in pages and not (by_host and urlsplit(src).netloc in hosts):
                continue
            if row["status"] is None and str(row.get("error") or "").startswith(("pending", "not checked")):
                continue   # found, not checked (waiting, or outside the configured sites): proves nothing
            checked += 1
            checked_targets.add(row["to_url"])
            status = row["status"]
            if status is not None and int(status) >= 400:
                broken.append((src, row["to_url"], f"HTTP {status}"))
                names[(src, row["to_url"])] = str(row.get("text") or "")
        seen = {to for _, to, _ in broken} | checked_targets
        if params["attachments"]:
            for d in (d for d in ctx.all_docs if d.get("site") in sites):
                for a in attachments_of(d):
                    if a.get("status") is None and not a.get("missing"):
                        continue
                    target = a.get("url") or a.get("name")
                    if target in seen:
                        continue  # already link-checked
                    checked += 1
                    if attachment_broken(a):
                        broken.append((d["url"], target, "附件无法打开"))
                        names[(d["url"], target)] = str(a.get("name") or "")
        where = "、".join(SITE_LABELS.get(s, s) for s in params["site"])
        if checked == 0:
            return [ctx.finding("unverifiable", message=f"{where}尚无链接检查结果，无法判断")]
        evidence = [{"url": src, "title": f"失效链接：{to}（{why}）", "published": None, "terms": []}
                    for src, to, why in broken[:50]]
        # per link, as data: the page holding it, the target, why, and its words on the page (anchor text,
        # attachment name: crawled text, escaped where shown); reports show the page's title and these
        # words, the URLs behind
        facts = {"broken": [{"page": src, "target": to, "why": why, "text": names.get((src, to), "")}
                            for src, to, why in broken[:50]], "broken_count": len(broken), "checked": checked}
        if len(broken) > params["max_broken"]:
            return [ctx.finding("gap", evidence=evidence, facts=facts,
                                message=f"{where}发现{len(broken)}个失效链接（容许{params['max_broken']}个）：" +
                                "；".join(f"{to}（{why}，见{src}）" for src, to, why in broken[:10]))]
        return [ctx.finding("met", evidence=evidence, facts=facts, message=f"{where}检查{checked}个链接，失效{len(broken)}个，在容许范围内")]
