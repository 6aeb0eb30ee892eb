"""The one door of nicat.statistics to whole tables: statistics over all cases (and the k-anonymous
release) legitimately read every row, and only counts or k-anonymous rows leave the app."""


def whole_table(model):
    """Every row of `model`, bypassing the need-to-know scope (the caller returns only aggregates)."""
    return model.objects.system()  # whole table: aggregates for analysts, never a row
