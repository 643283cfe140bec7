"""The CLI as a newcomer meets it: search ranking and filters, the config found beside --db, no empty
database created by a command that only reads. Reads the command's output."""
from __future__ import annotations

from click.testing import CliRunner

from crawler.store import Store
from zwgk.cli import cli

CONFIG = """\
contact: admin@example.org
bureau_aliases: [某区教育和体育局, 区教体局]
sites:
  bureau: {name: 某区教育和体育局, base_url: "http://127.0.0.1:9"}
  district: {name: 某区人民政府, base_url: "http://127.0.0.2:9"}
units:
  - {name: 办公室, kind: office}
lead_unit: 办公室
"""

DOCS = [  # (url, site, title, published, publisher, body)
    ("http://127.0.0.2:9/a/1.html", "district", "某区财政局2020年部门预算", "2020-02-20", "某区财政局", "部门预算公开"),
    ("http://127.0.0.2:9/a/2.html", "district", "某区民政局2020年部门预算", "2020-02-21", "某区民政局", "部门预算公开"),
    ("http://127.0.0.1:9/a/3.html", "bureau", "区教体局召开财务工作会议", "2020-03-01", "区教体局",
     "会议部署了部门预算执行和部门预算公开工作"),
    ("http://127.0.0.1:9/a/4.html", "bureau", "某区教育和体育局2020年部门预算", "2020-02-14", "某区教育和体育局", "详见附件"),
    ("http://127.0.0.1:9/a/5.html", "bureau", "某区教育和体育局2019年部门预算", "2019-02-15", "某区教育和体育局", "详见附件"),
    ("http://127.0.0.2:9/a/6.html", "district", "某区教育和体育局2020年部门预算（转载）", "2020-02-16", "某区教育和体育局",
     "部门预算"),
]


def _world(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    with Store(folder / "zwgk.db") as store:
        for url, site, title, published, publisher, body in DOCS:
            store.upsert_document({"url": url, "site": site, "column_id": "1", "title": title,
                                   "published": published, "publisher": publisher, "body": body})
    return folder


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env={"ZWGK_CONFIG": None, "ZWGK_DB": None, **(env or {})})


def titles(output: str) -> list[str]:
    return [line.split("  ", 2)[2] for line in output.splitlines() if line[:4].isdigit()]


def test_search_puts_the_bureaus_own_title_matches_first(tmp_path, monkeypatch):
    folder = _world(tmp_path)
    monkeypatch.chdir(tmp_path)          # no zwgk.yaml here: the one beside --db is used (bureau names)
    res = run("--db", str(folder / "zwgk.db"), "search", "部门预算")
    assert res.exit_code == 0, res.output
    assert titles(res.output) == [
        "某区教育和体育局2020年部门预算", "某区教育和体育局2019年部门预算",   # own, title match, newest first
        "某区教育和体育局2020年部门预算（转载）",                              # own (publisher) on another site
        "区教体局召开财务工作会议",                                          # own, body match
        "某区民政局2020年部门预算", "某区财政局2020年部门预算"]
    assert "局网站" in res.output.splitlines()[0] and "bureau" not in res.output


def test_search_filters_by_site_and_year(tmp_path, monkeypatch):
    folder = _world(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = run("--db", str(folder / "zwgk.db"), "search", "部门预算", "--year", "2019")
    assert titles(res.output) == ["某区教育和体育局2019年部门预算"]
    res = run("--db", str(folder / "zwgk.db"), "search", "部门预算", "--site", "district", "-n", "2")
    assert titles(res.output) == ["某区教育和体育局2020年部门预算（转载）", "某区民政局2020年部门预算"]


def test_a_reading_command_never_creates_an_empty_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nowhere" / "zwgk.db"
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    for args in (["search", "预算"], ["report"]):
        res = run("--db", str(missing), *args)
        assert res.exit_code == 1, (args, res.output)
        assert f"没有数据库：{missing}" in res.output and "make demo" in res.output and "zwgk crawl" in res.output
    assert not missing.exists() and not missing.parent.exists()


def test_nightly_refuses_a_plan_with_units_unknown_to_the_config_before_crawling(tmp_path, monkeypatch):
    """The default plan names units (计财科 …) this config lacks: exit 2 at once, nothing crawled or stored."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zwgk.yaml").write_text(CONFIG.replace("http://127.0.0.1:9", "http://127.0.0.1:1"), encoding="utf-8")
    res = run("--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "z.db"), "nightly", "--as-of", "2020-12-31")
    assert res.exit_code == 2, res.output
    assert "plan error (nothing crawled)" in res.output and "unknown unit" in res.output
    assert not (tmp_path / "z.db").exists()
