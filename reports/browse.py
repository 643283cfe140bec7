"""`zwgk browse`: the store in Datasette, with Chinese labels and canned queries.

* ``metadata(db_path)`` — Datasette metadata: Chinese titles for the tables and their columns, the FTS
  shadow tables hidden, and three canned queries: 各栏目最新文件 (latest documents per column), 各单位检查结果
  (findings of the latest check run per unit), 全文检索 (full-text search).
* Full-text search must segment the query the way the index was segmented (jieba, see crawler/textseg.py):
  the plugin in ``reports/datasette_plugins/`` registers the SQL function ``zwgk_fts(query)`` that turns a
  user's words into the FTS5 MATCH expression ``Store.search`` uses.

Datasette is a pinned dependency (pyproject.toml).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

from crawler.vocabulary import SITE_LABELS

PLUGINS_DIR = Path(__file__).with_name("datasette_plugins")


def _site_case(column: str) -> str:
    """The source in words (局网站, 政务公开看山东 …) instead of its key."""
    whens = " ".join(f"when '{key}' then '{label}'" for key, label in SITE_LABELS.items())
    return f"case {column} {whens} else {column} end"


_STATUS_CASE = ("case f.status when 'gap' then '缺失' when 'late' then '逾期公开' when 'at_risk' then '临近期限' "
                "when 'unverifiable' then '无法核实' when 'pending' then '未到期' when 'manual' then '待人工确认' "
                "when 'met' then '已满足' else f.status end")
_LATEST_CHECK = "(select max(id) from runs where kind = 'check' and status = 'ok')"

QUERIES = {
    "latest_per_column": {
        "title": "各栏目最新文件",
        "description": "每个来源栏目最新发布的5篇文件（不含已撤下的）。",
        "sql": ("select 来源, 栏目, 发布日期, 标题, 网址 from ("
                f"select {_site_case('site')} as 来源, coalesce(column_name, column_id) as 栏目, published as 发布日期, "
                "title as 标题, url as 网址, row_number() over (partition by site, column_id "
                "order by published desc, url) as 序号 from documents where state = 'live') "
                "where 序号 <= 5 order by 来源, 栏目, 发布日期 desc"),
    },
    "findings_per_unit": {
        "title": "各单位检查结果",
        "description": "最近一次检查的结果，按计划中写明的责任单位展开；单位留空显示全部。组单位按原文显示。",
        "sql": ("select je.value as 责任单位, f.requirement as 要求编号, f.check_name as 检查项, "
                f"{_STATUS_CASE} as 状态, f.due as 截止日期, f.message as 说明, "
                "json_array_length(f.evidence) as 证据数 "
                "from findings f, json_each(case when json_array_length(f.units) = 0 "
                "then json_array('（未指定）') else f.units end) je "
                f"where f.run_id = {_LATEST_CHECK} and (:unit = '' or je.value = :unit) "
                "order by 责任单位, case f.status when 'gap' then 0 when 'late' then 1 when 'at_risk' then 2 "
                "when 'unverifiable' then 3 when 'pending' then 4 when 'manual' then 5 else 6 end, 要求编号"),
        "params": ["unit"],
    },
    "search": {
        "title": "全文检索",
        "description": "在标题、正文和附件文字中检索（与索引一样用结巴分词切分检索词，所有词都须出现）。",
        "sql": (f"select d.published as 发布日期, {_site_case('d.site')} as 来源, d.column_name as 栏目, d.title as 标题, "
                "d.publisher as 发布机构, d.url as 网址 from documents_fts "
                "join documents d on d.url = documents_fts.url "
                "where documents_fts match zwgk_fts(:q) and d.state = 'live' "
                "order by bm25(documents_fts, 0, 10.0, 1.0, 1.0), d.published desc limit 100"),
        "params": ["q"],
    },
}

TABLES = {
    "documents": ("文件", "抓取到的文件（每个网址一行）", {
        "url": "网址", "site": "来源（bureau 局网站 / province 政务公开看山东 / city 政务公开经验做法 / district 政务公开看兖州）",
        "column_id": "栏目编号", "column_name": "栏目", "title": "标题", "published": "发布日期", "publisher": "发布机构",
        "source": "来源（信息来源）", "index_no": "索引号", "doc_no": "文号", "category": "主题分类", "body": "正文",
        "attachments": "附件（JSON）", "attachment_text": "附件文字", "content_hash": "内容指纹", "first_seen": "首次发现",
        "last_seen": "最近一次看到", "state": "状态（live 在线 / withdrawn 已撤下）", "withdrawn_on": "撤下日期",
        "version": "版本号"}),
    "versions": ("文件版本", "文件每次变化后的旧版本和差异", {
        "url": "网址", "version": "版本号", "seen": "发现时间", "title": "标题", "published": "发布日期",
        "body": "正文", "diff": "与上一版的差异"}),
    "columns": ("栏目", "各来源的栏目及更新情况", {
        "site": "来源", "column_id": "栏目编号", "name": "栏目名称", "url": "网址", "platform": "网站平台",
        "class": "更新时限类别", "item_count": "信息条数", "last_item_date": "最新信息日期",
        "state": "状态（normal 正常 / blank 空白 / unverifiable 无法核实）", "reason": "原因", "checked_at": "检查时间"}),
    "links": ("链接", "局网站页面上的链接检查结果", {
        "from_url": "所在页面", "to_url": "链接地址", "status": "HTTP 状态", "error": "错误", "checked_at": "检查时间",
        "kind": "类型（internal 站内 / attachment 附件 / external 站外）", "text": "链接文字"}),
    "config_bureau": ("配置副本：本局", "最近一次带配置运行时保存的本局信息（只用 --db 时读取）", {
        "name": "名称", "aliases": "别名（JSON）", "lead_unit": "牵头单位", "contact": "联系邮箱",
        "config_file": "配置文件", "saved": "保存时间"}),
    "config_sites": ("配置副本：网站", "配置的来源网站及其栏目", {
        "key": "来源", "position": "顺序", "name": "名称", "base_url": "网址", "platform": "网站平台",
        "start_url": "起始页", "columns": "栏目（JSON）"}),
    "config_units": ("配置副本：单位", "责任单位：类别、别名、邮箱、成员、联系单位、负责的栏目和发文机关", {
        "name": "单位", "position": "顺序", "kind": "类别", "aliases": "别名（JSON）", "email": "邮箱（JSON）",
        "members": "成员（JSON）", "contact": "联系单位", "columns": "负责栏目（JSON）", "issuers": "发文机关/文号前缀（JSON）"}),
    "checked_plans": ("检查所用计划", "每次检查所依据的工作要点及检查项（JSON）", {
        "check_run": "检查批次", "year": "年度", "title": "标题", "source_file": "计划文件", "sha256": "内容指纹",
        "saved": "保存时间", "plan": "计划（JSON）"}),
    "runs": ("运行记录", "抓取、检查、报告、邮件的每次运行", {
        "kind": "类型", "started": "开始", "finished": "结束", "status": "结果", "as_of": "截至日期", "stats": "统计（JSON）"}),
    "findings": ("检查结果", "每次检查的每条结果", {
        "run_id": "检查批次", "requirement": "要求编号", "check_name": "检查项", "units": "责任单位（JSON）",
        "status": "状态（met 已满足 / gap 缺失 / late 逾期公开 / at_risk 临近期限 / pending 未到期 / unverifiable 无法核实 / manual 待人工确认）",
        "due": "截止日期", "evidence": "证据（JSON）", "message": "说明", "unassigned": "未指定责任单位"}),
    "deliveries": ("邮件投递", "每次检查后发给各单位的邮件", {
        "run_id": "检查批次", "unit": "单位", "recipients": "收件人", "subject": "主题", "eml_path": "邮件文件",
        "status": "状态（sent 已发送 / failed 失败 / dry_run 试运行）", "error": "错误", "attempts": "尝试次数",
        "updated": "更新时间"}),
    "finding_candidates": ("可能相关的公开信息", "待人工确认和缺失的检查项可能相关的文件（按要求关键词排序）", {
        "run_id": "检查批次", "requirement": "要求编号", "check_name": "检查项",
        "candidates": "候选文件（JSON：网址、标题、发布日期、得分）"}),
    "attestations": ("人工确认", "各单位对人工检查项的确认", {
        "requirement": "要求编号", "unit": "单位", "evidence": "证明材料", "note": "说明", "attested_at": "确认时间",
        "plan_year": "计划年度"}),
}
HIDDEN = ("documents_fts", "documents_fts_data", "documents_fts_idx", "documents_fts_docsize", "documents_fts_config",
          "documents_fts_content")


def metadata(db_path: str | Path, bureau: str | None = None) -> dict:
    """Datasette metadata for the store at *db_path* (the database is named after the file's stem); the
    title names the bureau (``Config.bureau_name``) when given."""
    title = f"{bureau} · 政务公开数据" if bureau else "政务公开数据"
    tables: dict[str, dict] = {}
    for name, (label, description, columns) in TABLES.items():
        tables[name] = {"title": label, "description": description, "columns": columns}
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    tables["documents"]["sort_desc"] = "published"
    tables["documents"]["label_column"] = "title"
    return {
        "title": title,
        "description": "政务公开监测（zwgk）的数据库：抓取的文件、栏目、链接、检查结果和邮件投递。"
                       "常用查询见下方“查询”。",
        "databases": {Path(db_path).stem: {"title": "政务公开数据库", "tables": tables, "queries": QUERIES}},
    }


def write_metadata(db_path: str | Path, out: str | Path, bureau: str | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metadata(db_path, bureau), ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def datasette_command(db_path: str | Path, metadata_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001,
                      open_browser: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", str(db_path), "--metadata", str(metadata_path),
           "--plugins-dir", str(PLUGINS_DIR), "--host", host, "--port", str(port),
           "--setting", "sql_time_limit_ms", "5000"]
    if open_browser:
        cmd.append("--open")
    return cmd


def serve(db_path: str | Path, metadata_path: str | Path, **kw) -> NoReturn:
    """Become Datasette (exec): stopping `zwgk browse` (Ctrl+C, SIGTERM from a service manager) stops the
    server itself — no child left holding the port."""
    cmd = datasette_command(db_path, metadata_path, **kw)
    sys.stdout.flush()
    os.execv(cmd[0], cmd)


__all__ = ["metadata", "write_metadata", "datasette_command", "serve", "QUERIES",
           "PLUGINS_DIR"]
