"""Small-cell suppression of frequency tables (statistical disclosure control).

A cell whose count is positive but below k could point at a person, so it is withheld (*primary*
suppression, as CTDC does with k = 11). Where a table is published with its totals, a single
withheld cell in a row or column could be recovered by subtracting the others from the total: then
further cells are withheld until every row and column of the table — its totals included — holds
either no withheld cell or at least two (*secondary* suppression). The cells chosen for secondary
suppression are the smallest ones, so that as little information as possible is lost.

Pure functions over plain dictionaries: `{(value_a,) or (value_a, value_b): count}`.
"""
from collections import defaultdict

DEFAULT_K = 11

# The perturbation of the analysts' figures (cell-key method, nicat/statistics/perturbation.py): a figure
# shown to an analyst is its true count plus the noise this table gives to the cell's key, a number in
# [0, 1). Pairs (noise, probability), the probabilities adding up to 1; applied after suppression, on
# what suppression left visible. Data, not code: a test that checks the counting logic replaces it with
# ((0, 1.0),) (no noise).
PERTURBATION = ((-2, 0.05), (-1, 0.20), (0, 0.50), (1, 0.20), (2, 0.05))


def primary(cells, k):
    """The keys of the cells with 0 < count < k."""
    return {key for key, count in cells.items() if 0 < count < k}


def suppress(cells, k, *, margins=True):
    """Returns (withheld cell keys, withheld row totals, withheld column totals).

    `cells`: {key tuple: count}. With `margins` the table is published with its row totals, column
    totals (for two dimensions) and grand total, and secondary suppression protects the withheld
    cells against subtraction from them. Without margins only the primary cells are withheld.
    """
    withheld = primary(cells, k)
    if not margins or k <= 1:
        return withheld, set(), set()
    dims = len(next(iter(cells))) if cells else 1
    if grand_total_withheld(cells, k):
        # The whole table counts fewer than k records: nothing of it can be shown.
        positive = {key for key, count in cells.items() if count > 0}
        if dims == 2:
            return positive, {a for a, _ in cells}, {b for _, b in cells}
        return positive, set(), set()
    if dims == 1:
        return _one_dimension(cells, withheld), set(), set()
    if dims != 2:
        raise ValueError("Secondary suppression handles one or two dimensions.")
    return _two_dimensions(cells, withheld, k)


def grand_total_withheld(cells, k):
    """True when the table's grand total is itself a small count (then every figure is withheld)."""
    total = sum(cells.values())
    return 0 < total < k


def _one_dimension(cells, withheld):
    # The grand total is published: one withheld cell equals total minus the rest.
    withheld = set(withheld)
    if len(withheld) == 1:
        others = sorted((count, key) for key, count in cells.items() if key not in withheld and count > 0)
        if others:
            withheld.add(others[0][1])
    return withheld


def _two_dimensions(cells, withheld, k):
    withheld = set(withheld)
    rows, cols = defaultdict(dict), defaultdict(dict)
    for (a, b), count in cells.items():
        rows[a][b] = count
        cols[b][a] = count
    row_totals = {a: sum(v.values()) for a, v in rows.items()}
    col_totals = {b: sum(v.values()) for b, v in cols.items()}
    # A total below k is itself a small cell of its margin.
    hidden_rows = {a for a, t in row_totals.items() if 0 < t < k}
    hidden_cols = {b for b, t in col_totals.items() if 0 < t < k}

    changed = True
    while changed:
        changed = False
        def column_has(key):
            return any((x, key[1]) in withheld for x in cols[key[1]])

        def row_has(key):
            return any((key[0], y) in withheld for y in rows[key[0]])

        for a, line in rows.items():
            if a not in hidden_rows:
                outcome = _protect_line(withheld, [((a, b), c) for b, c in line.items()], column_has)
                if outcome == "hide-total":
                    hidden_rows.add(a)
                changed |= bool(outcome)
        for b, line in cols.items():
            if b not in hidden_cols:
                outcome = _protect_line(withheld, [((a, b), c) for a, c in line.items()], row_has)
                if outcome == "hide-total":
                    hidden_cols.add(b)
                changed |= bool(outcome)
        # The row totals add up to the grand total, and so do the column totals.
        changed |= _protect_margin(hidden_rows, row_totals)
        changed |= _protect_margin(hidden_cols, col_totals)
        if not changed:
            # The line rules are necessary, not sufficient: check the whole system of equations
            # and withhold one more cell beside any withheld value it still determines.
            exposed = determined(cells, withheld, hidden_rows, hidden_cols)
            for kind, key in sorted(exposed, key=lambda item: (item[0], _order(item[1]))):
                if _widen(cells, withheld, kind, key, rows, cols):
                    changed = True
                    break
    return withheld, hidden_rows, hidden_cols


