"""Who acts on a finding: routing per document for findings a plan gives to a group of units.

A plan writes 机关各科室 or 机关各相关科室 where it means "whichever section the matter belongs to".
Sending such a finding to all eight sections makes every report open with someone else's work, so a
group's finding goes, per document at fault (the rule's ``facts["at_fault"]``), to:

1. the unit owning the document's column (``units[].columns`` in the configuration);
2. the unit whose publisher name or 文号 prefix the page shows (``units[].issuers``);
3. otherwise the plan's own, named units of that requirement (not groups);
4. otherwise the group's contact unit (``units[].contact``);
5. and only when nothing else is known, every member — marked ``shared`` (全局共性事项), so reports
   say so and the dashboard shows the item once rather than in every member's column.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from crawler.units import UnitRegistry, normalise_name

#: why a unit received a finding, in the words of the report
HOW = {
    "plan": "计划指定本单位",
    "column": "文件所在栏目由本单位负责",
    "issuer": "文件发布机构或文号属于本单位",
    "plan_unit": "无法确定文件所属科室，按计划责任单位转本单位",
    "contact": "由组单位的联系单位负责",
    "member": "组单位的每个成员单位均需落实",
    "all": "无法确定所属科室，发送给全部成员单位",
    "lead": "计划未指定或配置中没有该单位，由牵头科室负责",
}


@dataclass
class Route:
    """One finding's recipients: ``owners`` act on it (unit → why, and the URLs at fault that are theirs);
    ``shared`` are the members a group's item went to because no owner is known."""
    owners: dict[str, str] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)
    via: dict[str, str] = field(default_factory=dict)  # recipient → the group it came through

    def add(self, unit: str, how: str, url: str | None = None, group: str | None = None) -> None:
        self.owners.setdefault(unit, how)
        if url:
            docs = self.documents.setdefault(unit, [])
            if url not in docs:
                docs.append(url)
        if group:
            self.via.setdefault(unit, group)


class DocumentRouter:
    """Routes findings (store rows) to units; needs the documents at fault (``lookup``: URL → store row)."""

    def __init__(self, registry: UnitRegistry, lookup=None):
        self.registry = registry
        self.lookup = lookup or (lambda url: None)
        self.unknown: set[str] = set()
        self.groups: dict[str, list[str]] = {}  # group → who its findings reached (the dashboard's note)
        self._columns: dict[str, str] = {}
        self._issuers: list[tuple[str, str]] = []
        for u in registry.units:
            if u.kind == "group":
                continue
            for c in u.columns:
                self._columns.setdefault(normalise_name(c), u.name)
            for i in u.issuers:
                self._issuers.append((normalise_name(i), u.name))
        self._issuers.sort(key=lambda p: -len(p[0]))  # the longest prefix wins (兖教体财 before 兖教体)

    @property
    def lead(self) -> str:
        try:
            return self.registry.canonical(self.registry.lead)
        except KeyError:
            return self.registry.lead

    def column_owner(self, column: str) -> str | None:
        return self._columns.get(normalise_name(column))

    def owner_of(self, url: str) -> tuple[str, str] | None:
        """(unit, how) owning the document at *url*, from its column, else its publisher or 文号."""
        doc = self.lookup(url) or {}
        column = normalise_name(str(doc.get("column_name") or ""))
        if column and column in self._columns:
            return self._columns[column], "column"
        publisher = normalise_name(str(doc.get("publisher") or ""))
        doc_no = normalise_name(str(doc.get("doc_no") or ""))
        for issuer, unit in self._issuers:
            if (publisher and issuer in publisher) or (doc_no and doc_no.startswith(issuer)):
                return unit, "issuer"
        return None

    def of_sections(self, name: str) -> bool:
        unit = self.registry.get(name)
        return bool(unit is not None and unit.kind == "group" and self._of_sections(unit))

    def _of_sections(self, group) -> bool:
        """A group of the bureau's own sections (机关各科室): one of them owns each matter."""
        kinds = {(self.registry.get(m).kind if self.registry.get(m) else "") for m in group.members}
        return bool(kinds & {"office", "section"})

    def route(self, names: list[str], at_fault: list[str] | None = None) -> Route:
        route = Route()
        if not names:
            route.add(self.lead, "lead")
            return route
        groups, named = [], []
        for name in names:
            unit = self.registry.get(name)
            if unit is None:
                self.unknown.add(name)
                route.add(self.lead, "lead")
            elif unit.kind == "group":
                groups.append(unit)
            else:
                named.append(unit.name)
        for name in named:
            route.add(name, "plan")
        for group in groups:
            before = set(route.owners) | set(route.shared)
            self._route_group(group, named, at_fault or [], route)
            reached = self.groups.setdefault(group.name, [])
            for r in list(route.owners) + route.shared:
                if (r not in before or route.via.get(r) == group.name) and r not in reached:
                    reached.append(r)
        for name in named:       # named in the plan itself: not "through" a group
            route.via.pop(name, None)
        return route

    def _route_group(self, group, named: list[str], at_fault: list[str], route: Route) -> None:
        members = [self.registry.canonical(m) for m in group.members]
        if not self._of_sections(group):
            # 各镇（街）教委, 区直各学校: each member publishes its own, so each one's (or the contact's) item
            for r in self.registry.recipients(group.name):
                route.add(r, "contact" if group.contact else "member", None, group.name)
            return
        unowned = []
        for url in at_fault:
            found = self.owner_of(url)
            if found and (found[0] in members or found[0] in named):
                route.add(found[0], found[1], url, group.name)
            else:
                unowned.append(url)
        if at_fault and not unowned:
            return
        if named:  # the plan's own unit for what no document points elsewhere
            for name in named:
                for url in unowned:
                    route.add(name, "plan_unit", url)
            return
        if group.contact:
            contact = self.registry.canonical(group.contact)
            route.add(contact, "contact", None, group.name)
            route.documents.setdefault(contact, []).extend(u for u in unowned if u not in route.documents[contact])
            return
        for m in self.registry.recipients(group.name):
            if m not in route.owners and m not in route.shared:
                route.shared.append(m)
                route.via.setdefault(m, group.name)
