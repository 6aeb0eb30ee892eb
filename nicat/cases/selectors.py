"""Reads of cases, always through the access policy."""
import functools

from django.db import connection
from django.db.models import QuerySet

from nicat.access import policy
from nicat.access.services import case_named
from nicat.audit import services as audit
from nicat.cases.models import Case, CaseNote, TraffickingEvent
from nicat.core import casepage, prepared
from nicat.core.errors import NotAllowed
from nicat.core.reads import Reads, as_uuid
from nicat.vocab.models import Term

LIST_M2M = ("exploitation_forms",)
# The vocabulary terms a case and its person carry (many-to-many to vocab.Term).
CASE_TERMS = ("acts", "means", "exploitation_forms", "recruitment_channels", "risk_factors", "countries_of_origin",
              "countries_of_recruitment", "countries_of_exploitation")
PERSON_TERMS = ("citizenships", "languages")
# What a case read shows besides the case row: one JOIN, no further query per relation.
DETAIL_RELATED = ("person", "person__gender", "person__registered_by_institution", "owner_institution",
                  "status_decided_by")


def case_list(*, user, **filters):
    qs = Case.objects.visible_to(user).select_related("owner_institution").prefetch_related(*LIST_M2M)
    return _filtered(qs, **filters).order_by("-first_contact_at", "-id")


def case_count(*, user, **filters):
    """The number of cases `case_list` lists for the same filters, counted part by part of the access rule
    (policy.count_visible_cases)."""
    return policy.count_visible_cases(user, narrow=lambda qs: _filtered(qs, **filters))


def _filtered(qs, status=None, trafficking_status=None, exploitation=None, opened_from=None, opened_to=None,
              reference=None):
    if status:
        qs = qs.filter(status=status)
    if trafficking_status:
        qs = qs.filter(trafficking_status=trafficking_status)
    if exploitation:
        qs = qs.filter(exploitation_forms=exploitation)
    if opened_from:
        qs = qs.filter(first_contact_at__date__gte=opened_from)
    if opened_to:
        qs = qs.filter(first_contact_at__date__lte=opened_to)
    if reference:
        ref = reference.strip().upper()
        if ref.isdigit():  # "123" finds NCT-2026-000123
            qs = qs.filter(reference__endswith="-" + ref.zfill(6))
        elif case_named(ref) is not None:
            # a whole reference, as printed on a paper: the unique index answers (a part of one is looked for
            # in every reference, which took seconds in a registry of 1,000,000 cases)
            qs = qs.filter(reference=ref)
        else:
            qs = qs.filter(reference__contains=ref)
    return qs


def case_detail(*, user, case_uuid, purpose="", details=None):
    """The case for its page or API read, with its person and every vocabulary term both carry
    loaded (three queries); the read of identifying data is audited (one more). 404 when the
    case does not exist or `user` may not see it, so that existence does not leak."""
    return CASES.get_or_404(user, case_uuid, channel=None, reason=purpose, **(details or {}))


class CaseReads(Reads):
    """The one read path of cases (pages and API). A read is `visible_case` (the policy's query composed once
    per signature), the visibility noted for the rest of the request (no second check for the sections),
    and the terms of the case and its person in one query; `case.view` names the case (`details` as the
    caller gives them: the API's channel, nothing for the page). A list is recorded for the acting
    institution and names the cases and the persons it showed."""

    def case_of(self, obj):
        return obj

    def get(self, user, uuid, *, channel="page", audit=True, queryset=None, reason="", terms=True, **details):
        """As `Reads.get`; `queryset` (the API's filters, for a change) is searched instead when given;
        `terms=False` for a case only checked (its notes, its route), not shown."""
        key = as_uuid(uuid)
        if queryset is not None:
            case = queryset.filter(uuid=key).first() if key else None
        else:
            case = visible_case(user, key) if key else None
            if case is not None:
                policy.note_case_visible(user, case)
                if terms:
                    load_terms([case])
        if case is None:
            raise NotAllowed
        if audit:
            self.viewed(user, case, channel=channel, reason=reason, **details)
        return case

    def viewed(self, user, obj, *, channel="page", reason="", **details):
        details = {"channel": channel, **details} if channel else details
        audit.record(actor=user, action=self.view_action, obj=obj, case=obj, reason=reason, details=details or None)

    def acting(self, user, obj=None):
        return policy.acting_institution(user) if obj is None else None

    def listed_from_query(self, user, records):
        """The cases of a list came through `query` (`Case.objects.visible_to(user)`): noted as visible, so
        that the sections each one shows are not asked of the database case by case."""
        for case in records:
            policy.note_case_visible(user, case)

    def named(self, records):
        return {"cases": [str(c.uuid) for c in records],
                "persons": sorted({str(c.person.uuid) for c in records if c.person_id})}


