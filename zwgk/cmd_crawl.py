"""CLI commands of the crawling part: `zwgk crawl`, `zwgk extract`, `zwgk sites`."""
from __future__ import annotations

import datetime as dt
import json
import re
import sys
import urllib.request
from pathlib import Path

import click

from crawler.config import SITE_KEYS
from crawler.settings import VERSION
from spiders.extract import extract as do_extract

from .bureau_context import across_bureaus
from .app import AppContext, pass_app
from .cmd_redis import redis_worker
from .textwidth import pad

EXTRACT_KEYS = ("title", "published", "publisher", "source", "index_no", "doc_no", "category", "column",
                "body", "attachments")


def _user_agent(app: AppContext | None = None) -> str:

    contact = "zwgk@localhost"
    if app is not None and app.config_path is not None:
        try:
            contact = app.config.contact
        except Exception:
            pass
    return f"zwgk/{VERSION} (+mailto:{contact})"


def _fetch(url: str, user_agent: str, timeout: float = 30.0) -> tuple[bytes, str | None, str, str | None]:
    """(body, charset from Content-Type, final URL, Last-Modified) of one page."""
    req = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read(32 * 1024 * 1024)
        return body, resp.headers.get_content_charset(), resp.geturl(), resp.headers.get("Last-Modified")


@click.command()
@click.option("--site", "sites", multiple=True, type=click.Choice(SITE_KEYS),
              help="Only this source (repeatable; default: every configured site).")
@click.option("--column", "columns", multiple=True, metavar="ID",
              help="Only this column id (repeatable).")
@click.option("--log-level", default=None, type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"],
                                                             case_sensitive=False),
              help="Scrapy log level (default INFO, to stderr).")
@click.option("--log-file", default=None, metavar="PATH", help="Write the Scrapy log here instead of stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's statistics as JSON instead of a table.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy setting for this crawl (repeatable), e.g. -s ZWGK_FULL_WALK_DAYS=1.")
@click.option("-v", "--verbose", is_flag=True, help="Scrapy's log on the terminal (default on a terminal: a "
              "progress line, the log in <data>/logs/crawl-….log).")
@click.option("--redis", "redis_url", metavar="URL", default=None,
              help="Run a crawl worker on this Redis (redis://host:6379/0) instead of crawling into the "
                   "database; `zwgk ingest --redis URL` stores what the workers crawl.")
@pass_app
def crawl(app: AppContext, sites, columns, log_level, log_file, as_json, settings, verbose, redis_url):
    """Crawl the configured sites (all four by default) into the database, in one process.

    Prints a per-site summary. Exit 0 when the crawl completed, 1 when it failed operationally
    (a site unreachable, a crawler that did not run), 2 on a configuration error.
    """
    from zwgk.crawl import ProgressBlock, run_crawl, summary_table  # deferred: Scrapy's crawler loads only to crawl

    overrides = _overrides(settings)
    if redis_url:
        return _redis_worker(app, redis_url, list(sites), log_level, log_file, as_json, overrides, columns)
    config = app.config  # ConfigError → exit 2 in the CLI group
    missing = [s for s in sites if s not in config.sites]
    if missing:
        raise click.UsageError(f"site(s) not in the configuration: {', '.join(missing)}")
    progress = None
    if not verbose and not log_file and sys.stderr.isatty():
        logs = Path(config.data_dir) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_file = str(logs / f"crawl-{dt.datetime.now():%Y%m%d-%H%M%S}.log")
        click.echo(f"Scrapy 日志：{log_file}（-v 显示在终端）", err=True)

        progress = ProgressBlock(lambda text: click.echo(text, nl=False, err=True))   # a line per site, redrawn
    try:
        result = run_crawl(config, app.db_path, sites=list(sites) or None, columns=list(columns) or None,
                           log_level=log_level, log_file=log_file, overrides=overrides, progress=progress)
    except Exception as e:
        click.echo(f"zwgk crawl: failed: {type(e).__name__}: {e}", err=True)
        sys.exit(1)
    if progress is not None:
        click.echo("", err=True)   # end the progress line
    if as_json:
        click.echo(json.dumps({"run_id": result.run_id, "status": result.status, "sites": result.stats,
                               "problems": result.problems}, ensure_ascii=False))
    else:
        click.echo(f"crawl run {result.run_id}: {result.status}  (database {app.db_path})")
        click.echo(summary_table(result))
    for p in result.problems:
        click.echo(f"zwgk crawl: {p}", err=True)
    sys.exit(0 if result.ok else 1)


