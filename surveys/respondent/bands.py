"""The bands organisations are grouped in by size and immigrant share, for representativeness
and for breaking answers down (the same bands everywhere)."""

from __future__ import annotations

POPULATION_BANDS = [
    (0, 1999, "< 2 000"),
    (2000, 4999, "2 000–4 999"),
    (5000, 9999, "5 000–9 999"),
    (10000, 19999, "10 000–19 999"),
    (20000, 49999, "20 000–49 999"),
    (50000, None, "50 000+"),
]
IMMIGRANT_BANDS = [(0, 5, "< 5 %"), (5, 10, "5–9,9 %"), (10, 15, "10–14,9 %"), (15, None, "15 % +")]
UNKNOWN = "unknown"


def population_band(population: int | None) -> str:
    if population is None:
        return UNKNOWN
    for low, high, label in POPULATION_BANDS:
        if population >= low and (high is None or population <= high):
            return label
    return UNKNOWN


def immigrant_band(share: float | None) -> str:
    if share is None:
        return UNKNOWN
    for low, high, label in IMMIGRANT_BANDS:
        if share >= low and (high is None or share < high):
            return label
    return UNKNOWN
