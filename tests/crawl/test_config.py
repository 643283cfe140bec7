"""Configuration: the shipped production file loads; every broken field is named with file and line."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config
from crawler.units import UnitRegistry

ROOT = Path(__file__).resolve().parents[2]
ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]

GOOD = textwrap.dedent("""\
    contact: office@example.org
    sites:
      bureau:
        name: 济宁市兖州区教育和体育局
        base_url: http://127.0.0.1:8001/
        columns:
          - {id: "3301", name: 通知公告, class: 通知公告}
    units:
      - {name: 办公室, kind: office, email: [bgs@example.org]}
      - {name: 基础教育科, aliases: [基教科]}
      - {name: 机关各科室, kind: group, members: [办公室, 基教科]}
    mail:
      host: 127.0.0.1
      port: 2525
    """)


def write(tmp_path, text, name="zwgk.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_production_config_loads_with_all_sources_and_units():
    cfg = load_config(ROOT / "config" / "production.yaml")
    assert set(cfg.sites) == {"bureau", "province", "city", "district"}
    assert cfg.sites["province"].base_url == "http://www.shandong.gov.cn"
    assert cfg.crawl.concurrency_per_host == 2 and cfg.crawl.obey_robots is True
    reg = UnitRegistry.from_config(cfg)
    assert reg.canonical("基教科") == "基础教育科"
    assert reg.route(["区直各学校（幼儿园）"]) == ["基础教育科"]  # group with a contact unit
    assert reg.route(["各镇（街）教委"]) == ["新兖镇教委", "兴隆庄街道教委"]  # group without: members
    assert reg.route([]) == ["办公室"]


def test_good_config_values(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    site = cfg.sites["bureau"]
    assert site.base_url == "http://127.0.0.1:8001"
    assert (site.columns[0].id, site.columns[0].cls) == ("3301", "通知公告")
    assert cfg.mail.port == 2525 and cfg.mail.security == "none"
    assert cfg.data_dir == tmp_path / "var" and cfg.outbox_dir == tmp_path / "var" / "outbox"


@pytest.mark.parametrize("old, new, line, field, problem", [
    ("port: 2525", "port: many", 14, "mail.port", "must be a number"),
    ("base_url: http://127.0.0.1:8001/", "base_url: 127.0.0.1", 5, "sites.bureau.base_url", "is not valid"),
    ("class: 通知公告}", "class: 新闻}", 7, "sites.bureau.columns[0].class", "is not one of"),
    ("members: [办公室, 基教科]", "members: [办公室, 教务科]", 11, "units[2].members[1]", "unknown unit '教务科'"),
    ("contact: office@example.org", "contact: nobody", 1, "contact", "is not valid"),
    ("  port: 2525", "  port: 2525\n  password: hunter2", 15, "mail.password", "never go in the config"),
    ("  bureau:", "  bureaux:", 3, "sites.bureaux", "unknown field"),
    ("  port: 2525", "\tport: 2525", 14, "(syntax)", "not valid YAML"),
])
def test_broken_field_names_file_line_and_field(tmp_path, old, new, line, field, problem):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert problem in message
    assert "\n" not in message


def test_cli_prints_one_line_and_exits_2(tmp_path):
    path = write(tmp_path, GOOD.replace("port: 2525", "port: -1"))
    proc = subprocess.run(ZWGK + ["--config", str(path), "search", "预算"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"zwgk: configuration error: {path}:14: mail.port: must be at least 1"


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_absolute_data_folder_with_a_relative_config_path(tmp_path, monkeypatch):
    data = tmp_path / "elsewhere"
    write(tmp_path, GOOD + f"paths:\n  data: {data}\n")
    monkeypatch.chdir(tmp_path)
    cfg = load_config("zwgk.yaml")
    assert cfg.data_dir == data and cfg.outbox_dir == data / "outbox" and cfg.reports_dir == data / "reports"


@pytest.mark.parametrize("configured, column_type, name, expected", [
    (None, "政务动态", "体育工作", "动态"),
    (None, "政务动态", "信息发布", "动态"),      # the name says nothing: the page's ColumnType reveals a news column
    ("通知公告", "政务动态", "体育工作", "通知公告"),  # the configuration wins
    ("other", "信息公开", "人事信息", "人事"),
    (None, None, "统计信息", "other"),
    (None, "专题专栏", "学前教育", "动态"),      # a work column: its name is stronger than ColumnType 专题专栏
    (None, "专题专栏", "校园安全", "动态"),
    (None, None, "义务教育", "动态"),
    (None, None, "教育教学", "动态"),
    (None, "专题专栏", "家长学校", "专题"),      # a topic: no time limit
    (None, None, "扫黑除恶专项斗争专题", "专题"),
    (None, None, "政府信息公开工作年度报告", "other"),   # not a 工作 (news) column
    (None, None, "新闻发布会", "other"),
    (None, None, "义务教育招生", "other"),       # seasonal, no two-week limit
    (None, None, "教师招聘", "人事"),
    (None, None, "政策法规", "政策文件"),
    ("exclude", None, "校园安全", "动态"),      # excluded from the check, still a class for other rules
    # another county bureau's navigation, in its own words
    (None, None, "学校动态", "动态"), (None, None, "媒体聚焦", "动态"), (None, None, "领导活动", "动态"),
    (None, None, "体育卫生艺术", "动态"), (None, None, "双减工作", "动态"), (None, None, "公示公告", "通知公告"),
    (None, None, "招聘信息", "人事"), (None, None, "工作职责", "other"), (None, None, "机构概况", "other"),
    (None, None, "招生考试", "other"), (None, None, "扫黑除恶专项斗争", "专题"),
])
def test_column_freshness_class(configured, column_type, name, expected):
    from crawler.vocabulary import column_class

    assert column_class(configured, column_type, name) == expected


def test_crawl_schedule_knobs_reach_scrapy_settings(tmp_path):
    from spiders.schedule import crawl_settings

    cfg = load_config(write(tmp_path, GOOD + "crawl:\n  full_walk_days: 3\n  recheck_max_days: 30\n  max_withdraw_share: 0.5\n"))
    s = crawl_settings(cfg)
    assert (s["ZWGK_FULL_WALK_DAYS"], s["ZWGK_RECHECK_MAX_DAYS"], s["ZWGK_MAX_WITHDRAW_SHARE"]) == (3, 30, 0.5)
    with pytest.raises(ConfigError, match=r"zwgk.yaml:16: crawl.max_withdraw_share: must be a share"):
        load_config(write(tmp_path, GOOD + "crawl:\n  max_withdraw_share: 5\n"))


def test_column_classes_map_names_and_ids_and_bad_values_name_their_line(tmp_path):
    cfg = load_config(write(tmp_path, GOOD + "column_classes:\n  语言文字: 专题\n  3329: exclude\n"
                                             "  \"district:13203\": 通知公告\n"))
    assert cfg.configured_class("bureau", "1", "语言文字") == "专题"
    assert cfg.configured_class("bureau", 3329, "疫情防控") == "exclude"
    assert cfg.configured_class("district", "13203", "部门动态") == "通知公告"
    assert cfg.configured_class("city", "13203", "部门动态") is None
    assert cfg.configured_class("bureau", "3301", "通知公告") == "通知公告"   # the site's columns[].class
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, GOOD + "column_classes:\n  语言文字: 专题\n  校园安全: 动太\n"))
    assert str(e.value) == (f"{tmp_path / 'zwgk.yaml'}:17: column_classes.校园安全: '动太' is not one of: "
                            "动态, 通知公告, 政策文件, 人事, 规划计划, 专题, other, exclude")
    with pytest.raises(ConfigError, match=r"zwgk.yaml:15: column_classes: must be a mapping"):
        load_config(write(tmp_path, GOOD + "column_classes: [语言文字]\n"))