def _overrides(settings) -> dict:
    overrides = {}
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"--set wants NAME=VALUE, not {item!r}")
        overrides[name.strip()] = value
    return overrides


def _redis_worker(app: AppContext, redis_url, sites, log_level, log_file, as_json, overrides, columns=()):

    redis_worker(app, redis_url, sites, log_level, log_file, as_json, overrides, columns)


@click.command()
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--url", "page_url", metavar="PAGE_URL",
              help="The page's address, to resolve relative links (default: the URL fetched, or the file).")
@click.option("--encoding", default=None, help="Override the page's declared encoding (e.g. gbk).")
@click.option("--all", "show_all", is_flag=True, help="Also print links, encoding and the raw header fields.")
@click.option("--explain", is_flag=True,
              help='Add "explain": where each field came from (meta, table, label, byline, headline, '
                   'container, density …) and evidence set aside.')
@click.option("--last-modified", metavar="HTTP_DATE", default=None,
              help="The Last-Modified header the page came with (a URL's own header is used by default): "
                   "meta dates later than it are re-generation times.")
@click.pass_obj
def extract(app, source, page_url, encoding, show_all, explain, last_modified):
    """Extract one article page (a saved file or a URL) and print it as one JSON object."""

    if re.match(r"^https?://", source):
        try:
            body, charset, final, modified = _fetch(source, _user_agent(app))
            last_modified = last_modified or modified
        except Exception as e:
            click.echo(f"zwgk extract: cannot fetch {source}: {e}", err=True)
            sys.exit(1)
        base = page_url or final
        encoding = encoding or charset
    else:
        path = Path(source)
        if not path.is_file():
            click.echo(f"zwgk extract: no such file: {source}", err=True)
            sys.exit(1)
        body = path.read_bytes()
        base = page_url or path.resolve().as_uri()
    data = do_extract(body, base, encoding=encoding, last_modified=last_modified)
    out = dict(data) if show_all else {k: data.get(k) for k in EXTRACT_KEYS}
    out.pop("explain", None)
    if explain:
        out["explain"] = data["explain"]
    click.echo(json.dumps(out, ensure_ascii=False, indent=None))