def _widen(cells, withheld, kind, key, rows, cols):
    """Withhold the smallest visible positive cell next to an exposed unknown."""
    if kind == "cell":
        a, b = key
        near = [((a, y), c) for y, c in rows[a].items()] + [((x, b), c) for x, c in cols[b].items()]
    elif kind == "row":
        near = [((key, y), c) for y, c in rows[key].items()]
    else:
        near = [((x, key), c) for x, c in cols[key].items()]
    candidates = sorted((c, _order(k), k) for k, c in near if k not in withheld and c > 0)
    if not candidates:
        candidates = sorted((c, _order(k), k) for k, c in cells.items() if k not in withheld and c > 0)
    if not candidates:
        return False
    withheld.add(candidates[0][2])
    return True


def determined(cells, withheld, hidden_rows=(), hidden_cols=()):
    """The unknowns of a published two-dimensional table that its published figures still fix.

    Unknowns are the withheld cells ("cell", key) and the withheld totals ("row", a) / ("col", b).
    The equations are those a reader can write: each row and each column adds up to its total, and
    the totals add up to the grand total. An unknown is fixed when every solution of the equations
    gives it the same value (it is a pivot with no free variable in its reduced row).
    """
    from fractions import Fraction

    unknowns = [("cell", key) for key in sorted(withheld, key=_order)]
    unknowns += [("row", a) for a in sorted(hidden_rows, key=str)] + [("col", b) for b in sorted(hidden_cols, key=str)]
    if not unknowns:
        return set()
    index = {u: i for i, u in enumerate(unknowns)}
    rows_of, cols_of = defaultdict(list), defaultdict(list)
    for (a, b) in cells:
        rows_of[a].append((a, b))
        cols_of[b].append((a, b))
    equations = []
    for a, keys in rows_of.items():
        equations.append([("cell", key) for key in keys if key in withheld] + ([("row", a)] if a in hidden_rows else []))
    for b, keys in cols_of.items():
        equations.append([("cell", key) for key in keys if key in withheld] + ([("col", b)] if b in hidden_cols else []))
    equations.append([("row", a) for a in hidden_rows])
    equations.append([("col", b) for b in hidden_cols])
    matrix = []
    for eq in equations:
        if not eq:
            continue
        row = [Fraction(0)] * len(unknowns)
        for u in eq:
            # A withheld total enters its line's equation with the opposite sign of the cells.
            row[index[u]] = Fraction(-1) if u[0] in ("row", "col") and len(eq) > 1 and any(v[0] == "cell" for v in eq) \
                else Fraction(1)
        matrix.append(row)
    pivots = _reduce(matrix, len(unknowns))
    free = set(range(len(unknowns))) - {col for _, col in pivots}
    fixed = set()
    for r, col in pivots:
        if all(matrix[r][f] == 0 for f in free):
            fixed.add(unknowns[col])
    return fixed


def _reduce(matrix, width):
    """Reduced row echelon form in place; returns [(row, pivot column)]."""
    pivots, r = [], 0
    for col in range(width):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][col]
        matrix[r] = [v / lead for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][col] != 0:
                factor = matrix[i][col]
                matrix[i] = [v - factor * w for v, w in zip(matrix[i], matrix[r], strict=True)]
        pivots.append((r, col))
        r += 1
    return pivots


def _protect_line(withheld, entries, crossing_has_withheld=None):
    """One line of the table whose total is published must never hold exactly one withheld cell.
    Returns "" (nothing to do), "cell" (one more cell withheld) or "hide-total" (no cell could
    hide it: the line's total is withheld instead). The complement is the smallest cell whose
    crossing line already holds a withheld cell (so that it starts no new chain), else the smallest."""
    hidden = [key for key, count in entries if key in withheld]
    if len(hidden) != 1:
        return ""
    crossing = crossing_has_withheld or (lambda key: False)
    candidates = sorted((not crossing(key), count, _order(key), key) for key, count in entries
                        if key not in withheld and count > 0)
    if not candidates:
        return "hide-total"
    withheld.add(candidates[0][-1])
    return "cell"


def _protect_margin(hidden, totals):
    if len(hidden) != 1:
        return False
    candidates = sorted((t, _order(key), key) for key, t in totals.items() if key not in hidden and t > 0)
    if not candidates:
        return False
    hidden.add(candidates[0][2])
    return True


def _order(key):
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)
