"""Small cells are withheld, and a withheld cell can never be worked out from what is published."""
from hypothesis import given, settings
from hypothesis import strategies as st

from nicat.statistics.suppression import determined, grand_total_withheld, primary, suppress

counts = st.integers(min_value=0, max_value=40)


@st.composite
def tables(draw):
    rows = draw(st.integers(min_value=1, max_value=5))
    cols = draw(st.integers(min_value=1, max_value=5))
    return {(f"r{a}", f"c{b}"): draw(counts) for a in range(rows) for b in range(cols)}


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(min_value=2, max_value=15))
def test_no_withheld_figure_of_a_two_way_table_can_be_recovered_from_its_totals(cells, k):
    withheld, hidden_rows, hidden_cols = suppress(cells, k)
    assert primary(cells, k) <= withheld  # every small cell is withheld
    if grand_total_withheld(cells, k):  # nothing at all is published
        assert withheld == {key for key, n in cells.items() if n > 0}
        return
    assert not determined(cells, withheld, hidden_rows, hidden_cols)
    row_totals = {}
    for (a, _b), n in cells.items():
        row_totals[a] = row_totals.get(a, 0) + n
    assert {a for a, t in row_totals.items() if 0 < t < k} <= hidden_rows  # small totals too


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=3), counts, min_size=1, max_size=8),
       st.integers(min_value=2, max_value=15))
def test_a_one_way_table_never_withholds_exactly_one_cell(raw, k):
    cells = {(key,): n for key, n in raw.items()}
    withheld, _, _ = suppress(cells, k)
    assert primary(cells, k) <= withheld
    assert len(withheld) != 1 or all(n == 0 for key, n in cells.items() if key not in withheld)


def test_a_single_small_cell_is_hidden_with_its_smallest_neighbours():
    cells = {("F", "adult"): 120, ("F", "child"): 3, ("M", "adult"): 80, ("M", "child"): 40}
    withheld, hidden_rows, hidden_cols = suppress(cells, 11)
    # 3 could be had as the row total minus 120: the smallest cell beside it goes too, in its row
    # and in its column, and the fourth cell of the rectangle closes the last gap.
    assert withheld == {("F", "child"), ("F", "adult"), ("M", "child"), ("M", "adult")} or (
        ("F", "child") in withheld and len(withheld) >= 3)
    assert not determined(cells, withheld, hidden_rows, hidden_cols)


def test_a_table_without_totals_withholds_only_the_small_cells():
    cells = {("a",): 5, ("b",): 50, ("c",): 11}
    assert suppress(cells, 11, margins=False)[0] == {("a",)}
    assert suppress(cells, 11)[0] == {("a",), ("c",)}


def test_the_exposure_check_sees_a_lone_withheld_cell():
    cells = {("a", "x"): 5, ("a", "y"): 50, ("b", "x"): 60, ("b", "y"): 70}
    assert determined(cells, {("a", "x")}) == {("cell", ("a", "x"))}
    assert determined(cells, {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}) == set()
