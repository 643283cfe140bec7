"""The deterministic model behind the replica sites: sites, columns, articles, attachments, defects, nights.

`build_world(seed, scale, night)` is pure: same arguments → same world (and so byte-identical pages and
manifest). It never reads the clock and never touches the global `random` generator. Bodies of ordinary
articles are generated lazily (and cached) from a per-article seed, so building is fast and serving a page
never rebuilds anything.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from functools import lru_cache

from . import content as C

D = dt.date
START = D(2019, 1, 1)
END = D(2020, 12, 30)          # last day with ordinary items on night 0
NIGHT0 = D(2020, 12, 31)       # manifest date of night 0


# --------------------------------------------------------------------------- calendar

@lru_cache(maxsize=None)
def is_workday(d: dt.date) -> bool:
    try:
        import chinese_calendar
        return bool(chinese_calendar.is_workday(d))
    except Exception:  # out of the calendar's range, or package missing
        return d.weekday() < 5


def add_workdays(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d += dt.timedelta(days=1)
        if is_workday(d):
            n -= 1
    return d


def workdays_between(a: dt.date, b: dt.date) -> int:
    """Working days after `a` up to and including `b`."""
    n, d = 0, a
    while d < b:
        d += dt.timedelta(days=1)
        if is_workday(d):
            n += 1
    return n


@lru_cache(maxsize=None)
def _days(a: dt.date, b: dt.date) -> tuple[tuple, tuple]:
    days = [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
    return tuple(days), tuple(x for x in days if is_workday(x))


def rand_date(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    alld, work = _days(a, b)
    if work and rng.random() < 0.93:
        return rng.choice(work)
    return rng.choice(alld)


def rand_time(rng: random.Random) -> str:
    h = rng.choice([8, 9, 9, 10, 10, 10, 11, 11, 14, 15, 15, 16, 16, 17, 18])
    return f"{h:02d}:{rng.randint(0, 59):02d}"


def quarter(d: dt.date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


# --------------------------------------------------------------------------- model

@dataclass
class Attachment:
    fid: str
    name: str
    type: str
    spec: dict
    missing: bool = False

    @property
    def url(self) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={self.fid}.{self.type}"


@dataclass
class Article:
    site: str
    column: str
    key: str
    title: str
    published: dt.date
    time: str
    publisher: str
    kind: str | None = None
    year: int | None = None
    doc_no: str | None = None
    encoding: str = "utf-8"
    about_bureau: bool | None = None
    attachments: list = field(default_factory=list)
    paras: list | None = None          # planted bodies are stored; ordinary ones are generated lazily
    gen: str = "news"                  # body generator for ordinary items
    links: list = field(default_factory=list)   # (href, text) appended to the body
    extra: dict = field(default_factory=dict)
    topic: str = "教育"                 # 主题分类
    written: dt.date | None = None      # 成文日期
    id: int = 0
    index_no: str | None = None
    rev: int = 0
    modified: dt.datetime | None = None
    protected: bool = False             # planted/linked: never picked for edits, withdrawals or links

    @property
    def url(self) -> str:
        d = self.published
        return f"/art/{d.year}/{d.month}/{d.day}/art_{self.column}_{self.id}.html"

    @property
    def pubdate(self) -> str:
        return f"{self.published.isoformat()} {self.time}"

    @property
    def last_modified(self) -> dt.datetime:
        """UTC time of the last change (pages are stamped in China Standard Time)."""
        if self.modified is not None:
            return self.modified
        h, m = map(int, self.time.split(":"))
        return dt.datetime(self.published.year, self.published.month, self.published.day, h, m) - dt.timedelta(hours=8)


@dataclass
class Column:
    id: str
    name: str
    cls: str
    xxgk: bool
    coltype: str
    unitid: int
    topic: str = ""
    named: bool = False
    articles: list = field(default_factory=list)   # newest first

    @property
    def url(self) -> str:
        return f"/col/col{self.id}/index.html"


@dataclass
class Site:
    key: str
    name: str
    domain: str
    code: str
    webid: int
    dataproxy: str
    columns: list
    named_column: str | None = None

    def __post_init__(self):
        self.by_id = {c.id: c for c in self.columns}


# --------------------------------------------------------------------------- site definitions

# (id, name, class, xxgk, ColumnType, base count at scale 1, generator, topic)
# ColumnType as on real Hanweb sites: 政务动态 for news columns, 专题专栏 for topics — and for the work areas
# (学前教育, 校园安全 …): these report the bureau's work as it happens, so their class is 动态 (two weeks),
# which only their name tells; 疫情防控 is a campaign's column (专题, no time limit).
BUREAU_COLUMNS = [
    ("3301", "工作动态", "动态", False, "政务动态", 520, "news", ""),
    ("3302", "教育要闻", "动态", False, "政务动态", 240, "news", ""),
    ("3303", "基层动态", "动态", False, "政务动态", 400, "school", ""),
    ("3304", "图片新闻", "动态", False, "政务动态", 80, "news", ""),
    ("3305", "通知公告", "通知公告", True, "信息公开", 220, "notice", ""),
    ("3306", "政策文件", "政策文件", True, "信息公开", 0, "", ""),
    ("3307", "政策解读", "政策文件", True, "信息公开", 0, "", ""),
    ("3308", "财政预决算", "other", True, "信息公开", 0, "", ""),
    ("3309", "重大建设项目", "other", True, "信息公开", 0, "", ""),
    ("3310", "招生入学", "other", True, "信息公开", 0, "", ""),
    ("3311", "建议提案办理", "other", True, "信息公开", 0, "", ""),
    ("3312", "征求意见", "other", False, "互动交流", 0, "", ""),
    ("3313", "人事信息", "人事", True, "信息公开", 60, "personnel", ""),
    ("3314", "规划计划", "规划计划", True, "信息公开", 8, "plan", ""),
    ("3315", "政府信息公开指南", "other", True, "信息公开", 0, "", ""),
    ("3316", "政府信息公开年报", "other", True, "信息公开", 0, "", ""),
    ("3317", "法定主动公开内容", "other", True, "信息公开", 3, "misc", "法定主动公开内容"),
    ("3318", "政务公开标准目录", "other", True, "信息公开", 0, "", ""),
    ("3319", "双随机一公开", "other", True, "信息公开", 0, "", ""),
    ("3320", "权责清单", "other", True, "信息公开", 0, "", ""),
    ("3321", "新闻发布会", "other", True, "信息公开", 0, "", ""),
    ("3322", "督查审计整改", "other", True, "信息公开", 0, "", ""),
    ("3323", "政务服务", "other", False, "办事服务", 20, "misc", "政务服务"),
    ("3324", "学前教育", "动态", False, "专题专栏", 50, "topical", "学前教育"),
    ("3325", "义务教育", "动态", False, "专题专栏", 60, "news", ""),
    ("3326", "职业教育", "动态", False, "专题专栏", 40, "topical", "职业教育"),
    ("3327", "体育工作", "动态", False, "政务动态", 120, "topical", "体育工作"),
    ("3328", "校园安全", "动态", False, "专题专栏", 60, "topical", "校园安全"),
    ("3329", "疫情防控", "other", True, "信息公开", 40, "topical", "疫情防控"),
    ("3330", "重点工作落实", "other", True, "信息公开", 0, "", ""),
    ("3331", "政民互动", "other", False, "互动交流", 0, "", ""),
    ("3332", "回应关切", "other", False, "互动交流", 15, "misc", "回应关切"),
    ("3333", "民办教育", "动态", False, "专题专栏", 25, "topical", "民办教育"),
    ("3334", "教师队伍建设", "动态", False, "专题专栏", 40, "topical", "教师队伍建设"),
    ("3335", "教育督导", "动态", False, "专题专栏", 35, "topical", "教育督导"),
    ("3336", "应急管理", "other", True, "信息公开", 12, "misc", "应急管理"),
    ("3337", "政务公开工作", "动态", False, "专题专栏", 12, "misc", "政务公开工作"),
    ("3338", "依申请公开", "other", True, "信息公开", 2, "misc", "依申请公开"),
    ("3339", "统计信息", "other", True, "信息公开", 0, "", ""),
    ("3340", "政府采购", "other", True, "信息公开", 20, "misc", "政府采购"),
    ("3341", "资助工作", "动态", False, "专题专栏", 25, "topical", "资助工作"),
    ("3342", "语言文字", "动态", False, "专题专栏", 15, "topical", "语言文字"),
]
#: planted stale 动态 columns and their last item: 体育工作 (ColumnType 政务动态) and 校园安全, a work column
#: whose ColumnType says 专题专栏 (only its name makes it 动态)
STALE_COLUMNS = {"3327": D(2020, 9, 10), "3328": D(2020, 11, 27)}
BLANK_COLUMN = "3339"       # 统计信息: never any item

UPPER_SITES = {
    "province": dict(name="山东省人民政府", domain="www.shandong.gov.cn", code="3700000093", webid=410,
                     dataproxy="/module/web/jpage/dataproxy.jsp", named="102194", columns=[
                         ("102190", "要闻动态", "动态", False, "政务动态", 60, "upper_news", ""),
                         ("102191", "通知公告", "通知公告", False, "信息公开", 30, "upper_notice", ""),
                         ("102192", "省政府文件", "政策文件", True, "信息公开", 30, "upper_doc", ""),
                         ("102193", "部门动态", "动态", False, "政务动态", 30, "upper_news", ""),
                         ("102194", "政务公开看山东", "other", False, "政务公开", 300, "upper", ""),
                     ]),
    "city": dict(name="济宁市人民政府", domain="www.jining.gov.cn", code="3708000001", webid=22,
                 dataproxy="/module/web/jpage/dataproxy.jsp", named="25445", columns=[
                     ("25441", "济宁要闻", "动态", False, "政务动态", 60, "upper_news", ""),
                     ("25442", "通知公告", "通知公告", False, "信息公开", 25, "upper_notice", ""),
                     ("25443", "县市区动态", "动态", False, "政务动态", 50, "upper_news", ""),
                     ("25444", "政府文件", "政策文件", True, "信息公开", 25, "upper_doc", ""),
                     ("25445", "政务公开经验做法", "other", False, "政务公开", 250, "upper", ""),
                 ]),
    "district": dict(name="兖州区人民政府", domain="www.yanzhou.gov.cn", code="3708120001", webid=5,
                     dataproxy="/module/jpage/dataproxy.jsp", named="13205", columns=[
                         ("13201", "兖州要闻", "动态", False, "政务动态", 60, "upper_news", ""),
                         ("13202", "通知公告", "通知公告", False, "信息公开", 30, "upper_notice", ""),
                         ("13203", "部门动态", "动态", False, "政务动态", 60, "upper_news", ""),
                         ("13204", "部门预决算", "other", True, "信息公开", 0, "", ""),
                         ("13205", "政务公开看兖州", "other", False, "政务公开", 300, "upper", ""),
                     ]),
}
ID_BASE = {"bureau": 4512000, "province": 3918000, "city": 2806000, "district": 1733000}


def _make_site(key: str) -> Site:
    if key == "bureau":
        cols = [Column(c[0], c[1], c[2], c[3], c[4], 30000 + i * 7 + 3, topic=c[7])
                for i, c in enumerate(BUREAU_COLUMNS)]
        return Site("bureau", C.BUREAU, "jtj.yanzhou.gov.cn", "3708120013", 89,
                    "/module/web/jpage/dataproxy.jsp", cols)
    s = UPPER_SITES[key]
    cols = [Column(c[0], c[1], c[2], c[3], c[4], 50000 + i * 11 + int(s["webid"]), topic=c[7], named=c[0] == s["named"])
            for i, c in enumerate(s["columns"])]
    return Site(key, s["name"], s["domain"], s["code"], s["webid"], s["dataproxy"], cols, named_column=s["named"])


# --------------------------------------------------------------------------- world

class World:
    def __init__(self, seed: int, scale: float, night: int):
        self.seed, self.scale, self.night = seed, float(scale), night
        self.date = NIGHT0 + dt.timedelta(days=night)
        self.sites: dict[str, Site] = {k: _make_site(k) for k in ("bureau", "province", "city", "district")}
        self.defects: list[dict] = []
        self.changes = {"added": [], "edited": [], "withdrawn": []}
        self.withdrawn: dict[tuple[str, str], Article] = {}
        self._articles: list[Article] = []
        self.by_url: dict[tuple[str, str], Article] = {}
        self.attachments: dict[tuple[str, str], tuple[Article, Attachment]] = {}
        self._body_cache: dict[tuple[str, str], list[str]] = {}
        self._manifest = None

    # ---- helpers used while building
    def rng(self, *key) -> random.Random:
        return random.Random(":".join(str(k) for k in (self.seed,) + key))

    def count(self, base: int, minimum: int = 3) -> int:
        if base <= 0:
            return 0
        return max(minimum, int(round(base * self.scale)))

    def add(self, site: str, column: str, published: dt.date, title: str, publisher: str = C.BUREAU_SHORT, *,
            kind=None, key=None, time=None, **kw) -> Article:
        key = key or f"p{len(self._articles)}"
        a = Article(site=site, column=column, key=key, title=title, published=published,
                    time=time or rand_time(self.rng(site, key, "time")), publisher=publisher, kind=kind, **kw)
        self._articles.append(a)
        return a

    def attach(self, a: Article, name: str, typ: str, spec: dict, missing: bool = False) -> Attachment:
        fid = hashlib.md5(f"{self.seed}|{a.site}|{a.key}|{len(a.attachments)}".encode()).hexdigest()
        att = Attachment(fid, name, typ, spec, missing)
        a.attachments.append(att)
        return att

    def defect(self, type_: str, requirement, detail: str, urls=(), site: str = "bureau", **extra) -> dict:
        d = {"type": type_, "requirement": requirement, "detail": detail, "urls": list(urls), "site": site}
        d.update(extra)
        self.defects.append(d)
        return d

    # ---- after building
    def finalize(self):
        """Assign ids (increasing with publication time), 索引号, column lists and look-up tables."""
        per_site: dict[str, list[Article]] = {}
        for a in self._articles:
            per_site.setdefault(a.site, []).append(a)
        for site, arts in per_site.items():
            rng = self.rng(site, "ids")
            arts.sort(key=lambda a: (a.published, a.time, a.key))
            nid = ID_BASE[site]
            seq: dict[int, int] = {}
            docs: dict[int, int] = {}
            for a in arts:
                if a.id == 0:
                    nid += rng.randint(1, 37)
                    a.id = nid
                else:
                    nid = max(nid, a.id)
                col = self.sites[site].by_id[a.column]
                if site == "bureau" and a.gen == "notice" and a.doc_no is None and rng.random() < 0.4:
                    y = a.published.year
                    docs[y] = docs.get(y, 0) + rng.randint(1, 3)
                    a.doc_no = f"兖教体字〔{y}〕{docs[y]}号"
                if col.xxgk and a.index_no is None and site == "bureau":
                    seq[a.published.year] = seq.get(a.published.year, 0) + rng.randint(1, 4)
                    a.index_no = f"{C.CREDIT_CODE}/{a.published.year}-{seq[a.published.year]:05d}"
            self.sites[site].next_id = nid
            self.sites[site].next_seq = seq
        self._index()

    def _index(self):
        for s in self.sites.values():
            for c in s.columns:
                c.articles = []
        self.by_url.clear()
        self.attachments.clear()
        for a in self._articles:
            if (a.site, a.url) in self.withdrawn:
                continue
            self.sites[a.site].by_id[a.column].articles.append(a)
            self.by_url[(a.site, a.url)] = a
            for att in a.attachments:
                self.attachments[(a.site, att.fid)] = (a, att)
        for s in self.sites.values():
            for c in s.columns:
                c.articles.sort(key=lambda a: (a.published, a.time, a.id), reverse=True)
                c.pos = {a.id: i for i, a in enumerate(c.articles)}
        self._resolve_defects()
        self._manifest = None

    def _resolve_defects(self):
        def conv(v):
            if isinstance(v, Article):
                return v.url
            if isinstance(v, Attachment):
                return v.url
            if isinstance(v, list):
                return [conv(x) for x in v]
            return v
        for d in self.defects:
            for k in list(d):
                d[k] = conv(d[k])

    def articles(self):
        return [a for a in self._articles if (a.site, a.url) not in self.withdrawn]

    # ---- bodies
    def body(self, a: Article) -> list[str]:
        """Paragraphs of an article body (plain text or small HTML fragments)."""
        k = (a.site, a.url)
        got = self._body_cache.get(k)
        if got is not None and got[0] == a.rev:
            return got[1]
        if a.paras is not None:
            paras = list(a.paras)
        else:
            rng = self.rng(a.site, a.key, "body")
            g = a.gen
            if g == "notice":
                paras = C.notice_body(rng, a.published, a.title)
            elif g == "personnel":
                paras = C.personnel_body(rng, a.published, a.title)
            elif g in ("plan", "misc", "upper_doc", "upper_notice"):
                paras = C.generic_body(rng, a.published, a.title)
                if a.site != "bureau":
                    paras = paras[:-2] + [self.sites[a.site].name, C.cn_date(a.published)]
                if a.doc_no:
                    paras = [a.doc_no] + paras
            elif g == "upper":
                paras = C.upper_body(rng, a.published, a.publisher, a.title)
            elif g == "upper_news":
                paras = C.upper_news_body(rng, a.published, a.title, a.publisher)
            else:
                paras = C.news_body(rng, a.published, a.title, a.publisher, a.extra.get("ev"))
        if a.rev:
            erng = self.rng(a.site, a.key, "edit", a.rev)
            paras = list(paras)
            paras[0] = paras[0].replace("。", "，现予更新发布。", 1) if "。" in paras[0] else paras[0] + "（已更新）"
            paras.append(f"（{C.cn_date(a.extra.get('edited_on', self.date))}更正："
                         f"{erng.choice(['文中有关数据已据实核对更新', '原文部分表述有误，现予更正', '补充了相关工作安排', '联系方式已调整'])}。）")
        self._body_cache[k] = (a.rev, paras)
        return paras

    # ---- manifest
    def manifest(self) -> dict:
        if self._manifest is not None:
            return self._manifest
        sites = {}
        for k, s in self.sites.items():
            cols = []
            for c in s.columns:
                cols.append({"id": c.id, "name": c.name, "url": c.url, "class": c.cls, "count": len(c.articles),
                             "last_item_date": c.articles[0].published.isoformat() if c.articles else None,
                             "xxgk": c.xxgk, "named": c.named})
            sites[k] = {"name": s.name, "domain": s.domain, "site_id_code": s.code, "webid": s.webid,
                        "dataproxy": s.dataproxy, "named_column": s.named_column, "columns": cols}
        docs = []
        order = {k: i for i, k in enumerate(self.sites)}
        for a in sorted(self.articles(), key=lambda a: (order[a.site], a.published, a.time, a.id)):
            docs.append({
                "url": a.url, "site": a.site, "column": a.column, "title": a.title,
                "published": a.published.isoformat(), "publisher": a.publisher, "index_no": a.index_no,
                "doc_no": a.doc_no, "encoding": a.encoding, "kind": a.kind, "year": a.year,
                "about_bureau": a.about_bureau,
                "attachments": [{"url": t.url, "name": t.name, "type": t.type, "missing": t.missing}
                                for t in a.attachments],
            })
        self._manifest = {"seed": self.seed, "scale": self.scale, "night": self.night, "date": self.date.isoformat(),
                          "sites": sites, "documents": docs, "defects": self.defects,
                          "changes": self.changes}
        return self._manifest


# --------------------------------------------------------------------------- ordinary content

def ordinary_bureau(w: World):
    seen = {a.title for a in w._articles if a.site == "bureau"}
    for (cid, name, cls, xxgk, ctype, base, gen, topic) in BUREAU_COLUMNS:
        n = w.count(base)
        if not n:
            continue
        rng = w.rng("bureau", cid, "ordinary")
        lo, hi = START, END
        if topic == "疫情防控":
            lo = D(2020, 1, 25)
        if cid in STALE_COLUMNS:
            hi = STALE_COLUMNS[cid]
        dates = sorted(rand_date(rng, lo, hi) for _ in range(n))
        # freshness anchors: every column that is not planted stale gets a recent item
        if cid in STALE_COLUMNS:
            dates[-1] = STALE_COLUMNS[cid]
        elif cls == "动态":
            dates[-1] = rand_date(rng, D(2020, 12, 21), END)
        elif cls in ("通知公告", "政策文件"):
            dates[-1] = rand_date(rng, D(2020, 11, 2), END)
        elif cls in ("人事", "规划计划"):
            dates[-1] = rand_date(rng, D(2020, 6, 1), END)
        elif base >= 10:
            dates[-1] = rand_date(rng, D(2020, 10, 9), END)
        for i, d in enumerate(dates):
            key = f"{cid}-{i}"
            title, publisher, kind, ev = None, C.BUREAU_SHORT, "news", None
            for _ in range(8):
                if gen == "news":
                    title, publisher, ev = C.news_title(rng, d)
                elif gen == "school":
                    school = rng.choice(C.SCHOOLS)
                    title, publisher, ev = C.news_title(rng, d, publisher=school)
                    if publisher != school:
                        act = C.activity(rng, d, school)
                        title, publisher, ev = f"{school}开展{act}", school, ("activity", act, school)
                elif gen == "topical":
                    title, publisher, ev = C.topical_title(rng, d, topic)
                elif gen == "notice":
                    title, kind = C.notice_title(rng, d), "notice"
                elif gen == "personnel":
                    title, kind = C.personnel_title(rng, d), "personnel"
                elif gen == "plan":
                    title, kind = C.plan_title(rng, d), "plan_doc"
                elif gen == "misc":
                    title, kind = C.misc_title(rng, d, topic)
                if title not in seen:
                    break
            else:
                if gen in ("news", "school", "topical"):     # small pools: fall back to general news
                    for _ in range(20):
                        title, publisher, ev = C.news_title(rng, d)
                        if title not in seen:
                            break
            seen.add(title)
            if cid in ("3301", "3302", "3304") and publisher != C.BUREAU_SHORT and rng.random() < 0.75:
                publisher = C.BUREAU_SHORT     # the bureau's own news columns mostly credit the bureau
            a = w.add("bureau", cid, d, title, publisher, kind=kind, key=key, gen=gen if gen != "school" else "news",
                      topic=_topic_for(cid, kind))
            if ev:
                a.extra["ev"] = ev
            if gen == "notice" and rng.random() < 0.22:
                aname = rng.choice(["报名表", "回执单", "汇总表", "推荐表", "信息采集表"])
                typ = rng.choice(["docx", "docx", "xlsx"])
                w.attach(a, f"{aname}.{typ}", typ, {"title": f"{title}{aname}", "paras": [
                    f"附件：{aname}", "单位（盖章）：　　　　　　　填表人：　　　　　联系电话：",
                ], "tables": [(aname, [["序号", "单位", "姓名", "职务", "联系电话", "备注"],
                                       ["1", "", "", "", "", ""], ["2", "", "", "", "", ""]])]})


def _topic_for(cid: str, kind) -> str:
    return {"3313": "人事", "3314": "规划", "3329": "卫生", "3327": "体育", "3340": "财政"}.get(cid, "教育")


def ordinary_upper(w: World):
    for key, spec in UPPER_SITES.items():
        for (cid, name, cls, xxgk, ctype, base, gen, topic) in spec["columns"]:
            n = w.count(base, minimum=10 if gen == "upper" else 3)
            if not n:
                continue
            rng = w.rng(key, cid, "ordinary")
            dates = sorted(rand_date(rng, START, END) for _ in range(n))
            dates[-1] = rand_date(rng, D(2020, 12, 21), END)
            seen = set()
            for i, d in enumerate(dates):
                for _ in range(8):
                    if gen == "upper":
                        if key == "province":
                            unit = rng.choice(C.PROVINCE_PLACES + C.PROVINCE_COUNTIES + C.PROVINCE_DEPTS)
                        elif key == "city":
                            unit = rng.choice(C.CITY_UNITS)
                        else:
                            unit = rng.choice(C.DISTRICT_DEPTS + C.DISTRICT_TOWNS)
                        title, publisher, kind = C.upper_title(rng, unit), unit, "upper_item"
                    elif gen == "upper_news":
                        places = {"province": C.PROVINCE_PLACES, "city": C.CITY_UNITS[:13],
                                  "district": C.TOWNS}[key]
                        title = rng.choice(C.UPPER_NEWS[key]).format(t=rng.choice(C.UPPER_TOPICS), p=rng.choice(places))
                        publisher, kind = {"province": "山东省人民政府办公厅", "city": "济宁市人民政府办公室",
                                           "district": "兖州区人民政府办公室"}[key], "news"
                    elif gen == "upper_notice":
                        title = f"关于{rng.choice(['做好', '开展', '加强'])}{d.year}年{rng.choice(C.UPPER_TOPICS)}工作的通知"
                        publisher, kind = w.sites[key].name + "办公室" if key != "province" else "山东省人民政府办公厅", "notice"
                    else:  # upper_doc
                        title = f"{w.sites[key].name}关于{rng.choice(['印发', '进一步推进', '加快推进'])}{rng.choice(C.UPPER_TOPICS)}{rng.choice(['实施方案', '若干措施', '工作方案'])}的通知"
                        publisher, kind = w.sites[key].name, None
                    if title not in seen:
                        break
                seen.add(title)
                a = w.add(key, cid, d, title, publisher, kind=kind, key=f"{cid}-{i}", gen=gen,
                          about_bureau=False)
                if gen == "upper_doc":
                    a.doc_no = f"{ {'province': '鲁政发', 'city': '济政发', 'district': '兖政发'}[key] }〔{d.year}〕{i % 30 + 1}号"


# --------------------------------------------------------------------------- nights

def apply_night(w: World, k: int):
    rng = w.rng("night", k)
    day = NIGHT0 + dt.timedelta(days=k - 1)   # items published on the day before the crawl
    added, edited, withdrawn = [], [], []

    def new(site_key, cid, d, title, publisher, kind, gen):
        s = w.sites[site_key]
        s.next_id += rng.randint(3, 29)
        a = w.add(site_key, cid, d, title, publisher, kind=kind, key=f"n{k}-{len(added)}", gen=gen,
                  about_bureau=None if site_key == "bureau" else True)
        a.id = s.next_id
        col = s.by_id[cid]
        if col.xxgk and site_key == "bureau":
            s.next_seq[d.year] = s.next_seq.get(d.year, 0) + 1
            a.index_no = f"{C.CREDIT_CODE}/{d.year}-{s.next_seq[d.year]:05d}"
        added.append(a)
        return a

    if k == 1:
        for cid in ("3301", "3301", "3302"):
            t, p, ev = C.news_title(rng, day)
            new("bureau", cid, day, t, p, "news", "news").extra["ev"] = ev
        new("bureau", "3305", day, "关于2021年元旦放假安排及安全工作的通知", C.BUREAU_SHORT, "notice", "notice")
        new("district", "13205", day, "区教体局：扎实做好2020年度政务公开工作总结", "兖州区教育和体育局", "upper_item", "upper")
        # edits: the pre-chosen candidates
        for a in w.edit_candidates:
            a.rev += 1
            a.extra["edited_on"] = w.date
            a.modified = dt.datetime(w.date.year, w.date.month, w.date.day, 1, 30)
            edited.append(a)
        wd = w.withdraw_candidate
        w.withdrawn[(wd.site, wd.url)] = wd
        withdrawn.append(wd)
        w.defect("withdrawn", None, f"“{wd.title}”（{wd.published}）已撤稿：页面返回404，并从栏目列表移除",
                 [wd.url], title=wd.title, column=wd.column, night=k)
    else:
        t, p, ev = C.news_title(rng, day)
        new("bureau", "3301", day, t, p, "news", "news").extra["ev"] = ev
        new("bureau", "3305", day, C.notice_title(rng, day), C.BUREAU_SHORT, "notice", "notice")
    for a in added:
        a.protected = True
    w._index()
    w.changes = {"added": [a.url for a in added], "edited": [a.url for a in edited],
                 "withdrawn": [a.url for a in withdrawn]}
    w.changes_detail = {"added": [(a.site, a.url) for a in added], "edited": [(a.site, a.url) for a in edited],
                        "withdrawn": [(a.site, a.url) for a in withdrawn]}


def choose_night_candidates(w: World):
    """Ordinary-looking items that later nights edit and withdraw; present at every scale, never linked."""
    rng = w.rng("candidates")

    def ordinary(cid, d, i):
        if cid == "3305":
            return w.add("bureau", cid, d, C.notice_title(rng, d), kind="notice", key=f"cand-{i}", gen="notice",
                         protected=True)
        t, p, ev = C.news_title(rng, d)
        return w.add("bureau", cid, d, t, p, kind="news", key=f"cand-{i}", gen="news", protected=True,
                     extra={"ev": ev})

    w.withdraw_candidate = ordinary("3305", rand_date(rng, D(2020, 12, 14), D(2020, 12, 25)), 0)
    w.edit_candidates = [ordinary("3301", rand_date(rng, D(2020, 12, 1), D(2020, 12, 18)), 1),
                         ordinary("3302", rand_date(rng, D(2020, 11, 2), D(2020, 11, 30)), 2),
                         ordinary("3305", rand_date(rng, D(2020, 10, 9), D(2020, 10, 30)), 3)]


def related(w: World, a: Article, n: int = 4) -> list[Article]:
    """Older neighbours of an article in its column (page chrome 相关链接); stable across nights."""
    col = w.sites[a.site].by_id[a.column]
    i = col.pos.get(a.id, -1)
    out = []
    for x in col.articles[i + 1:]:
        if x is getattr(w, "withdraw_candidate", None):
            continue
        out.append(x)
        if len(out) >= n:
            break
    return out
