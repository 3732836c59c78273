import math
import random

import pytest

from portal.benchmark.peers import (
    choose_peers,
    distance,
    percentile,
    size_band,
    standardise,
    variables_from_key_figures,
    winsorise,
)

# Four municipalities, two variables, weight 1 each, no winsorising (percentiles 0/100).
#   x: 0, 2, 4, 6  -> mean 3, population sd sqrt((9+1+1+9)/4) = sqrt(5)
#   y: 0, 0, 0, 4  -> mean 1, population sd sqrt((1+1+1+9)/4) = sqrt(3)
# Squared distances (dz_x^2 = dx^2/5, dz_y^2 = dy^2/3):
#   A-B: 4/5 = 0.8            A-C: 16/5 = 3.2           A-D: 36/5 + 16/3 = 188/15
#   B-C: 4/5 = 0.8            B-D: 16/5 + 16/3 = 128/15 C-D: 4/5 + 16/3 = 92/15
# d_max = sqrt(188/15) (A-D).
DATA = {
    "0001": {"x": 0, "y": 0},  # A
    "0002": {"x": 2, "y": 0},  # B
    "0003": {"x": 4, "y": 0},  # C
    "0004": {"x": 6, "y": 4},  # D
}
WEIGHTS = {"x": 1.0, "y": 1.0}
D_MAX = math.sqrt(188 / 15)


def _choose(data=DATA, **kwargs):
    options = {"weights": WEIGHTS, "k": 1, "lower": 0, "upper": 100} | kwargs
    return choose_peers(data, **options)


def test_hand_computed_distances_and_similarity():
    result = _choose(k=3)
    d = result["0004"].peers
    assert [p.key for p in d] == ["0003", "0002", "0001"]
    assert d[0].distance == pytest.approx(math.sqrt(92 / 15))  # 2.476557
    assert d[1].distance == pytest.approx(math.sqrt(128 / 15))  # 2.921187
    assert d[2].distance == pytest.approx(math.sqrt(188 / 15))  # 3.540245
    # similarity = 100 * (1 - d / d_max): C for D = 100 * (1 - 2.476557 / 3.540245) = 30.0456
    assert d[0].similarity == pytest.approx(100 * (1 - math.sqrt(92 / 15) / D_MAX))
    assert d[0].similarity == pytest.approx(30.0456, abs=1e-3)
    assert d[2].similarity == pytest.approx(0.0)  # the farthest pair in the data set
    # Drivers of D-C: x term 4/5 = 12/15, y term 16/3 = 80/15, sum 92/15 -> 3/23 and 20/23.
    assert d[0].drivers == pytest.approx({"x": 3 / 23, "y": 20 / 23})
    assert [p.rank for p in d] == [1, 2, 3]


def test_explanation_compares_with_peer_median():
    result = _choose(k=2)
    # D's two nearest are C (x=4, y=0) and B (x=2, y=0): medians x = 3, y = 0.
    assert result["0004"].comparison == {
        "x": {"value": 6.0, "peer_median": 3.0},
        "y": {"value": 4.0, "peer_median": 0.0},
    }


def test_ties_broken_by_municipality_number():
    # B is sqrt(0.8) from both A and C: A (0001) wins the tie, in either input order.
    assert [p.key for p in _choose()["0002"].peers] == ["0001"]
    reversed_data = dict(reversed(list(DATA.items())))
    assert [p.key for p in _choose(reversed_data)["0002"].peers] == ["0001"]


def test_peer_relations_are_not_symmetric():
    result = _choose()
    assert [p.key for p in result["0004"].peers] == ["0003"]  # C is D's peer ...
    assert [p.key for p in result["0003"].peers] == ["0002"]  # ... but D is not C's


def test_reproducible_whatever_the_input_order():
    first = _choose(k=3)
    items = list(DATA.items())
    random.Random(7).shuffle(items)
    second = _choose(dict(items), k=3)
    assert first == second


def test_winsorise_caps_at_percentiles():
    values = {i: float(i) for i in range(1, 21)} | {"missing": None}
    # p5: position 19 * 0.05 = 0.95 -> 1 + 0.95 * (2 - 1) = 1.95
    # p95: position 19 * 0.95 = 18.05 -> 19 + 0.05 * (20 - 19) = 19.05
    assert percentile(list(range(1, 21)), 5) == pytest.approx(1.95)
    capped = winsorise(values, lower=5, upper=95)
    assert capped[1] == pytest.approx(1.95)
    assert capped[20] == pytest.approx(19.05)
    assert capped[10] == 10.0
    assert capped["missing"] is None


