"""The project's words, defined once: site keys and labels, finding statuses and their Chinese names,
freshness classes of columns.

Sites: the bureau's own site and the three upper-level columns it submits to.

Statuses: what a check concludes; STATUS_ORDER is the display (and severity) order, worst first.

Freshness classes of columns (栏目), as the website inspection rules group them (国办秘函〔2019〕19号):
动态/要闻 columns must move every 2 weeks, 通知公告/政策文件 every 6 months, 人事/规划计划 every year.
An education bureau's work columns (学前教育, 义务教育, 校园安全, 体育工作 …) report its work as it happens:
动态. 专题 (a campaign's or topic's column: 专题, 专栏, 主题教育 …) and reference columns (公开指南, 年报,
预决算, 机构职能 …, class ``other``) have no time limit.

A column's class is what the operator configured (``column_classes``, a site's ``columns[].class``);
failing that, what its name reveals (CLASS_VOCABULARY, first match); failing that, what the page's
ColumnType meta (or the class stored by an earlier crawl) reveals; failing that, ``other``.
"""
from __future__ import annotations

SITE_KEYS = ("bureau", "province", "city", "district")
SITE_LABELS = {"bureau": "局网站", "province": "政务公开看山东", "city": "政务公开经验做法", "district": "政务公开看兖州"}

#: why a crawl ended (Scrapy's ``finish_reason``), in words for the alarm lines staff read
FINISH_REASONS = {"finished": "正常结束", "shutdown": "被中止", "cancelled": "被取消",
                  "closespider_timeout": "超过时限被停止", "closespider_errorcount": "错误过多被停止",
                  "closespider_pagecount": "达到页数上限被停止", "closespider_itemcount": "达到条数上限被停止"}


def finish_reason_words(reason: str | None) -> str:
    """``shutdown`` → 被中止; an unknown reason keeps its code after 其他原因."""
    if not reason:
        return "未正常结束"
    return FINISH_REASONS.get(reason, f"其他原因（{reason}）")

STATUSES = ("met", "gap", "late", "at_risk", "pending", "unverifiable", "manual")
#: display (and severity) order: the first is the worst
STATUS_ORDER = ("gap", "late", "at_risk", "unverifiable", "pending", "manual", "met")
STATUS_LABELS = {
    "gap": "缺失",
    "late": "逾期公开",
    "at_risk": "临近期限",
    "unverifiable": "无法核实",
    "pending": "未到期",
    "manual": "待人工确认",
    "met": "已满足",
}

CLASSES = ("动态", "通知公告", "政策文件", "人事", "规划计划", "专题", "other")
#: the configured "class" of a column the freshness check leaves out
EXCLUDED = "exclude"

#: education work areas: a column named after one carries the news of that work (动态)
WORK_AREAS = ("学前教育", "义务教育", "基础教育", "高中教育", "普通高中", "职业教育", "职成教育", "成人教育", "特殊教育",
              "民办教育", "校外教育", "继续教育", "终身教育", "教育教学", "教学教研", "教研", "德育", "体育", "卫生",
              "艺术教育", "美育", "劳动教育", "校园安全", "安全教育", "安全稳定", "教师队伍", "师资", "师德", "教育督导",
              "督导", "学生资助", "资助", "教育信息化", "语言文字", "关心下一代", "家庭教育", "校园文化", "党建", "党风廉政")

# (class, words): the first class one of whose words the text contains; checked in this order, so a
# reference column (政府信息公开年报, 新闻发布会) is never taken for a news column by a later word.
CLASS_VOCABULARY = (
    ("other", ("公开指南", "公开目录", "标准目录", "年度报告", "年报", "机构", "职能", "职责", "制度", "领导信息",
               "领导分工", "领导简介", "单位简介", "概况", "预决算", "预算", "决算", "三公", "权责清单", "责任清单",
               "清单", "依申请", "主动公开", "办事指南", "政务服务", "统计", "发布会", "招生", "执行情况", "落实",
               "建议提案", "征求意见", "意见征集", "互动", "信箱", "回应关切", "答复", "采购", "招标")),
    ("人事", ("人事", "任免", "招聘", "招考", "招录")),
    ("规划计划", ("规划计划", "规划", "计划", "工作要点", "工作总结")),
    ("通知公告", ("通知公告", "通知", "公告", "公示", "通告")),
    ("政策文件", ("政策文件", "政策法规", "法规", "文件", "政策解读", "解读")),
    ("专题", ("专题", "专栏", "主题教育", "主题活动", "扫黑除恶", "疫情防控")),
    ("动态", ("动态", "要闻", "新闻", "资讯", "快讯", "简报", "媒体", "聚焦", "风采", "活动", "工作") + WORK_AREAS),
)


def name_class(text: str | None) -> str | None:
    """The class a column's name (or ColumnType) reveals, or None when it reveals none."""
    text = (text or "").strip()
    if not text:
        return None
    if text in CLASSES:
        return text
    for cls, words in CLASS_VOCABULARY:
        if any(w in text for w in words):
            return cls
    return None


def infer_class(*texts: str | None) -> str:
    """The class revealed by the first of *texts* (the name, then ColumnType …) that reveals one."""
    for text in texts:
        cls = name_class(text)
        if cls is not None:
            return cls
    return "other"


def column_class(configured: str | None, column_type: str | None, name: str | None) -> str:
    """A column's freshness class: the configured one (not ``other``/``exclude``), else its name's, else its
    ColumnType's (or an earlier crawl's stored class), else ``other``. Spider, rules and reports use this one."""
    if configured and configured not in ("other", EXCLUDED):
        return configured
    return infer_class(name, column_type)
