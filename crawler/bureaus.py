"""Several bureaus in one deployment: a district configuration that names one config file per bureau.

    # district.yaml
    contact: zwgk-admin@example.org
    paths: {data: var}          # each bureau's store, reports and outbox go to var/<key>/
    crawl: {concurrency_per_host: 2}
    mail: {host: 127.0.0.1}
    office: {name: 区政务公开办公室, email: [zwgk-office@example.org]}   # gets the overview mail
    bureaus:                    # key: an ordinary single-bureau config file (as `zwgk --config` reads it)
      edu: bureaus/edu.yaml
      health: bureaus/health.yaml
    bureaus_dir: bureaus.d      # and/or: every *.yaml in this folder, key = the file's stem

Each bureau file is a complete, ordinary configuration (sites, units, plan, lead unit); the district's
``contact``, ``crawl`` and ``mail`` replace the bureau's, and its ``paths.data`` decides where each
bureau's data lives (``<data>/<key>/zwgk.db`` — a store per bureau: documents, findings and reports
stay the bureau's own with no schema change). A plain single-bureau configuration loads as one bureau
with key ``""`` and its own paths: nothing changes for it.

``crawl_units()`` groups the sites to crawl: a site that several bureaus configure identically (the
upper-level columns: same base URL, start URL, platform and columns) is ONE crawl unit, crawled once;
its documents are stored in every bureau that reports to it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .config import Config, ConfigError, SITE_KEYS, load_config
from .yamlnodes import read_yaml

DISTRICT_KEYS = ("contact", "paths", "crawl", "mail", "office", "bureaus", "bureaus_dir")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass
class District:
    path: Path
    bureaus: dict[str, Config]                 # key -> that bureau's configuration ("" for a single one)
    data_dir: Path
    reports_dir: Path
    office_name: str = "政务公开办公室"
    office_email: list[str] = field(default_factory=list)   # the district office: the overview mail

    @property
    def single(self) -> bool:
        return list(self.bureaus) == [""]

    def known(self) -> str:
        """The bureaus as an error message lists them: ``b01 (教体局), b02 (卫健局)``."""
        return ", ".join(f"{k} ({c.bureau_name})" if c.bureau_name else k for k, c in self.bureaus.items())

    def find(self, name: str) -> str:
        """The key of the bureau called *name*: its key, its name or an alias (ValueError: one line)."""
        wanted = name.strip()
        if wanted in self.bureaus:
            return wanted
        hits = [k for k, c in self.bureaus.items()
                if wanted and (wanted == c.bureau_name or wanted in (c.bureau_aliases or []))]
        if len(hits) == 1:
            return hits[0]
        why = "names several bureaus" if hits else "is not a bureau of this configuration"
        raise ValueError(f"--bureau {name!r} {why} (known: {self.known()})")

    def db_path(self, key: str, default: Path | None = None) -> Path:
        cfg = self.bureaus[key]
        if self.single and default is not None:
            return Path(default)
        return cfg.db_path or cfg.data_dir / "zwgk.db"


@dataclass
class CrawlUnit:
    """One site crawled once: its spider runs with *config*/*site*; documents go to every target."""
    id: str
    config: Config
    site: str
    targets: list[tuple[str, str]] = field(default_factory=list)   # (bureau key, site key)

    @property
    def host(self) -> str:
        from urllib.parse import urlsplit
        host = urlsplit(self.config.sites[self.site].base_url).netloc.lower()
        return host[4:] if host.startswith("www.") else host


def is_district(path: str | os.PathLike) -> bool:
    """Does this configuration file name bureaus (a district) rather than sites (one bureau)?"""
    node = read_yaml(Path(path), ConfigError, key_lines=True)
    return isinstance(node.value, dict) and ("bureaus" in node.value or "bureaus_dir" in node.value)


def load_district(path: str | os.PathLike) -> District:
    """A district configuration, or a single-bureau one seen as a district of one."""
    path = Path(path)
    if not is_district(path):
        cfg = load_config(path)
        return District(path=path, bureaus={"": cfg}, data_dir=cfg.data_dir, reports_dir=cfg.reports_dir)
    root = read_yaml(path, ConfigError, key_lines=True).value
    for key, node in root.items():
        if key not in DISTRICT_KEYS:
            raise ConfigError(path, node.line, key, "unknown field (known: " + ", ".join(DISTRICT_KEYS) + ")")
    base = path.parent
    paths = root["paths"].plain() if "paths" in root else {}
    if not isinstance(paths, dict):
        raise ConfigError(path, root["paths"].line, "paths", "must be a mapping")
    data_dir = base / str(paths.get("data") or "var")
    reports_dir = base / str(paths["reports"]) if paths.get("reports") else data_dir / "reports"
    files: dict[str, tuple[Path, int]] = {}
    if "bureaus_dir" in root:
        folder = base / str(root["bureaus_dir"].value)
        if not folder.is_dir():
            raise ConfigError(path, root["bureaus_dir"].line, "bureaus_dir", f"no such folder: {folder}")
        for f in sorted(folder.glob("*.y*ml")):
            files[f.stem] = (f, root["bureaus_dir"].line)
    if "bureaus" in root:
        node = root["bureaus"]
        if not isinstance(node.value, dict):
            raise ConfigError(path, node.line, "bureaus", "must be a mapping of key: config file")
        for key, child in node.value.items():
            if not isinstance(child.value, str):
                raise ConfigError(path, child.line, f"bureaus.{key}", "must be the path of a config file")
            files[str(key)] = (base / child.value, child.line)
    if not files:
        raise ConfigError(path, None, "bureaus", "names no bureau")
    shared = _shared_sections(path, root)
    office_name, office_email = _office(path, root)
    bureaus: dict[str, Config] = {}
    for key, (f, line) in files.items():
        if not _KEY.match(key):
            raise ConfigError(path, line, f"bureaus.{key}", "key must be letters, digits, - or _ (≤ 40)")
        if not f.is_file():
            raise ConfigError(path, line, f"bureaus.{key}", f"no such file: {f}")
        cfg = load_config(f)
        bdir = data_dir / key
        cfg = replace(cfg, data_dir=bdir, db_path=bdir / "zwgk.db", reports_dir=reports_dir / key,
                      outbox_dir=bdir / "outbox", **shared)
        bureaus[key] = cfg
    return District(path=path, bureaus=bureaus, data_dir=data_dir, reports_dir=reports_dir,
                    office_name=office_name, office_email=office_email)


def _office(path: Path, root: dict) -> tuple[str, list[str]]:
    """``office: {name, email}``: the district office that gets the overview in its summary mail."""
    if "office" not in root:
        return "政务公开办公室", []
    node = root["office"]
    value = node.plain()
    if not isinstance(value, dict) or set(value) - {"name", "email"}:
        raise ConfigError(path, node.line, "office", "must be a mapping with name and email")
    emails = value.get("email") or []
    emails = [emails] if isinstance(emails, str) else emails
    if not isinstance(emails, list) or not all(isinstance(e, str) and _EMAIL.match(e) for e in emails):
        raise ConfigError(path, node.line, "office.email", "must be an e-mail address or a list of them")
    return str(value.get("name") or "政务公开办公室"), list(emails)


def _shared_sections(path: Path, root: dict) -> dict:
    """contact, crawl and mail of the district file, read by the ordinary config reader (same checks,
    same line numbers): a minimal one-site config is built around them."""
    out: dict = {}
    if not any(k in root for k in ("contact", "crawl", "mail")):
        return out
    import yaml
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    probe = {k: data[k] for k in ("contact", "crawl", "mail") if k in data}
    probe.setdefault("contact", "zwgk@localhost.invalid")
    probe["sites"] = {"bureau": {"name": "-", "base_url": "http://127.0.0.1"}}
    probe["units"] = [{"name": "办公室"}]
    import tempfile
    with tempfile.TemporaryDirectory(prefix="zwgk-config-") as folder:   # the config folder may be read-only
        tmp = Path(folder) / "shared.yaml"
        tmp.write_text(yaml.safe_dump(probe, allow_unicode=True), encoding="utf-8")
        try:
            cfg = load_config(tmp)
        except ConfigError as e:   # name the district file, not the probe
            top = e.field.split(".")[0]
            raise ConfigError(path, root[top].line if top in root else None, e.field, e.problem) from None
    if "contact" in data:
        out["contact"] = cfg.contact
    if "crawl" in data:
        out["crawl"] = cfg.crawl
    if "mail" in data:
        out["mail"] = cfg.mail
    return out


def _signature(cfg: Config, site: str) -> str:
    s = cfg.sites[site]
    cols = [(c.id, c.url) for c in s.columns]
    return json.dumps([s.base_url.rstrip("/"), s.start_url, s.platform, cols])


def crawl_units(district: District, sites: list[str] | None = None) -> list[CrawlUnit]:
    """Every site to crawl once, in a stable order (the same on every machine)."""
    by_sig: dict[str, CrawlUnit] = {}
    for bkey, cfg in district.bureaus.items():
        for skey in SITE_KEYS:
            if skey not in cfg.sites or (sites and skey not in sites):
                continue
            sig = _signature(cfg, skey)
            unit = by_sig.get(sig)
            if unit is None:
                uid = skey if district.single else f"{bkey}.{skey}"
                unit = by_sig[sig] = CrawlUnit(id=uid, config=cfg, site=skey)
            unit.targets.append((bkey, skey))
    units = list(by_sig.values())
    for u in units:   # a site shared by several bureaus is named after what it is, not after one bureau
        if len(u.targets) > 1:
            u.id = f"shared.{u.site}.{hashlib.sha1(_signature(u.config, u.site).encode()).hexdigest()[:8]}"
    return units