CASES = CaseReads(Case, "case", related=DETAIL_RELATED,
                  prefetch=(*CASE_TERMS, *(f"person__{name}" for name in PERSON_TERMS)), case_path="pk",
                  order=("-first_contact_at", "-id"))


def list_shown(*, user, cases, channel):
    """Record that `user` was shown this page of the case list (`case.list`, the cases' ids; the persons are
    not loaded for a list that does not show them)."""
    audit.record(actor=user, action="case.list", institution=policy.acting_institution(user),
                 details={"channel": channel, "shown": len(cases), "cases": [str(case.uuid) for case in cases]})


def edit_shown(*, user, case, person=False):
    """The edit form of `case` (or, `person=True`, of its person) was shown filled with the stored, decrypted
    values: a read like any other (`case.view`, `person.view`), naming the case and the form."""
    if person:
        audit.record(actor=user, action="person.view", obj=case.person, case=case,
                     details={"form": "edit"})
    else:
        CASES.viewed(user, case, channel=None, form="edit")


def notes_shown(*, user, case, channel):
    """The notes of `case` (one `user` may see, its narrative section checked), their read recorded
    (`note.list`)."""
    audit.record(actor=user, action="note.list", obj=case, case=case, details={"channel": channel})
    return case_notes(user=user, case=case)


def route_shown(*, user, case, channel):
    """The trafficking events of `case` (its route), their read recorded (`event.list`)."""
    audit.record(actor=user, action="event.list", obj=case, case=case, details={"channel": channel})
    return case_events(user=user, case=case)


_CASE_UUID = prepared.Slot(Case._meta.get_field("uuid"))


def visible_case(user, case_uuid):
    """`Case.objects.visible_to(user).select_related(*DETAIL_RELATED).get(uuid=case_uuid)`, or None:
    the same SQL, composed once per access-policy signature of the user (nicat.core.prepared)
    instead of on every read — composing the rule's subqueries and the joins cost more CPU than
    the rest of the read."""
    def build(uuid):
        return Case.objects.visible_to(user).select_related(*DETAIL_RELATED).filter(uuid=uuid)[:1]

    found = prepared.fetch(("cases.visible_case", policy.signature(user)), build, slots={"uuid": _CASE_UUID},
                           values={"uuid": case_uuid}, now=True)
    return found[0] if found else None


def load_terms(cases):
    """Fill the many-to-many vocabulary terms of `cases` and of their persons in ONE query (a
    UNION ALL over the link tables) instead of one per relation, as `prefetch_related` would:
    afterwards `case.acts.all()`, `case.person.citizenships.all()` … read from memory.

    The SQL is written out here, not composed with the ORM: composing ten querysets into a union
    costs more CPU than the database spends answering it."""
    cases = [c for c in cases if c is not None]
    if not cases:
        return cases
    persons = {c.person_id: c.person for c in cases if c.person_id and Case.person.is_cached(c)}
    sql, term_fields = _terms_sql(len(cases), len(persons), connection.vendor)
    params = []
    for names, ids in ((CASE_TERMS, [c.pk for c in cases]), (PERSON_TERMS, list(persons))):
        if ids:
            for name in names:
                params += [name, *ids]
    found = {}
    with prepared.cursor(connection.alias) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    db = connection.alias
    for relation, owner_id, *values in rows:
        found.setdefault((relation, owner_id), []).append(_term(db, term_fields, values))
    key = _term_order
    for case in cases:
        for name in CASE_TERMS:
            _fill(case, name, sorted(found.get((name, case.pk), ()), key=key))
    for person_id, person in persons.items():
        for name in PERSON_TERMS:
            _fill(person, name, sorted(found.get((name, person_id), ()), key=key))
    return cases


