import pytest

from portal.benchmark.suppression import protect_count, protect_table, survey_answer


@pytest.mark.parametrize(
    ("numerator", "denominator", "suppressed", "uncertain"),
    [
        (0, None, False, False),  # nobody: nothing to protect
        (1, None, True, False),
        (4, None, True, False),
        (5, None, False, False),  # 5 persons: shown, base under 10 is not "uncertain"
        (10, None, False, True),
        (29, None, False, True),
        (30, None, False, False),
        (5, 9, True, False),  # denominator under 10
        (0, 9, True, False),
        (5, 10, False, True),  # based on 10-29 persons
        (20, 29, False, True),
        (20, 30, False, False),
        (3, 100, True, False),  # numerator 1-4 whatever the denominator
    ],
)
def test_person_count_rules(numerator, denominator, suppressed, uncertain):
    cell = protect_count(numerator, denominator)
    assert cell.suppressed is suppressed
    assert cell.uncertain is uncertain
    if suppressed:
        assert cell.value is None
        assert cell.display() == ":"
        assert cell.marker == ""
    else:
        assert cell.value == numerator
    if uncertain:
        assert cell.marker == "uncertain"


def test_shown_value_can_be_a_share():
    assert protect_count(15, 20, value=0.75).value == 0.75


def test_survey_answers_are_never_suppressed():
    for value in (1, 2, 0, "yes"):
        cell = survey_answer(value)
        assert not cell.suppressed and not cell.uncertain
        assert cell.value == value


def _hidden(table):
    return {
        (r, c) for r, row in enumerate(table.cells) for c, cell in enumerate(row) if cell.suppressed
    }


def _no_line_with_one_hidden(table):
    rows = [[*row, total] for row, total in zip(table.cells, table.row_totals, strict=True)]
    rows.append([*table.column_totals, table.grand_total])
    columns = list(zip(*rows, strict=True))
    return all(sum(c.suppressed for c in line) != 1 for line in [*rows, *columns])


def test_complementary_suppression_in_a_row():
    # Row 0 has 2 (primary). Its next-smallest is 6 (column 1). Column totals 2+20=22, 6+30=36,
    # 40+50=90 are shown, so columns 0 and 1 now each have one hidden cell: their next-smallest
    # (20 and 30) go too; row 1 then has two hidden cells and is stable.
    table = protect_table([[2, 6, 40], [20, 30, 50]])
    assert _hidden(table) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert [c.value for c in table.row_totals] == [48, 100]
    assert [c.value for c in table.column_totals] == [22, 36, 90]
    assert _no_line_with_one_hidden(table)


def test_complementary_suppression_iterates_until_stable():
    # 3 x 3: primary (0,0)=3. Row 0 -> next smallest (0,1)=7. Column 0 -> smallest other (1,0)=8.
    # Column 1 -> (2,1)=9. Row 1 now has one hidden -> (1,2)=11. Row 2 -> (2,2)=12.
    # Column 2 then has (1,2) and (2,2): stable. Five rounds from one primary cell.
    table = protect_table([[3, 7, 50], [8, 40, 11], [60, 9, 12]])
    assert _hidden(table) == {(0, 0), (0, 1), (1, 0), (2, 1), (1, 2), (2, 2)}
    assert _no_line_with_one_hidden(table)
    assert not any(c.suppressed for c in [*table.row_totals, *table.column_totals])
    assert table.cells[0][2].value == 50


def test_zero_cells_are_not_used_as_complements_when_a_positive_one_exists():
    table = protect_table([[2, 0, 15], [10, 20, 30]])
    assert (0, 1) not in _hidden(table)
    assert (0, 2) in _hidden(table)
    assert _no_line_with_one_hidden(table)


def test_small_totals_are_suppressed_and_protected():
    # Column 0 total is 1 + 2 = 3 (primary), cells 1 and 2 too.
    table = protect_table([[1, 20], [2, 30]])
    assert table.column_totals[0].suppressed
    assert _no_line_with_one_hidden(table)


def test_table_without_small_numbers_is_untouched():
    table = protect_table([[10, 20], [30, 0]])
    assert _hidden(table) == set()
    assert table.grand_total.value == 60
    assert table.cells[0][0].uncertain  # 10 persons
