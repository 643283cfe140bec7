"""The unit registry: canonical names, aliases, group units and routing of findings to recipients.

Plans name units the way people write them (基教科, 区直各学校（幼儿园）); everything downstream uses
canonical names. A group unit (机关各科室 …) is routed to its contact unit when one is configured,
otherwise to each of its members.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .config import Config, UnitConfig

_SPACES = re.compile(r"[\s\u3000]+")
# Full-width and half-width brackets are the same to a reader.
_BRACKETS = str.maketrans({"(": "（", ")": "）"})


def normalise_name(name: str) -> str:
    return _SPACES.sub("", name).translate(_BRACKETS).strip()


class UnknownUnit(KeyError):
    pass


@dataclass
class UnitRegistry:
    units: list[UnitConfig]
    lead: str = "办公室"
    _index: dict[str, UnitConfig] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        for u in self.units:
            for n in (u.name, *u.aliases):
                self._index[normalise_name(n)] = u

    @classmethod
    def from_config(cls, config: Config) -> "UnitRegistry":
        return cls(list(config.units), config.lead_unit)

    def get(self, name: str) -> UnitConfig | None:
        return self._index.get(normalise_name(name))

    def canonical(self, name: str) -> str:
        unit = self.get(name)
        if unit is None:
            raise UnknownUnit(name)
        return unit.name

    def is_group(self, name: str) -> bool:
        unit = self.get(name)
        return bool(unit and unit.kind == "group")

    def members(self, name: str) -> list[str]:
        unit = self.get(name)
        return [self.canonical(m) for m in unit.members] if unit else []

    def recipients(self, name: str) -> list[str]:
        """Who receives findings addressed to *name*: itself, or a group's contact or members."""
        unit = self.get(name)
        if unit is None:
            raise UnknownUnit(name)
        if unit.kind != "group":
            return [unit.name]
        if unit.contact:
            return self.recipients(unit.contact)
        out: list[str] = []
        for m in unit.members:
            for r in self.recipients(m):
                if r not in out:
                    out.append(r)
        return out

    def route(self, names: list[str]) -> list[str]:
        """Recipients of a finding for *names* (empty → the lead office)."""
        if not names:
            return [self.canonical(self.lead)]
        out: list[str] = []
        for n in names:
            for r in self.recipients(n):
                if r not in out:
                    out.append(r)
        return out

    def emails(self, name: str) -> list[str]:
        unit = self.get(name)
        return list(unit.email) if unit else []
