"""Operator output in words: `zwgk sites list` says each column's state, walk and sync in Chinese, aligned by
display width (a CJK character takes two columns)."""
from __future__ import annotations

from click.testing import CliRunner

from crawler.store import Store
from zwgk.cli import cli
from zwgk.textwidth import width

CONFIG = """\
contact: admin@example.org
sites:
  bureau: {name: 某区教育和体育局, base_url: "http://127.0.0.1:9"}
units:
  - {name: 办公室, kind: office}
lead_unit: 办公室
"""


def test_sites_list_in_words_and_aligned(tmp_path):
    (tmp_path / "zwgk.yaml").write_text(CONFIG, encoding="utf-8")
    with Store(tmp_path / "zwgk.db") as store:
        store.upsert_column({"site": "bureau", "column_id": "3301", "name": "工作动态", "item_count": 529,
                             "last_item_date": "2020-12-30", "state": "normal", "platform": "jcms", "walk": "full",
                             "full_walk_at": "2020-12-31T02:00:00"})
        store.upsert_column({"site": "bureau", "column_id": "3339", "name": "统计信息", "item_count": 0,
                             "state": "blank", "platform": "jcms", "walk": "full"})
        store.upsert_column({"site": "bureau", "column_id": "9001", "name": "人事信息", "state": "unverifiable",
                             "platform": "jcms", "walk": "failed", "reason": "HTTP 412"})
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "zwgk.db"),
                                   "sites", "list"], env={"ZWGK_CONFIG": None, "ZWGK_DB": None})
    assert res.exit_code == 0, res.output
    lines = {line.split()[0]: line for line in res.output.splitlines()[1:]}
    assert lines["3301"].split(None, 2)[2] == "正常     [jcms] 529条，最新 2020-12-30，全量遍历，全量同步于 2020-12-31"
    assert lines["3339"].split(None, 2)[2] == "空白栏目 [jcms] 0条，最新 无，全量遍历，尚未全量同步"
    assert lines["9001"].split(None, 2)[2] == "无法核实 [jcms] 条数不详，最新 无，遍历失败，尚未全量同步（HTTP 412）"
    # the platform column starts at the same display column on every line
    assert len({width(line[:line.index("[jcms]")]) for line in lines.values()}) == 1
    for word in ("normal", "blank", "walk", "synced", "None", "items"):
        assert word not in res.output


def test_search_names_the_site_and_column_a_document_sits_in(tmp_path):
    """A district-site budget sits in 部门预决算, not in the site's 政务公开 column: the line says so."""
    (tmp_path / "zwgk.yaml").write_text(CONFIG.replace(
        'sites:\n  bureau: {name: 某区教育和体育局, base_url: "http://127.0.0.1:9"}\n',
        'sites:\n  bureau: {name: 某区教育和体育局, base_url: "http://127.0.0.1:9"}\n'
        '  district: {name: 某区人民政府, base_url: "http://127.0.0.2:9"}\n'), encoding="utf-8")
    with Store(tmp_path / "zwgk.db") as store:
        for url, site, column, title in (("http://127.0.0.1:9/a/1.html", "bureau", "财政预决算", "某区教育和体育局2020年部门预算"),
                                         ("http://127.0.0.2:9/a/2.html", "district", "部门预决算", "某区财政局2020年部门预算"),
                                         ("http://127.0.0.2:9/a/3.html", "district", None, "某区民政局2020年部门预算")):
            store.upsert_document({"url": url, "site": site, "column_id": "1", "column_name": column, "title": title,
                                   "published": "2020-02-14", "body": "部门预算"})
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "zwgk.db"),
                                   "search", "部门预算"], env={"ZWGK_CONFIG": None, "ZWGK_DB": None})
    assert res.exit_code == 0, res.output
    sources = {line.split("  ")[2]: line.split("  ")[1] for line in res.output.splitlines() if line[:4].isdigit()}
    assert sources == {"某区教育和体育局2020年部门预算": "局网站·财政预决算",
                       "某区财政局2020年部门预算": "某区人民政府·部门预决算",
                       "某区民政局2020年部门预算": "某区人民政府"}
    res = CliRunner().invoke(cli, ["--config", str(tmp_path / "zwgk.yaml"), "--db", str(tmp_path / "zwgk.db"),
                                   "search", "部门预算", "--year", "2019"], env={"ZWGK_CONFIG": None, "ZWGK_DB": None})
    assert res.exit_code == 1 and "没有与“部门预算”匹配的文件（2019年）。" in res.output, res.output
