"""The project's words, defined once: site keys and labels, finding statuses and their Chinese names,
freshness classes of columns.

Sites: the bureau's own site and the three upper-level columns it submits to.

Statuses: what a check concludes; STATUS_ORDER is the display (and severity) order, worst first.

Freshness classes of columns (栏目), as the website inspection rules group them (国办秘函〔2019〕19号).

动态/要闻 columns must move every 2 weeks, 通知公告/政策文件 every 6 months, 人事/规划计划 every year.
A column's class is what the configuration says; failing that, what the page's ColumnType meta or the
column's name reveals (政务动态 → 动态); failing that, ``other``.
"""
from __future__ import annotations

SITE_KEYS = ("bureau", "province", "city", "district")
SITE_LABELS = {"bureau": "局网站", "province": "政务公开看山东", "city": "政务公开经验做法", "district": "政务公开看兖州"}

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

CLASSES = ("动态", "通知公告", "政策文件", "人事", "规划计划", "other")

# Words that reveal a class, checked in order.
CLASS_WORDS = (("动态", "动态"), ("要闻", "动态"), ("通知公告", "通知公告"), ("政策文件", "政策文件"),
               ("人事", "人事"), ("规划计划", "规划计划"))


def infer_class(*texts: str | None) -> str:
    """The class revealed by the first of *texts* (ColumnType, then name …) that reveals one."""
    for text in texts:
        if not text:
            continue
        for word, cls in CLASS_WORDS:
            if word in text:
                return cls
    return "other"


def column_class(configured: str | None, column_type: str | None, name: str | None) -> str:
    if configured and configured != "other":
        return configured
    return infer_class(column_type, name)
