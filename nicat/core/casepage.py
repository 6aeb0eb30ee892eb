"""The case page's rows, read once per request (issue 11, item 6; docs/performance.md).

The case page (`cases.selectors.case_page`) is drawn by a panel per app, and several of them show the
same rows: the timeline lists the notes, the route, the screenings, the referrals, the stays, the
services and the consents that the panels list too. Each app's selector reads its rows through
`once(case, user, key, load)`: on a case opened as a page (`open_page`), the first call reads and keeps
the rows on the case object, the following ones answer from them; everywhere else (the API, a form's
page, a service) `load()` runs as before. The rows are exactly what the selector gives — read through
the app's scoped manager (`visible_to(user)`) — so a panel shows the same whether it read or reused them.

A query set is kept evaluated (`len()`): iterating it again, `len`, `bool`, `count()` and slicing answer
from memory; a further `.filter()` still asks the database. This layer imports no other Nicat app."""
from django.db.models import QuerySet

_ATTR = "_nicat_page_rows"


def open_page(case, user):
    """From now on, reads of `case`'s rows for `user` are kept on `case` (this request's object)."""
    case.__dict__[_ATTR] = (getattr(user, "pk", None), {})
    return case


def is_page(case, user):
    """Whether `case` was opened as a page for `user` (its panels reuse each other's rows)."""
    held = getattr(case, "__dict__", {}).get(_ATTR)
    return held is not None and held[0] == getattr(user, "pk", None)


def once(case, user, key, load):
    """`load()`, run once per `key` on a case opened as a page for `user`, every time elsewhere."""
    if not is_page(case, user):
        return load()
    rows = case.__dict__[_ATTR][1]
    if key not in rows:
        found = load()
        if isinstance(found, QuerySet):
            len(found)  # evaluated now: whoever reads it next is answered from memory
        rows[key] = found
    return rows[key]