@functools.lru_cache(maxsize=32)
def _terms_sql(n_cases, n_persons, vendor):
    """(sql, Term attnames) of the union for `n_cases` cases and `n_persons` persons; the
    parameters are, per relation, its name then the owner ids.

    The link tables are united first and the terms joined once: joined per relation, PostgreSQL read
    the whole (small) term table once for each of the ten relations, most of the read's database time
    (docs/performance.md, "The database's share of a read")."""
    qn = connection.ops.quote_name
    term_fields = [f.attname for f in Term._meta.concrete_fields]
    columns = ", ".join(f"t.{qn(f.column)}" for f in Term._meta.concrete_fields)
    person_model = Case._meta.get_field("person").related_model
    parts = []
    for model, names, n in ((Case, CASE_TERMS, n_cases), (person_model, PERSON_TERMS, n_persons)):
        if not n:
            continue
        for name in names:
            field = model._meta.get_field(name)
            through = field.remote_field.through._meta
            owner_col = through.get_field(field.m2m_field_name()).column
            term_col = through.get_field(field.m2m_reverse_field_name()).column
            parts.append(
                f"SELECT CAST(%s AS TEXT) AS relation, {qn(owner_col)} AS owner_id, {qn(term_col)} AS term_id "
                f"FROM {qn(through.db_table)} WHERE {qn(owner_col)} IN ({', '.join(['%s'] * n)})")
    links = " UNION ALL ".join(parts)
    return (f"SELECT x.relation, x.owner_id, {columns} FROM ({links}) x "
            f"JOIN {qn(Term._meta.db_table)} t ON t.{qn(Term._meta.pk.column)} = x.term_id"), term_fields


# Term objects already built, by their database and every column of their row. A read builds a term once per
# process and row, not once per read (nineteen per API case read in the demo world, 2-3 % of its CPU); a
# changed term is a new row, so an edit is read at once and the old object is never used again. The objects are
# shared by every thread and request of the process: nothing writes to a term read here (the vocabulary's
# service reads its own); a model without foreign keys keeps no per-request cache on its instance.
_TERMS: dict[tuple, Term] = {}
_TERMS_KEPT = 4096


def _term(db, fields, values):
    key = (db, *values)
    term = _TERMS.get(key)
    if term is None:
        if len(_TERMS) >= _TERMS_KEPT:
            _TERMS.clear()
        term = _TERMS[key] = Term.from_db(db, fields, values)
    return term


def _term_order(term):
    return (term.vocabulary, term.sort, term.code)  # Term.Meta.ordering


def _fill(instance, name, terms):
    """What prefetch_related leaves behind: the related manager answers from this list."""
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = _FilledTerms(Term, using=instance._state.db, owner=instance, relation=name, terms=terms)


_NOT_BUILT = object()


class _FilledTerms(QuerySet):
    """The terms of one relation of one record, already read: `all()`, iteration, `len`, `exists()` answer
    from them, as from prefetch_related's queryset. The filtered query itself (the relation's join and the
    owner's id) is composed only if something asks for it (a `.filter()` on the relation, say): composing
    it for every relation of every read cost a sixth of the API's case read and was never used there."""

    def __init__(self, model=None, query=None, using=None, hints=None, *, owner=None, relation=None, terms=None):
        self._owner, self._relation = owner, relation
        super().__init__(model=model, query=_NOT_BUILT if owner is not None else query, using=using, hints=hints)
        if owner is not None:
            self._result_cache = terms
            self._prefetch_done = True

    @property
    def query(self):
        if self._query is _NOT_BUILT:
            manager = getattr(self._owner, self._relation)
            built = manager._apply_rel_filters(super(type(manager), manager).get_queryset())
            self._query, self._hints, self._db = built.query, built._hints, built._db
        return QuerySet.query.fget(self)

    @query.setter
    def query(self, value):
        QuerySet.query.fset(self, value)

    def __deepcopy__(self, memo):
        self.query  # noqa: B018 - composed first: a copy must not carry the placeholder
        return super().__deepcopy__(memo)

    def __getstate__(self):
        self.query  # noqa: B018 - likewise for a pickled queryset
        return super().__getstate__()


def case_page(*, user, case_uuid):
    """The case for its page: the audited read of `case_detail` (404 when not visible), opened so that
    the page's panels read each of their rows once (nicat.core.casepage): the notes, the route, the
    screenings, the referrals … that both a panel and the timeline show are read once, not twice."""
    case = case_detail(user=user, case_uuid=case_uuid)
    return casepage.open_page(case, user)


def case_notes(*, user, case):
    return casepage.once(case, user, "cases.notes", lambda: CaseNote.objects.visible_to(user).filter(
        case=case).select_related("author"))


def case_events(*, user, case):
    return casepage.once(case, user, "cases.events", lambda: TraffickingEvent.objects.visible_to(user).filter(
        case=case).select_related("country"))