@click.group(invoke_without_command=True)
@click.pass_context
def sites(ctx):
    """The configured sources and their columns (`zwgk sites discover URL` to find column ids)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(sites_list)


#: a column's state at the last crawl and how its list was walked, in words (store values in crawler/store.py)
COLUMN_STATE_NAMES = {"normal": "正常", "blank": "空白栏目", "unverifiable": "无法核实", "stale": "长期未更新"}
WALK_NAMES = {"full": "全量遍历", "incremental": "增量", "failed": "遍历失败"}


@sites.command("list")
@pass_app
@across_bureaus
def sites_list(app: AppContext):
    """Configured sites, their columns and the state each had at the last crawl (with --db alone: the
    configuration stored with the database)."""
    config = app.config_to_read
    stored = {}
    if Path(app.db_path).exists():
        for c in app.store.columns():
            stored[(c["site"], c["column_id"])] = c
    for key, site in config.sites.items():
        click.echo(f"{key:<9} {site.name}  {site.base_url}  [{site.platform}]")
        cols = list(site.columns) or []
        ids = [c.id for c in cols] + sorted(cid for (s, cid) in stored if s == key and cid not in {c.id for c in cols})
        if not ids:
            click.echo("          （未配置栏目：抓取时从首页发现）")
        names = {c.id: c.name for c in cols}
        for cid in ids:
            st = stored.get((key, cid), {})
            name = st.get("name") or names.get(cid) or ""
            state = st.get("state") or ""
            extra = ""
            if st:
                count = st.get("item_count")
                extra = (f" [{st.get('platform') or '?'}] {'条数不详' if count is None else f'{count}条'}，"
                         f"最新 {st.get('last_item_date') or '无'}")
                if st.get("walk"):
                    extra += f"，{WALK_NAMES.get(st['walk'], st['walk'])}"
                extra += f"，全量同步于 {st['full_walk_at'][:10]}" if st.get("full_walk_at") else "，尚未全量同步"
                if st.get("reason") and state != "normal":
                    extra += f"（{st['reason']}）"
            click.echo(f"          {pad(cid, 11)} {pad(name, 20)} {pad(COLUMN_STATE_NAMES.get(state, state or '未抓取'), 8)}"
                       f"{extra}")


@sites.command("discover")
@click.argument("url")
@click.option("--key", default="SITE_KEY", show_default=True, help="The site key to print in the stanza "
              "(bureau, province, city, district).")
@click.option("--depth", type=int, default=2, show_default=True,
              help="Navigation levels to follow: 1 = the page's own links; 2 = also links of section pages.")
@click.option("--max-pages", type=int, default=20, show_default=True,
              help="List pages read per column to count items when the platform does not say how many.")
@click.option("--max-columns", type=int, default=300, show_default=True)
@click.option("--delay", type=float, default=None,
              help="Seconds between requests (default: crawl.download_delay from the config, else 0.5).")
@click.option("--json", "as_json", is_flag=True, help="Print the columns as JSON lines instead of a stanza.")
@pass_app
def sites_discover(app: AppContext, url, key, depth, max_pages, max_columns, delay, as_json):
    """Walk a portal's navigation from URL and print its columns as a configuration stanza.

    URL may be a sub-site under a path (``http://host/jtj/``: the base URL keeps ``/jtj``) or one column
    page (its stanza alone). Exit 1 when what is printed cannot be crawled (no column page answers,
    or a printed URL would resolve elsewhere).

    For each column: name (ColumnName meta, breadcrumb or link text), URL, platform (jcms, jpaas, trs,
    generic), item count, last item date and state, as a comment above a ready-to-paste
    ``{id, name, url, class}`` line. Requests are polite: one at a time, robots.txt obeyed, the
    configured User-Agent.
    """
    from spiders.discover import Fetcher, crawlable, discover, problems, stanza  # deferred: Scrapy/Twisted load only to discover

    obey = True
    if delay is None:
        delay = 0.5
        if app.config_path is not None and Path(app.config_path).exists():
            try:
                delay = app.config.crawl.download_delay
                obey = app.config.crawl.obey_robots
            except Exception:
                pass
    fetcher = Fetcher(user_agent=_user_agent(app), delay=delay, obey_robots=obey)
    try:
        site, columns = discover(url, fetcher, depth=depth, max_columns=max_columns, max_pages=max_pages)
    except Exception as e:
        click.echo(f"zwgk sites discover: cannot read {url}: {type(e).__name__}: {e}", err=True)
        sys.exit(1)
    if not columns:
        click.echo(f"zwgk sites discover: no columns found from {url} ({fetcher.requests} requests)", err=True)
        sys.exit(1)
    if as_json:
        for c in columns:
            click.echo(json.dumps({**c.as_dict(), "site": site["name"], "base_url": site["base_url"],
                                   "crawlable": crawlable(c)}, ensure_ascii=False))
    else:
        click.echo(stanza(site, columns, key))
    click.echo(f"zwgk sites discover: {len(columns)} columns, {fetcher.requests} requests", err=True)
    wrong = problems(site, columns)
    for p in wrong:
        click.echo(f"zwgk sites discover: cannot be crawled: {p}", err=True)
    if wrong:
        sys.exit(1)
