"""Configuration: one YAML file naming the sites, the units, paths and mail settings.

Every problem is reported as one line ``FILE:LINE: FIELD: what is wrong`` (``ConfigError``), which the
CLI prints before exiting with code 2. ``config/production.yaml`` documents every field.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .yamlnodes import Node, read_yaml
from . import validate
from .validate import Invalid
from .vocabulary import CLASSES, EXCLUDED

SITE_KEYS = ("bureau", "province", "city", "district")
PLATFORMS = ("jcms", "jpaas", "trs", "generic")
UNIT_KINDS = ("office", "section", "center", "school", "town", "group")
SECURITY = ("none", "ssl", "starttls")
COLUMN_CLASSES = CLASSES
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class ConfigError(Exception):
    def __init__(self, file: str | os.PathLike, line: int | None, fieldname: str, problem: str):
        self.file, self.line, self.field, self.problem = str(file), line, fieldname, problem
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {fieldname}: {problem}")


@dataclass
class ColumnConfig:
    id: str
    name: str | None = None
    url: str | None = None
    cls: str = "other"


@dataclass
class SiteConfig:
    key: str
    name: str
    base_url: str
    platform: str = "jcms"
    columns: list[ColumnConfig] = field(default_factory=list)
    start_url: str | None = None


@dataclass
class UnitConfig:
    name: str
    kind: str = "section"
    aliases: list[str] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    contact: str | None = None
    #: what the unit owns, for routing a group's findings per document: column names it publishes in,
    #: and publisher names or 文号 prefixes (兖教财 …) that mark its documents
    columns: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)


@dataclass
class MailConfig:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"
    sender: str = "zwgk@localhost"
    username: str | None = None
    password_env: str = "ZWGK_SMTP_PASSWORD"
    timeout: float = 30.0

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env) or None


@dataclass
class CrawlConfig:
    concurrency_per_host: int = 2
    download_delay: float = 0.5
    autothrottle: bool = True
    obey_robots: bool = True
    max_attachment_bytes: int = 20 * 1024 * 1024
    recheck_days: int = 7
    recheck_max_days: int = 90
    full_walk_days: int = 7
    max_withdraw_share: float = 0.2
    check_external_links: bool = False    # HEAD-check links to hosts outside the configured sites
    max_list_pages: int = 200             # list responses one column walk may read at most



@dataclass
class Config:
    path: Path
    contact: str
    sites: dict[str, SiteConfig]
    units: list[UnitConfig]
    lead_unit: str = "办公室"
    bureau_aliases: list[str] = field(default_factory=list)
    data_dir: Path = Path("var")
    reports_dir: Path = Path("var/reports")
    outbox_dir: Path = Path("var/outbox")
    db_path: Path | None = None
    plan_path: Path | None = None
    mail: MailConfig = field(default_factory=MailConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    #: freshness class (or ``exclude``) by column "site:id", id or exact name, for columns whose name misleads
    column_classes: dict[str, str] = field(default_factory=dict)

    def configured_class(self, site: str, column_id, name: str | None) -> str | None:
        """The class the operator gave this column (``column_classes``, then the site's ``columns[].class``;
        ``exclude`` means: not checked for freshness), or None."""
        cid = str(column_id or "")
        for key in (f"{site}:{cid}", cid, (name or "").strip()):
            if key and key in self.column_classes:
                return self.column_classes[key]
        s = self.sites.get(site)
        for c in (s.columns if s else ()):
            if c.id == cid and c.cls != "other":
                return c.cls
        return None

    @property
    def bureau_name(self) -> str:
        """The bureau's name as reports print it: its site's configured name without a trailing （…） note,
        else its first alias."""
        site = self.sites.get("bureau")
        name = re.sub(r"（[^）]*）$", "", site.name).strip() if site is not None and site.name else ""
        return name or next(iter(self.bureau_aliases), "")

    def unit(self, name: str) -> UnitConfig | None:
        for u in self.units:
            if u.name == name or name in u.aliases:
                return u
        return None


# --- loading with line numbers -----------------------------------------------------------------

class _Reader:
    def __init__(self, path: Path):
        self.path = path

    def err(self, node: Node | None, fieldname: str, problem: str) -> ConfigError:
        return ConfigError(self.path, node.line if node else None, fieldname, problem)

    def mapping(self, node: Node, fieldname: str, allowed: tuple[str, ...]) -> dict[str, Node]:
        if not isinstance(node.value, dict):
            raise self.err(node, fieldname, "must be a mapping (key: value lines)")
        for key, child in node.value.items():
            if key not in allowed:
                raise self.err(child, f"{fieldname}.{key}" if fieldname else key,
                               "unknown field (known: " + ", ".join(allowed) + ")")
        return node.value

    def _checked(self, fieldname: str, check, node: Node, **kw):
        """One value through the shared validators (crawler/validate.py), as a ConfigError."""
        try:
            return check(node, **kw)
        except Invalid as e:
            raise self.err(e.node or node, fieldname + e.sub, e.message) from None

    def string(self, parent: dict[str, Node], key: str, fieldname: str, *, required=False,
               default=None, choices: tuple[str, ...] | None = None, pattern=None, where: Node | None = None):
        node = parent.get(key)
        if node is None or node.value is None:
            if required:
                raise self.err(where, fieldname, "is required")
            return default
        return self._checked(fieldname, validate.text, node, choices=choices or (), pattern=pattern,
                             allow_empty=not required)

    def number(self, parent, key, fieldname, *, default, kind=int, minimum=0):
        node = parent.get(key)
        if node is None or node.value is None:
            return default
        return kind(self._checked(fieldname, validate.number, node, minimum=minimum))

    def boolean(self, parent, key, fieldname, *, default):
        node = parent.get(key)
        if node is None or node.value is None:
            return default
        return self._checked(fieldname, validate.boolean, node)

    def strings(self, parent, key, fieldname, *, pattern=None) -> list[str]:
        node = parent.get(key)
        if node is None or node.value is None:
            return []
        return self._checked(fieldname, validate.texts, node, pattern=pattern)


_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")


def _http_only(r: _Reader, parent: dict[str, Node], key: str, fieldname: str) -> None:
    node = parent.get(key)
    if node is not None and isinstance(node.value, str) and re.match(r"^[a-zA-Z][\w+.-]*:", node.value.strip()) \
            and not re.match(r"^https?://", node.value.strip(), re.I):
        raise r.err(node, fieldname, f"{node.value.strip()!r}: only http:// and https:// addresses are crawled")


def _in_site(r: _Reader, node: Node, fieldname: str, url: str, base_url: str, keep: bool = False) -> str:
    """An address that must lie on its site (same host, http or https); returns it (absolute unless *keep*)."""
    from urllib.parse import urljoin

    from .allowlist import site_key

    absolute = urljoin(base_url + "/", url)
    scheme = absolute.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise r.err(node, fieldname, f"{url!r}: only http:// and https:// addresses are crawled")
    if site_key(absolute) is None or site_key(absolute) != site_key(base_url):
        raise r.err(node, fieldname, f"{url!r} is outside its site {base_url}")
    return url if keep else absolute


def load_config(path: str | os.PathLike) -> Config:
    path = Path(path)
    root_node = read_yaml(path, ConfigError, key_lines=True)
    r = _Reader(path)
    root = r.mapping(root_node, "", (
        "contact", "bureau_aliases", "paths", "sites", "units", "lead_unit", "mail", "crawl", "column_classes"))
    top = Node(root, 1)
    base = path.parent

    contact = r.string(root, "contact", "contact", required=True, pattern=_EMAIL, where=top)

    paths = r.mapping(root["paths"], "paths", ("data", "reports", "outbox", "db", "plan")) if "paths" in root else {}
    # Relative paths are relative to the config file's folder (an absolute one stays as it is).
    data_dir = base / r.string(paths, "data", "paths.data", default="var")
    reports = r.string(paths, "reports", "paths.reports")
    outbox = r.string(paths, "outbox", "paths.outbox")
    reports_dir = base / reports if reports else data_dir / "reports"
    outbox_dir = base / outbox if outbox else data_dir / "outbox"
    db = r.string(paths, "db", "paths.db")
    plan = r.string(paths, "plan", "paths.plan")
    if plan and not (base / plan).exists():
        raise r.err(paths["plan"], "paths.plan", f"file {plan!r} does not exist")

    if "sites" not in root:
        raise r.err(top, "sites", "is required")
    sites_map = r.mapping(root["sites"], "sites", SITE_KEYS)
    sites = {}
    for key, node in sites_map.items():
        f = f"sites.{key}"
        s = r.mapping(node, f, ("name", "base_url", "platform", "columns", "start_url"))
        _http_only(r, s, "base_url", f + ".base_url")
        site = SiteConfig(
            key=key,
            name=r.string(s, "name", f + ".name", required=True, where=node),
            base_url=r.string(s, "base_url", f + ".base_url", required=True, pattern=_URL, where=node).rstrip("/"),
            platform=r.string(s, "platform", f + ".platform", default="jcms", choices=PLATFORMS),
            start_url=r.string(s, "start_url", f + ".start_url"),
        )
        if site.start_url:
            site.start_url = _in_site(r, s["start_url"], f + ".start_url", site.start_url, site.base_url)
        cols = s.get("columns")
        if cols is not None and cols.value is not None:
            if not isinstance(cols.value, list):
                raise r.err(cols, f + ".columns", "must be a list")
            seen = set()
            for i, cnode in enumerate(cols.value):
                cf = f"{f}.columns[{i}]"
                c = r.mapping(cnode, cf, ("id", "name", "url", "class"))
                col = ColumnConfig(
                    id=r.string(c, "id", cf + ".id", required=True, where=cnode),
                    name=r.string(c, "name", cf + ".name"),
                    url=r.string(c, "url", cf + ".url"),
                    cls=r.string(c, "class", cf + ".class", default="other", choices=COLUMN_CLASSES))
                if col.url:
                    col.url = _in_site(r, c["url"], cf + ".url", col.url, site.base_url, keep=True)
                if col.id in seen:
                    raise r.err(c["id"], cf + ".id", f"duplicate column id {col.id!r}")
                seen.add(col.id)
                site.columns.append(col)
        sites[key] = site
    if "bureau" not in sites:
        raise r.err(root["sites"], "sites.bureau", "is required (the bureau's own site)")

    units: list[UnitConfig] = []
    names: dict[str, Node] = {}
    unode = root.get("units")
    if unode is None or not isinstance(unode.value, list) or not unode.value:
        raise r.err(unode or top, "units", "must be a non-empty list of units")
    for i, n in enumerate(unode.value):
        f = f"units[{i}]"
        u = r.mapping(n, f, ("name", "kind", "aliases", "email", "members", "contact", "columns", "issuers"))
        unit = UnitConfig(
            name=r.string(u, "name", f + ".name", required=True, where=n),
            kind=r.string(u, "kind", f + ".kind", default="section", choices=UNIT_KINDS),
            aliases=r.strings(u, "aliases", f + ".aliases"),
            email=r.strings(u, "email", f + ".email", pattern=_EMAIL),
            members=r.strings(u, "members", f + ".members"),
            contact=r.string(u, "contact", f + ".contact"),
            columns=r.strings(u, "columns", f + ".columns"),
            issuers=r.strings(u, "issuers", f + ".issuers"))
        for name in [unit.name, *unit.aliases]:
            if name in names:
                raise r.err(u.get("name") if name == unit.name else u["aliases"], f + ".name",
                            f"{name!r} is already used by the unit on line {names[name].line}")
            names[name] = n
        units.append(unit)
    known = set(names)
    for i, (unit, n) in enumerate(zip(units, unode.value)):
        for j, m in enumerate(unit.members):
            if m not in known:
                raise r.err(n.value["members"], f"units[{i}].members[{j}]", f"unknown unit {m!r}")
        if unit.members and unit.kind != "group":
            raise r.err(n.value["members"], f"units[{i}].members", "only a unit of kind 'group' has members")
        if unit.contact and unit.contact not in known:
            raise r.err(n.value["contact"], f"units[{i}].contact", f"unknown unit {unit.contact!r}")

    lead = r.string(root, "lead_unit", "lead_unit", default="办公室")
    if lead not in known:
        raise r.err(root.get("lead_unit") or top, "lead_unit", f"unknown unit {lead!r}")

    mail = MailConfig()
    if "mail" in root:
        if isinstance(root["mail"].value, dict) and "password" in root["mail"].value:
            raise r.err(root["mail"].value["password"], "mail.password",
                        "passwords never go in the config: set the variable named by mail.password_env")
        m = r.mapping(root["mail"], "mail", ("host", "port", "security", "sender", "username", "password_env", "timeout"))
        mail = MailConfig(
            host=r.string(m, "host", "mail.host", default="127.0.0.1"),
            port=r.number(m, "port", "mail.port", default=25, minimum=1),
            security=r.string(m, "security", "mail.security", default="none", choices=SECURITY),
            sender=r.string(m, "sender", "mail.sender", default="zwgk@localhost", pattern=_EMAIL),
            username=r.string(m, "username", "mail.username"),
            password_env=r.string(m, "password_env", "mail.password_env", default="ZWGK_SMTP_PASSWORD"),
            timeout=r.number(m, "timeout", "mail.timeout", default=30.0, kind=float, minimum=1))

    crawl = CrawlConfig()
    if "crawl" in root:
        c = r.mapping(root["crawl"], "crawl", ("concurrency_per_host", "download_delay", "autothrottle",
                                              "obey_robots", "max_attachment_bytes", "recheck_days",
                                              "recheck_max_days", "full_walk_days", "max_withdraw_share",
                                              "check_external_links", "max_list_pages"))
        crawl = CrawlConfig(
            concurrency_per_host=r.number(c, "concurrency_per_host", "crawl.concurrency_per_host", default=2, minimum=1),
            download_delay=r.number(c, "download_delay", "crawl.download_delay", default=0.5, kind=float),
            autothrottle=r.boolean(c, "autothrottle", "crawl.autothrottle", default=True),
            obey_robots=r.boolean(c, "obey_robots", "crawl.obey_robots", default=True),
            max_attachment_bytes=r.number(c, "max_attachment_bytes", "crawl.max_attachment_bytes", default=20 * 1024 * 1024),
            recheck_days=r.number(c, "recheck_days", "crawl.recheck_days", default=7),
            recheck_max_days=r.number(c, "recheck_max_days", "crawl.recheck_max_days", default=90),
            full_walk_days=r.number(c, "full_walk_days", "crawl.full_walk_days", default=7, minimum=1),
            max_withdraw_share=r.number(c, "max_withdraw_share", "crawl.max_withdraw_share", default=0.2,
                                        kind=float),
            check_external_links=r.boolean(c, "check_external_links", "crawl.check_external_links", default=False),
            max_list_pages=r.number(c, "max_list_pages", "crawl.max_list_pages", default=200, minimum=1))
        if crawl.max_withdraw_share > 1:
            raise r.err(c["max_withdraw_share"], "crawl.max_withdraw_share", "must be a share between 0 and 1")

    column_classes = {}
    if root.get("column_classes") is not None and root["column_classes"].value is not None:
        node = root["column_classes"]
        if not isinstance(node.value, dict):
            raise r.err(node, "column_classes", "must be a mapping (column name or id: class)")
        for key, child in node.value.items():
            column_classes[str(key).strip()] = r.string(node.value, key, f"column_classes.{key}", required=True,
                                                        choices=COLUMN_CLASSES + (EXCLUDED,), where=child)

    return Config(
        path=path, contact=contact, sites=sites, units=units, lead_unit=lead,
        bureau_aliases=r.strings(root, "bureau_aliases", "bureau_aliases"),
        data_dir=data_dir, reports_dir=reports_dir, outbox_dir=outbox_dir,
        db_path=(base / db) if db else None, plan_path=(base / plan) if plan else None,
        mail=mail, crawl=crawl, column_classes=column_classes)


def database_path(config: Config | None = None, explicit: str | Path | None = None) -> Path:
    """Where the store is, for every command and the crawl: *explicit* (``--db``, the crawl's ZWGK_DB_PATH
    setting), else ``$ZWGK_DB``, else the configuration's ``paths.db`` (default: ``zwgk.db`` in its data
    folder), else ``./var/zwgk.db``."""
    if explicit:
        return Path(explicit)
    if os.environ.get("ZWGK_DB"):
        return Path(os.environ["ZWGK_DB"])
    if config is not None:
        return config.db_path or config.data_dir / "zwgk.db"
    return Path("var") / "zwgk.db"
