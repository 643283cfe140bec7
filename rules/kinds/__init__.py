"""The rule-kind registry: one small module per kind, registered by name (like urlwatch's ``__kind__``).

A kind declares its parameters (``params``: name → rules.params.Param, validated when the catalogue is
loaded) and has one method, ``evaluate(ctx, requirement, params, as_of) -> list[Finding]``; ``ctx`` is the
engine's Context for the check being evaluated (store, documents, plan year, units, calendar helpers).
"""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from typing import TYPE_CHECKING, Any, ClassVar

from ..params import Param

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context
    from ..findings import Finding
    from ..plan import Requirement

REGISTRY: dict[str, type["Kind"]] = {}


class Kind:
    __kind__: ClassVar[str] = ""
    #: one line for `zwgk plan kinds` and the catalogue's readers
    description: ClassVar[str] = ""
    #: declared parameters
    params: ClassVar[dict[str, Param]] = {}
    #: False for kinds that never look at the web (manual)
    web: ClassVar[bool] = True
    #: True when ``met`` means "nothing wrong was found" (no stale column, no broken link, no policy without
    #: its 解读): while a crawl-health alarm is active on the source, such a ``met`` proves nothing either and
    #: is reported ``unverifiable`` (rules/engine.py Context.apply_alarms)
    met_by_absence: ClassVar[bool] = False

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        name = cls.__dict__.get("__kind__")
        if name:
            if name in REGISTRY and REGISTRY[name] is not cls:
                raise ValueError(f"rule kind {name!r} registered twice")
            REGISTRY[name] = cls

    @classmethod
    def validate(cls, params: dict[str, Any], node) -> None:
        """Cross-field checks after each parameter was validated; raise params.Invalid."""

    def evaluate(self, ctx: "Context", requirement: "Requirement", params: dict[str, Any],
                 as_of: dt.date) -> list["Finding"]:
        raise NotImplementedError


def load_all() -> dict[str, type[Kind]]:
    """Import every module of this package (each registers its kinds)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY


def get(name: str) -> type[Kind] | None:
    load_all()
    return REGISTRY.get(name)
