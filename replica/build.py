"""build_world: the replica's world for a seed, scale and night — ordinary items (world.py), the planted
defects and decoys (plants.py), then the nights' changes."""
from __future__ import annotations

from . import plants
from .world import World, apply_night, choose_night_candidates, ordinary_bureau, ordinary_upper


def build_world(seed: int = 1, scale: float = 1.0, night: int = 0) -> World:
    w = World(int(seed), float(scale), int(night))
    plants.plant_bureau(w)
    plants.plant_upper(w)
    ordinary_bureau(w)
    ordinary_upper(w)
    plants.plant_ordinary_extras(w)
    choose_night_candidates(w)
    w.finalize()
    for k in range(1, int(night) + 1):
        apply_night(w, k)
    return w


