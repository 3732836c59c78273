"""Choosing "comparable municipalities" (peers). Pure functions: no database access.

Method (see ``design/BENCHMARK.md``):

1. **Winsorise** each variable: values below the lower / above the upper percentile (linear
   interpolation between order statistics, as ``numpy.percentile``'s default) are capped there.
2. **Standardise** each variable to mean 0 and standard deviation 1 (population sd, ``ddof=0``)
   over the municipalities that have a value. A variable whose sd is 0 gets z = 0 everywhere, so
   it contributes nothing to any distance.
3. **Distance** between A and B is the weighted Euclidean distance over the variables both have::

       d(A, B) = sqrt( sum_v w_v (z_Av - z_Bv)^2  *  W_total / W_shared )

   ``W_shared`` is the weight of the variables both have; dividing by the share of weight present
   puts pairs with a missing value on the same scale as complete pairs. A missing value is never
   taken for 0 or for the average; the rule for it is explicit:

   - a variable with no value for the municipality itself is **left out of every distance of
     that municipality** (the weights of the rest count proportionally more); its result lists
     it in ``PeerResult.left_out``, and the report says so;
   - a candidate without a value for a variable the municipality has is still a candidate: that
     variable's term is left out of **that pair's** distance only, and the rest renormalised
     the same way; the peer lists it in ``Peer.left_out``;
   - a municipality that lacks more than half of the total weight gets no peers and is not
     offered as anyone's peer (too little is left to compare).
4. The **k nearest** among those at least ``min_similarity`` similar (ties broken by municipality key — pass the municipality number — so the
   result is reproducible), optionally restricted to the same or an adjacent **size band**
   (a municipality whose band is unknown gets no peers under a constraint and is not a candidate).
5. **Similarity** = ``100 × (1 − d / d_max)``, where ``d_max`` is the largest distance between any
   two eligible municipalities in the whole data set (not only among A's candidates), so 100 means
   identical on every variable and 0 means as far apart as any two municipalities in the country.
   Similarities are therefore comparable across municipalities within one peer set.

Peer relations are not symmetric: B can be among A's k nearest while A is not among B's.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

VARIABLES = ("log_population", "centrality", "immigrant_share", "settled_per_1000_5y")

# The variables are read from the key figures of this many years up to the report year.
WINDOW_YEARS = 5

# Lower bounds of the population size bands: <2 000, 2 000–4 999, 5 000–9 999, 10 000–19 999,
# 20 000–49 999, 50 000+.
SIZE_BAND_LOWER_BOUNDS = (0, 2_000, 5_000, 10_000, 20_000, 50_000)

# Distances are rounded this far before ranking so that mathematically equal distances that
# differ in the last floating-point bit still count as ties (and fall back to the key order).
_TIE_DECIMALS = 9

Values = Mapping[Hashable, Mapping[str, float | None]]


@dataclass(frozen=True)
class Peer:
    key: Hashable
    rank: int
    distance: float
    similarity: float
    drivers: dict[str, float]  # variable -> share of the squared distance (sums to 1, or all 0)
    # Weighted variables the municipality has but this peer has not: not in this pair's distance.
    left_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeerResult:
    key: Hashable
    peers: list[Peer]
    comparison: dict[str, dict[str, float | None]] = field(default_factory=dict)
    # variable -> {"value": own raw value, "peer_median": median of the peers' raw values}
    excluded_reason: str = ""  # why there are no peers ("" when there are)
    # Weighted variables with no value for the municipality itself: in none of its distances.
    left_out: tuple[str, ...] = ()


def size_band(population: float | None) -> int | None:
    """0 for < 2 000 inhabitants … 5 for 50 000 and more; None when the population is unknown."""
    if population is None:
        return None
    band = 0
    for index, lower in enumerate(SIZE_BAND_LOWER_BOUNDS):
        if population >= lower:
            band = index
    return band


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between the sorted values."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def winsorise(
    values: Mapping[Hashable, float | None], *, lower: float, upper: float
) -> dict[Hashable, float | None]:
    present = [v for v in values.values() if v is not None]
    if not present:
        return dict(values)
    low, high = percentile(present, lower), percentile(present, upper)
    return {key: None if v is None else min(max(v, low), high) for key, v in values.items()}


def standardise(values: Mapping[Hashable, float | None]) -> dict[Hashable, float | None]:
    """z-scores (population sd); all 0 when the sd is 0; None stays None."""
    present = [v for v in values.values() if v is not None]
    if not present:
        return dict(values)
    mean = statistics.fmean(present)
    sd = statistics.pstdev(present)
    if sd == 0 or math.isclose(sd, 0.0, abs_tol=1e-12):
        return {key: None if v is None else 0.0 for key, v in values.items()}
    return {key: None if v is None else (v - mean) / sd for key, v in values.items()}


def transform(
    values: Values, *, variables: Sequence[str], lower: float, upper: float
) -> dict[Hashable, dict[str, float | None]]:
    """Winsorise then standardise every variable; returns key -> variable -> z (or None)."""
    z: dict[Hashable, dict[str, float | None]] = {key: {} for key in values}
    for variable in variables:
        column = {key: _as_float(row.get(variable)) for key, row in values.items()}
        column = standardise(winsorise(column, lower=lower, upper=upper))
        for key, value in column.items():
            z[key][variable] = value
    return z


def distance(
    a: Mapping[str, float | None], b: Mapping[str, float | None], weights: Mapping[str, float]
) -> tuple[float, dict[str, float]] | None:
    """(distance, each variable's share of the squared distance), or None with nothing shared."""
    total_weight = sum(weights.values())
    shared_weight = 0.0
    terms: dict[str, float] = {}
    for variable, weight in weights.items():
        za, zb = a.get(variable), b.get(variable)
        if za is None or zb is None or weight <= 0:
            continue
        shared_weight += weight
        terms[variable] = weight * (za - zb) ** 2
    if shared_weight <= 0:
        return None
    squared = sum(terms.values())
    d = math.sqrt(squared * total_weight / shared_weight)
    drivers = {v: (t / squared if squared > 0 else 0.0) for v, t in terms.items()}
    return d, drivers


def choose_peers(
    values: Values,
    *,
    weights: Mapping[str, float],
    k: int = 10,
    lower: float = 5.0,
    upper: float = 95.0,
    size_band_constraint: str = "none",
    populations: Mapping[Hashable, float | None] | None = None,
    min_similarity: float = 0.0,
) -> dict[Hashable, PeerResult]:
    """The k nearest peers of every municipality in ``values`` (see the module docstring).

    ``values`` maps a key (use the municipality number: ties are broken by it) to raw variable
    values; ``populations`` gives the population for the size band (required unless the
    constraint is "none"). Candidates less similar than ``min_similarity`` (0–100) are not
    offered; a municipality left with none has ``excluded_reason`` "no_near_peers".
    """
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    if size_band_constraint not in {"none", "same", "adjacent"}:
        raise ValueError(f"unknown size-band constraint {size_band_constraint!r}")
    variables = [v for v, w in weights.items() if w > 0]
    active = {v: weights[v] for v in variables}
    total_weight = sum(active.values())
    if total_weight <= 0:
        raise ValueError("at least one weight must be positive")

    z = transform(values, variables=variables, lower=lower, upper=upper)
    eligible = [
        key
        for key in sorted(values, key=_sort_key)
        if sum(w for v, w in active.items() if z[key][v] is not None) * 2 >= total_weight
    ]
    pairs: dict[tuple[Hashable, Hashable], tuple[float, dict[str, float]]] = {}
    for i, a in enumerate(eligible):
        for b in eligible[i + 1 :]:
            result = distance(z[a], z[b], active)
            if result is not None:
                pairs[(a, b)] = result
                pairs[(b, a)] = result
    d_max = max((d for d, _ in pairs.values()), default=0.0)

    bands = {key: size_band((populations or {}).get(key)) for key in values}
    eligible_set = set(eligible)
    results: dict[Hashable, PeerResult] = {}
    for key in sorted(values, key=_sort_key):
        left_out = tuple(v for v in variables if z[key][v] is None)
        if key not in eligible_set:
            results[key] = PeerResult(
                key=key, peers=[], excluded_reason="missing_values", left_out=left_out
            )
            continue
        if size_band_constraint != "none" and bands[key] is None:
            results[key] = PeerResult(
                key=key, peers=[], excluded_reason="unknown_size_band", left_out=left_out
            )
            continue
        candidates = []
        for other in eligible:
            if other == key or (key, other) not in pairs:
                continue
            if not _band_allows(bands[key], bands[other], size_band_constraint):
                continue
            d, drivers = pairs[(key, other)]
            candidates.append((round(d, _TIE_DECIMALS), _sort_key(other), other, d, drivers))
        candidates.sort(key=lambda c: (c[0], c[1]))
        had_candidates = bool(candidates)
        candidates = [c for c in candidates if similarity(c[3], d_max) >= min_similarity]
        peers = [
            Peer(
                key=other,
                rank=rank,
                distance=d,
                similarity=similarity(d, d_max),
                drivers=drivers,
                left_out=tuple(v for v in variables if v not in left_out and z[other][v] is None),
            )
            for rank, (_, _, other, d, drivers) in enumerate(candidates[:k], start=1)
        ]
        results[key] = PeerResult(
            key=key,
            peers=peers,
            comparison=compare_with_peers(values, key, [p.key for p in peers], variables),
            excluded_reason=""
            if peers
            else ("no_near_peers" if had_candidates else "no_candidates"),
            left_out=left_out,
        )
    return results


def similarity(d: float, d_max: float) -> float:
    """100 × (1 − d / d_max), clipped to 0–100; 100 when every distance is 0."""
    if d_max <= 0:
        return 100.0
    return min(max(100.0 * (1.0 - d / d_max), 0.0), 100.0)


def compare_with_peers(
    values: Values, key: Hashable, peer_keys: Sequence[Hashable], variables: Sequence[str]
) -> dict[str, dict[str, float | None]]:
    """Per variable: the municipality's own raw value and the median of its peers' raw values."""
    comparison: dict[str, dict[str, float | None]] = {}
    for variable in variables:
        peer_values = [
            v for p in peer_keys if (v := _as_float(values[p].get(variable))) is not None
        ]
        comparison[variable] = {
            "value": _as_float(values[key].get(variable)),
            "peer_median": statistics.median(peer_values) if peer_values else None,
        }
    return comparison


def _band_allows(own: int | None, other: int | None, constraint: str) -> bool:
    if constraint == "none":
        return True
    if own is None or other is None:
        return False
    if constraint == "same":
        return own == other
    return abs(own - other) <= 1


def _sort_key(key: Hashable) -> tuple[str, str]:
    return (type(key).__name__, str(key))


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    result = float(value)
    return None if math.isnan(result) else result


# --- variables from key figures -------------------------------------------------------------


def centrality_value(score: int | None, centrality_class: int | None) -> float | None:
    """SSB's centrality index (0–1000, higher = more central); falls back to the class.

    Classes run 1 (most central) … 6 (least central) and are scaled onto the index range as
    ``(6 − class) × 200``: class 1 → 1000, class 6 → 0.
    """
    if score is not None:
        return float(score)
    if centrality_class is not None:
        return float((6 - centrality_class) * 200)
    return None


def variables_from_key_figures(
    rows: Sequence[Mapping[str, Any]], *, year: int, window: int = 5
) -> dict[str, float | None]:
    """The peer variables of one municipality from its key-figure rows (dicts with ``year``).

    - ``log_population``: natural log of the population in the most recent year of the window
      (``year − window + 1`` … ``year``) that has one;
    - ``centrality`` and ``immigrant_share``: likewise the most recent value in the window;
    - ``settled_per_1000_5y``: refugees settled per 1 000 inhabitants per year, pooled over the
      window: ``1000 × Σ settled / Σ population`` over the years where both are known.
    """
    in_window = sorted(
        (r for r in rows if year - window < r["year"] <= year), key=lambda r: r["year"]
    )

    def latest(getter) -> float | None:
        for row in reversed(in_window):
            value = getter(row)
            if value is not None:
                return float(value)
        return None

    population = latest(lambda r: r.get("population") or None)
    settled = population_sum = 0.0
    for row in in_window:
        if row.get("settled") is not None and row.get("population"):
            settled += row["settled"]
            population_sum += row["population"]
    return {
        "log_population": math.log(population) if population else None,
        "centrality": latest(
            lambda r: centrality_value(r.get("centrality_score"), r.get("centrality_class"))
        ),
        "immigrant_share": latest(lambda r: r.get("immigrant_share")),
        "settled_per_1000_5y": 1000 * settled / population_sum if population_sum else None,
        "population": population,
    }
