"""Freshness classes of columns (栏目), as the website inspection rules group them (国办秘函〔2019〕19号).

动态/要闻 columns must move every 2 weeks, 通知公告/政策文件 every 6 months, 人事/规划计划 every year.
A column's class is what the configuration says; failing that, what the page's ColumnType meta or the
column's name reveals (政务动态 → 动态); failing that, ``other``.
"""
from __future__ import annotations

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