def test_winsorising_limits_an_outlier():
    data = {f"{i:04d}": {"x": float(i)} for i in range(1, 41)}
    data["0040"] = {"x": 10_000.0}
    plain = choose_peers(data, weights={"x": 1}, k=1, lower=0, upper=100)
    capped = choose_peers(data, weights={"x": 1}, k=1, lower=5, upper=95)
    # Without capping, the outlier squeezes everyone else together: d_max spans 1..10 000, so
    # neighbours 1 apart are 100 * (1 - 1/9999) = 99.99 similar.
    assert plain["0010"].peers[0].similarity == pytest.approx(100 * (1 - 1 / 9999))
    # Capped at p5 = 1 + 1.95 = 2.95 and p95 = 38 + 0.05 = 38.05 (positions 39 * 0.05 and
    # 39 * 0.95): d_max spans 35.1, so 100 * (1 - 1 / 35.1) = 97.151.
    assert capped["0010"].peers[0].similarity == pytest.approx(100 * (1 - 1 / 35.1))
    assert capped["0040"].peers[0].key == "0039"  # 0039 is at 39 -> 38.05, same as 0040


def test_variable_with_sd_zero_contributes_nothing():
    assert standardise({"a": 3.0, "b": 3.0, "c": None}) == {"a": 0.0, "b": 0.0, "c": None}
    data = {key: {"x": row["x"], "flat": 7.0} for key, row in DATA.items()}
    with_flat = choose_peers(data, weights={"x": 1, "flat": 1}, k=3, lower=0, upper=100)
    without = choose_peers(data, weights={"x": 1}, k=3, lower=0, upper=100)
    for key in data:
        assert [p.key for p in with_flat[key].peers] == [p.key for p in without[key].peers]
        assert [p.distance for p in with_flat[key].peers] == pytest.approx(
            [p.distance for p in without[key].peers]
        )
        for peer in with_flat[key].peers:
            assert peer.drivers["flat"] == 0


def test_missing_values_rescale_by_share_of_weight():
    # Shared: x (w 1) and y (w 1); z (w 2) missing in a. Squared sum 1*1^2 + 1*2^2 = 5,
    # total weight 4, shared weight 2 -> d = sqrt(5 * 4 / 2) = sqrt(10).
    d, drivers = distance(
        {"x": 0, "y": 1, "z": None}, {"x": 1, "y": 3, "z": 5}, {"x": 1, "y": 1, "z": 2}
    )
    assert d == pytest.approx(math.sqrt(10))
    assert drivers == pytest.approx({"x": 0.2, "y": 0.8})
    assert distance({"x": None}, {"x": 1}, {"x": 1}) is None


def test_missing_more_than_half_the_weight_gets_no_peers():
    data = {
        "0001": {"x": 1, "y": 1, "z": None},  # missing 2 of 4: exactly half -> still placed
        "0002": {"x": 2, "y": None, "z": None},  # missing 3 of 4 -> no peers
        "0003": {"x": 3, "y": 3, "z": 3},
        "0004": {"x": 4, "y": 4, "z": 4},
    }
    result = choose_peers(data, weights={"x": 1, "y": 1, "z": 2}, k=3, lower=0, upper=100)
    assert result["0002"].peers == []
    assert result["0002"].excluded_reason == "missing_values"
    assert [p.key for p in result["0001"].peers] == ["0003", "0004"]
    assert all(p.key != "0002" for r in result.values() for p in r.peers)


# Six municipalities, three variables; "m" (the municipality) has no "share".
MISSING = {
    "0001": {"x": 0, "y": 0, "share": None},  # m
    "0002": {"x": 1, "y": 5, "share": 50},
    "0003": {"x": 2, "y": 1, "share": 10},
    "0004": {"x": 5, "y": 0, "share": 0},
    "0005": {"x": 6, "y": 6, "share": 1},
    "0006": {"x": 3, "y": 2, "share": None},  # a candidate without it too
}
THREE = {"x": 1.0, "y": 1.0, "share": 2.0}


