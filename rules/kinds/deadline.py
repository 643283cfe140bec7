"""deadline: a document published by a fixed date (7.1: the standard catalogue by 2020-09-30); after it
the item is ``late`` by N days, missing it is a ``gap``; before it ``pending`` or ``at_risk``."""
from __future__ import annotations

from ..params import Param
from .presence import Presence


class Deadline(Presence):
    __kind__ = "deadline"
    description = "a document published by a fixed due date (late by N days after it)"
    params = dict(Presence.params, due=Param("date", required=True, doc="the deadline: MM-DD in the plan year or YYYY-MM-DD"))
