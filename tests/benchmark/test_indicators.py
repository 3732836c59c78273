import pytest

from portal.benchmark.indicators import (
    PositionInputs,
    Quadrant,
    intro_shares_pooled,
    position_inputs,
    reference_average,
    settlement_by_year,
    settlement_pooled,
    two_by_two,
)
from portal.municipalities.models import KeyFigures

ROWS = [
    KeyFigures(year=2022, requested=100, decided=0, settled=0),  # outside a 3-year window
    KeyFigures(year=2023, requested=10, decided=8, settled=6, unaccompanied_requested=4, unaccompanied_decided=2),
    KeyFigures(year=2024, requested=0, decided=2, settled=2, unaccompanied_requested=0, unaccompanied_decided=0),
    KeyFigures(year=2025, requested=20, decided=10, settled=None),
]  # fmt: skip


def test_ratios_per_year_and_none_on_zero_or_missing_denominator():
    by_year = settlement_by_year(ROWS)
    assert by_year[2023].decided_of_requested == 0.8
    assert by_year[2023].settled_of_decided == 0.75
    assert by_year[2023].settled_of_requested == 0.6
    assert by_year[2024].decided_of_requested is None  # requested 0
    assert by_year[2024].settled_of_decided == 1.0
    assert by_year[2025].settled_of_decided is None  # settled unknown
    assert by_year[2022].settled_of_decided is None  # decided 0


def test_pooled_over_window():
    pooled = settlement_pooled(ROWS, year=2025, window=3)
    # 2023-2025: decided/requested = (8 + 2 + 10) / (10 + 0 + 20) = 20/30
    assert pooled.decided_of_requested == pytest.approx(20 / 30)
    # settled/decided over years with both (2023, 2024): (6 + 2) / (8 + 2) = 0.8
    assert pooled.settled_of_decided == pytest.approx(0.8)
    # settled/requested over 2023, 2024: (6 + 2) / (10 + 0) = 0.8
    assert pooled.settled_of_requested == pytest.approx(0.8)
    assert (pooled.requested, pooled.decided, pooled.settled) == (30, 20, 8)
    # A 4-year window takes in 2022: (0 + 8 + 2 + 10) / (100 + 10 + 0 + 20) = 20/130
    assert settlement_pooled(ROWS, year=2025, window=4).decided_of_requested == pytest.approx(
        20 / 130
    )


def test_unaccompanied_separately():
    pooled = settlement_pooled(ROWS, year=2025, window=3, unaccompanied=True)
    assert pooled.decided_of_requested == 0.5  # (2 + 0) / (4 + 0)
    assert pooled.settled_of_decided is None  # nothing settled known
    assert settlement_by_year(ROWS, unaccompanied=True)[2024].decided_of_requested is None


def test_intro_shares_pooled_against_target():
    rows = [
        KeyFigures(year=2024, intro_completed=10, intro_work_or_education_direct=5, intro_work_or_education_1y=7),
        KeyFigures(year=2025, intro_completed=20, intro_work_or_education_direct=8, intro_work_or_education_1y=14),
    ]  # fmt: skip
    shares = intro_shares_pooled(rows, year=2025, window=2)
    assert shares.completed == 30
    assert shares.direct == pytest.approx(13 / 30)
    assert shares.one_year == pytest.approx(21 / 30)  # exactly 0.70: meets the target
    assert shares.meets_target is True
    assert intro_shares_pooled(rows, year=2025, window=1).meets_target is True  # 14/20
    assert (
        intro_shares_pooled(
            [KeyFigures(year=2025, intro_completed=0)], year=2025, window=1
        ).one_year
        is None
    )


U1 = PositionInputs(requested=10, decided=10, completed=20, in_work_or_education=10)  # 1.0, 0.5
U2 = PositionInputs(requested=30, decided=15, completed=10, in_work_or_education=9)  # 0.5, 0.9
SMALL = PositionInputs(
    requested=100, decided=0, completed=9, in_work_or_education=0
)  # 9 completers


def test_reference_weighted_and_unweighted():
    weighted = reference_average([U1, U2, SMALL], weighted=True)
    assert weighted.settlement == pytest.approx(25 / 140)  # (10 + 15 + 0) / (10 + 30 + 100)
    assert weighted.integration == pytest.approx(19 / 30)  # SMALL has too few completers
    assert "weighted" in weighted.method_label
    unweighted = reference_average([U1, U2], weighted=False)
    assert unweighted.settlement == pytest.approx(0.75)  # mean of 1.0 and 0.5
    assert unweighted.integration == pytest.approx(0.7)  # mean of 0.5 and 0.9
    assert "unweighted" in unweighted.method_label


def test_two_by_two_quadrants_and_exact_split():
    reference = reference_average([U1, U2], weighted=False)  # split at 0.75 / 0.7
    assert two_by_two(U1, reference).quadrant == Quadrant.MUCH_LESS_WELL
    assert two_by_two(U2, reference).quadrant == Quadrant.LITTLE_WELL
    at_split = PositionInputs(
        requested=4, decided=3, completed=10, in_work_or_education=7
    )  # 0.75, 0.7
    position = two_by_two(at_split, reference)
    assert position.quadrant == Quadrant.MUCH_WELL  # exactly at the split counts as the high side
    assert position.settlement_at_split and position.integration_at_split
    below = PositionInputs(requested=100, decided=74, completed=100, in_work_or_education=69)
    assert two_by_two(below, reference).quadrant == Quadrant.LITTLE_LESS_WELL


def test_too_few_completers_not_placed():
    reference = reference_average([U1, U2], weighted=True, min_completers=10)
    position = two_by_two(SMALL, reference)
    assert position.quadrant == Quadrant.NOT_PLACED
    assert position.reason == "too_few_completers"
    exactly_min = PositionInputs(requested=1, decided=1, completed=10, in_work_or_education=10)
    assert two_by_two(exactly_min, reference).quadrant == Quadrant.MUCH_WELL
    missing = PositionInputs(requested=0, decided=0, completed=10, in_work_or_education=5)
    assert two_by_two(missing, reference).reason == "missing_data"
    assert Quadrant.NOT_PLACED.label == "Not placed"


def test_position_inputs_from_key_figures():
    rows = [
        KeyFigures(year=2024, requested=10, decided=5, intro_completed=8, intro_work_or_education_1y=6),
        KeyFigures(year=2025, requested=10, decided=10, intro_completed=None, intro_work_or_education_1y=3),
    ]  # fmt: skip
    inputs = position_inputs(rows, year=2025, window=2)
    assert (inputs.requested, inputs.decided, inputs.completed, inputs.in_work_or_education) == (
        20,
        15,
        8,
        6,
    )