def test_a_variable_the_municipality_lacks_is_left_out_of_its_distances_not_taken_for_0():
    result = choose_peers(MISSING, weights=THREE, k=5, lower=0, upper=100)["0001"]
    assert result.left_out == ("share",)
    # The ranking is the one on the other variables alone (the weights renormalised) ...
    without = choose_peers(
        {k: {"x": v["x"], "y": v["y"]} for k, v in MISSING.items()},
        weights={"x": 1.0, "y": 1.0},
        k=5,
        lower=0,
        upper=100,
    )["0001"]
    assert [p.key for p in result.peers] == [p.key for p in without.peers]
    assert all("share" not in p.drivers and p.left_out == () for p in result.peers)
    # ... and each distance is that one scaled by total over shared weight: sqrt(4 / 2).
    for peer, alone in zip(result.peers, without.peers, strict=True):
        assert peer.distance == pytest.approx(alone.distance * math.sqrt(2))
    # Taking the missing share for 0 would have ranked 0004 (share 0) above 0002.
    as_zero = choose_peers(
        {**MISSING, "0001": {"x": 0, "y": 0, "share": 0}}, weights=THREE, k=5, lower=0, upper=100
    )["0001"]
    assert [p.key for p in result.peers] == ["0003", "0006", "0002", "0004", "0005"]
    assert [p.key for p in as_zero.peers] == ["0003", "0006", "0004", "0005", "0002"]


def test_a_candidate_without_a_variable_is_compared_on_the_rest_of_them():
    result = choose_peers(MISSING, weights=THREE, k=5, lower=0, upper=100)
    own = result["0003"]  # has every variable
    assert own.left_out == ()
    by_key = {p.key: p for p in own.peers}
    assert by_key["0006"].left_out == ("share",) and "share" not in by_key["0006"].drivers
    assert by_key["0002"].left_out == () and "share" in by_key["0002"].drivers
    # 0003 -> 0006 on x and y only, scaled by 4 / 2: (dx / sd_x)^2 + (dy / sd_y)^2.
    xs, ys = [0, 1, 2, 5, 6, 3], [0, 5, 1, 0, 6, 2]

    def sd(values):
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))

    squared = (1 / sd(xs)) ** 2 + (1 / sd(ys)) ** 2
    assert by_key["0006"].distance == pytest.approx(math.sqrt(squared * 4 / 2))


def test_size_bands():
    assert [size_band(p) for p in (0, 1999, 2000, 4999, 5000, 9999, 10000, 19999, 20000, 49999, 50000)] == [
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5,
    ]  # fmt: skip
    assert size_band(None) is None


def test_size_band_constraint():
    data = {f"000{i}": {"x": float(i)} for i in range(1, 7)}
    populations = {
        "0001": 1500,
        "0002": 1900,
        "0003": 2500,
        "0004": 6000,
        "0005": 60000,
        "0006": None,
    }
    options = {"weights": {"x": 1}, "k": 5, "lower": 0, "upper": 100, "populations": populations}
    same = choose_peers(data, size_band_constraint="same", **options)
    assert [p.key for p in same["0001"].peers] == ["0002"]
    assert same["0005"].peers == []
    assert same["0006"].excluded_reason == "unknown_size_band"
    adjacent = choose_peers(data, size_band_constraint="adjacent", **options)
    assert [p.key for p in adjacent["0001"].peers] == ["0002", "0003"]
    assert [p.key for p in adjacent["0004"].peers] == ["0003"]
    free = choose_peers(data, size_band_constraint="none", **options)
    assert len(free["0001"].peers) == 5


def test_variables_from_key_figures():
    rows = [
        {"year": 2020, "population": 999, "settled": 99, "centrality_score": 1, "centrality_class": None, "immigrant_share": 1},
        {"year": 2021, "population": 1000, "settled": 10, "centrality_score": None, "centrality_class": 2, "immigrant_share": 5},
        {"year": 2024, "population": 3000, "settled": None, "centrality_score": None, "centrality_class": None, "immigrant_share": None},
        {"year": 2025, "population": 1000, "settled": 5, "centrality_score": None, "centrality_class": None, "immigrant_share": None},
    ]  # fmt: skip
    values = variables_from_key_figures(rows, year=2025)
    assert values["log_population"] == pytest.approx(math.log(1000))  # 2025's population
    assert values["centrality"] == 800  # class 2 -> (6 - 2) * 200; 2020 is outside the window
    assert values["immigrant_share"] == 5
    # 2021 and 2025 have both: 1000 * (10 + 5) / (1000 + 1000) = 7.5 per 1 000 a year
    assert values["settled_per_1000_5y"] == pytest.approx(7.5)
    assert variables_from_key_figures([], year=2025)["log_population"] is None
