"""The one access policy: who may see and do what. Views, the API and selectors all ask here.

A case (and everything hanging off it) is visible to staff with a case-working role in the
institution that owns it, plus whatever the registered *grants* add (an accepted referral with
consent, a referral for identification, a break-glass opening …), minus whatever the registered
*restrictions* take away (an access-restriction order). Apps register their grants and
restrictions in `AppConfig.ready()`, so the rule stays in one place while the facts it rests on
live in the apps that own them:

    policy.register_case_grant(lambda user, institution_ids: Q(referrals__to_institution__in=...))
    policy.register_case_restriction(lambda user, institution_ids: Q(restriction_orders__active=True))

Analysts see aggregates only and administrators manage staff and institutions: neither sees a case.
A person is visible when one of their visible cases is, or their record was registered by the
user's institution.
"""
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.http import Http404

from nicat.access import sections as _sections
from nicat.accounts.models import CASE_ROLES, Membership, Role
from nicat.core import prepared
from nicat.core.models import pk_select_sql

_case_grants = []
_case_restrictions = []
_section_grants = []
_record_rules: dict = {}
_case_partners = []


def register_case_grant(fn):
    """`fn(user, institution_ids) -> Q | None` over Case: more cases this user may see through those of their
    institutions (`institutions_seeing` asks one at a time, so a grant opens a case to the institution it names —
    the receiver of a referral, the one a break-glass was opened for — not to the user's other ones)."""
    _case_grants.append(fn)
    return fn


def register_case_partners(fn):
    """`fn(case) -> iterable of institution ids`: the institutions that work on `case` besides its owner —
    the receiver of an active referral, the shelter where the person stays. Unlike a grant, it says nothing
    of a user: a user's break-glass opening or a coordinator's reach makes no institution a partner."""
    _case_partners.append(fn)
    return fn


def partner_institution_ids(case):
    """The institutions working on `case`: its owner and every registered partner (`register_case_partners`)."""
    ids = {case.owner_institution_id}
    for fn in _case_partners:
        ids.update(fn(case) or ())
    return ids


def register_case_restriction(fn):
    """`fn(user, institution_ids) -> Q | None` over Case: cases this user, working at `institution_ids`, may NOT
    see after all — judged by the roles they hold there (`institutions_seeing` asks one institution at a time)."""
    _case_restrictions.append(fn)
    return fn


def register_record_rule(label, fn):
    """`fn(user, institution_ids) -> Q | None` over the model `label` ("app.model"): more of its records
    this user may see than those of the cases they see — the parties to a referral, the staff of a
    facility, a user's own break-glass openings. Read by `scope`, so `visible_to` covers them."""
    _record_rules.setdefault(label, []).append(fn)
    return fn


def rule_table(model):
    """The whole table a rule of this policy is written over (a grant's subquery, a record rule):
    the rule itself is the scope, so it starts from all rows. Only the policy's rules call this."""
    return model.objects.system()


def register_section_grant(fn):
    """`fn(user, case, institution_ids) -> iterable of section codes | None`: the sections of `case` a grant opens
    to `user` working at `institution_ids` (some of their institutions, none of them the owner): a referral to one
    of them shares some, a break-glass opened for one of them all. The policy asks it one institution at a time and
    keeps of the answer what the user's roles held THERE see (`_case_sections`)."""
    _section_grants.append(fn)
    return fn


def memberships(user):
    """The user's active memberships, read once per user object (in a request: once per request,
    as `request.user` is loaded afresh for each), with the institution and its kind."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = getattr(user, "_nicat_memberships", None)
    if cache is None:
        # user.active_memberships() with the institution's kind, composed once (nicat.core.prepared).
        cache = prepared.fetch("access.memberships", _memberships_of, slots={"user_id": _MEMBERSHIP_USER},
                               values={"user_id": user.pk})
        user._nicat_memberships = cache
    return cache


_MEMBERSHIP_USER = prepared.Slot(Membership._meta.get_field("user"))


def _memberships_of(user_id):
    return Membership.objects.filter(user_id=user_id).in_effect().select_related("institution__kind").order_by("pk")


def _memo(user):
    """What the policy derived from the user's memberships, kept beside them: clearing
    `user._nicat_memberships` (a new request, or a test that changed the memberships) clears it."""
    current = memberships(user)
    memo = getattr(user, "_nicat_policy_memo", None)
    if memo is None or memo[0] is not current:
        memo = (current, {})
        try:
            user._nicat_policy_memo = memo
        except AttributeError:  # pragma: no cover - a user object that takes no attributes
            pass
    return memo[1]


def signature(user):
    """Everything about `user` that the rules of this policy (and the grants and restrictions apps
    register) may read: the user's own flags and every column of each active membership, its
    institution and the institution's kind. Two requests with the same signature get the same
    access rule, so a query the rule shapes may be compiled once per signature
    (`nicat.core.prepared`); a changed membership, role or institution flag is a new signature."""
    memo = _memo(user)
    if "signature" not in memo:
        parts = [(user.pk, user.is_active, user.is_superuser, user.is_staff)]
        for m in memberships(user):
            institution = m.institution
            kind = institution.kind if institution.kind_id is not None else None
            parts.append(tuple(_row(obj) for obj in (m, institution, kind)))
        memo["signature"] = tuple(parts)
    return memo["signature"]


def _row(obj):
    if obj is None:
        return None
    return tuple(_hashable(getattr(obj, f.attname)) for f in obj._meta.concrete_fields)


def _hashable(value):
    try:
        hash(value)
    except TypeError:  # a JSON column
        return repr(value)
    return value


def roles(user):
    memo = _memo(user)
    if "roles" not in memo:
        memo["roles"] = frozenset(m.role for m in memberships(user))
    return set(memo["roles"])


def has_role(user, *wanted):
    return bool(roles(user) & set(wanted))


def has_role_at(user, role, institution):
    return any(m.role == role and m.institution_id == institution.pk for m in memberships(user))


def case_institution_ids(user):
    """Institutions whose cases `user` works on (through a case-working role)."""
    memo = _memo(user)
    if "case_institution_ids" not in memo:
        memo["case_institution_ids"] = frozenset(m.institution_id for m in memberships(user) if m.role in CASE_ROLES)
    return set(memo["case_institution_ids"])


def can_work_on_cases(user):
    return bool(case_institution_ids(user))


def acting_institution(user, institution=None, case=None):
    """The institution on whose behalf `user` acts: the given one if the user works there; on `case`, the one
    through which they see it (`institution_on`: the owner first); else the first where they work."""
    ids = case_institution_ids(user)
    if institution is not None:
        return institution if institution.pk in ids else None
    if case is not None:
        on = institution_on(user, case)
        if on is not None:
            return on
    for m in memberships(user):
        if m.role in CASE_ROLES:
            return m.institution
    return None


def institutions_seeing(user, case):
    """The user's institutions through which `case` is visible to them: the owner when they work there, and each
    other one a registered grant opens the case to (an accepted referral to it, the person's stay there …), unless
    a registered restriction keeps it from the roles they hold there (an order that names none of them). A role
    counts on the case only where it is held at one of them (`roles_on`): a case-working role at an unrelated NGO
    opens nothing more of a case the user sees as a clinic's doctor. The caller has checked that the case is
    visible."""
    memo = _memo(user).setdefault("institutions_seeing", {})
    if case.pk not in memo:
        ids = case_institution_ids(user)
        if len(ids) == 1:
            seeing = set(ids)  # a visible case of a user of one institution is seen through it
        else:
            seeing = set()
            for institution_id in sorted(ids):
                through = rule_table(case_model()).filter(pk=case.pk).filter(seen_through_q(user, institution_id))
                for denied in _restriction_filters(user, {institution_id}):
                    through = through.exclude(denied)
                if through.exists():
                    seeing.add(institution_id)
        memo[case.pk] = frozenset(seeing)
    return set(memo[case.pk])


def seen_through_q(user, institution_id):
    """A Q over Case: the cases `user` sees through `institution_id`, one of their institutions, before any
    restriction — it owns them, or a registered grant opens them to it."""
    allowed = Q(owner_institution_id=institution_id)
    for grant in _case_grants:
        extra = grant(user, {institution_id})
        if extra is not None:
            allowed |= extra
    return allowed


def institution_on(user, case):
    """The institution on whose behalf `user` works on `case` (which they see): the owner when they work there, else
    the first through which they see it (`institutions_seeing`); None when none. What they record on the case, and
    its trail event, name it — never another institution of theirs that does not see the case."""
    seeing = institutions_seeing(user, case)
    if not seeing:
        return None
    return _institution_of(user, case.owner_institution_id if case.owner_institution_id in seeing else min(seeing))


def institution_seeing_section(user, case, section):
    """The institution on whose behalf `user` works on `section` of `case` (which they see): the owner when a role
    they hold there sees it, else the first institution through which they see the case whose roles there see the
    section and whose grants open it; None when none does. What they record there is that institution's."""
    through = _sections_through(user, case)
    owner = case.owner_institution_id
    for institution_id in [owner, *sorted(set(through) - {owner})]:
        if section in through.get(institution_id, ()):
            return _institution_of(user, institution_id)
    return None


def _institution_of(user, institution_id):
    return next(m.institution for m in memberships(user) if m.institution_id == institution_id)


def roles_on(user, case):
    """The roles `user` holds at the institutions through which they see `case` (`institutions_seeing`)."""
    seeing = institutions_seeing(user, case)
    return {m.role for m in memberships(user) if m.institution_id in seeing}


def case_filter_parts(user):
    """The parts of `case_filter`, each a Q over Case: the cases of the user's institutions, then each
    registered grant's (empty when the user works on no cases). Each part alone can be read by an index;
    their OR cannot. Composed once per user object and second, as `_visible_case_ids` (the dashboard asked for them
    seven times: a seventh of its CPU); a Q is never changed by the queries it is given to."""
    return list(_per_second(user, "case_filter_parts", lambda: _case_filter_parts(user)))


def _case_filter_parts(user):
    ids = case_institution_ids(user)
    if not ids:
        return []
    parts = [Q(owner_institution_id__in=ids)]
    for grant in _case_grants:
        extra = grant(user, ids)
        if extra is not None:
            parts.append(extra)
    return parts


def case_filter(user):
    """A Q over Case of what `user` may see, or None when nothing."""
    parts = case_filter_parts(user)
    if not parts:
        return None
    allowed = parts[0]
    for part in parts[1:]:
        allowed |= part
    return allowed


def _restriction_filters(user, institution_ids=None):
    """The registered restrictions' Qs for `user` working at `institution_ids` (by default all their institutions)."""
    if institution_ids is None:
        return list(_per_second(user, "restriction_filters",
                                lambda: _restriction_filters(user, case_institution_ids(user))))
    ids = set(institution_ids)
    return [q for q in (restriction(user, ids) for restriction in _case_restrictions) if q is not None]


def case_model():
    """The Case model, by name like a ForeignKey("cases.Case"): access and audit sit below the domain
    apps and import none of them."""
    return apps.get_model("cases", "Case")


def person_model():
    return apps.get_model("persons", "Person")


def visible_cases(user):
    return _apply_case_rule(rule_table(case_model()), user)


def _apply_case_rule(queryset, user):
    """`queryset` (over Case) narrowed to the cases `user` may see."""
    allowed = case_filter(user)
    if allowed is None:
        return queryset.none()
    qs = queryset.filter(allowed)
    for denied in _restriction_filters(user):
        qs = qs.exclude(denied)
    return qs


def count_visible_cases(user, narrow=None):
    """How many cases `visible_cases(user)` holds (narrowed by `narrow`, a function of a Case queryset: the
    list's filters), counted as the union of the rule's parts (`case_filter_parts`), each without the cases a
    restriction takes away: the same number, but each part is read from an index, where the OR of them made
    PostgreSQL test the rule on every case of the registry (140 ms at 1,000,000 cases)."""
    parts = case_filter_parts(user)
    if not parts:
        return 0
    denied = _restriction_filters(user)
    counted = []
    for part in parts:
        qs = rule_table(case_model()).filter(part)
        if narrow is not None:
            qs = narrow(qs)
        for q in denied:
            qs = qs.exclude(q)
        counted.append(qs.order_by().values("pk"))
    return counted[0].union(*counted[1:]).count() if len(counted) > 1 else counted[0].count()


def restricted_cases(user):
    """Cases a registered restriction (an access-restriction order …) takes away from `user`."""
    denied = _restriction_filters(user)
    if not denied:
        return case_model().objects.none()
    combined = denied[0]
    for q in denied[1:]:
        combined |= q
    return rule_table(case_model()).filter(combined)


def case_path(model):
    """How `model` reaches its case: its `case_path` attribute ("pk" for the case itself, "case", or a
    longer lookup such as "referral__case"), or "case" for a model with a `case` field; None otherwise."""
    path = getattr(model, "case_path", None)
    if path is None and hasattr(model, "case"):
        path = "case"
    return path


def scope(queryset, user):
    model = queryset.model
    label = model._meta.label_lower
    if label == "hotline.contact":
        # A hotline contact is not case data: its own hotline's operators and supervisors, no one else.
        from nicat.access.predicates import hotline_institution_ids

        return queryset.filter(institution_id__in=hotline_institution_ids(user))
    if not case_institution_ids(user):
        return queryset.none()
    if label == "cases.case":
        # The rule itself rather than `pk IN (the rule)`: the same rows, one level less of SQL to
        # compose on every case read.
        return _apply_case_rule(queryset, user)
    case_ids = _visible_case_ids(user)
    path = case_path(model)
    if label == "persons.person":
        # A person whose case is under a restriction that covers this user is hidden too, even
        # from the institution that registered them: the order is about their identity.
        # EXISTS, one index probe per person asked about, rather than `pk IN (the person ids of every
        # visible case)`: PostgreSQL scanned that list once per person when it would not fit in memory
        # (an institution with 20,000 cases in a registry of 1,000,000: 10 s to check 2,000 persons).
        return queryset.filter(Q(registered_by_institution_id__in=case_institution_ids(user)) |
                               Exists(visible_cases(user).filter(person_id=OuterRef("pk")))).exclude(
            pk__in=restricted_cases(user).values("person_id"))
    rules = _record_rules.get(label, ())
    if path or rules:
        # a record that hangs off no case (a duplicate signal …) is visible by its record rules alone
        allowed = Q(**{f"{path}__in": case_ids}) if path else Q(pk__in=[])
        for rule in rules:
            extra = rule(user, case_institution_ids(user))
            if extra is not None:
                allowed |= extra
        return queryset.filter(allowed)
    raise NotImplementedError(f"No access rule for {label}")


def _visible_case_ids(user):
    """`visible_cases(user).values("pk")`, composed and compiled to SQL once per user object and second (a page
    scopes some thirty kinds of records through it). Composing the rule each time was a quarter of the case page's
    CPU; compiling it again inside each of those queries was another third (`_compiled`). The SQL is run
    again by each query that uses it, so a grant given or ended is seen at once; the second bounds how long the
    time in the rule (an expiring consent or break-glass) is that of its composition."""
    return _per_second(user, "visible_case_ids", lambda: _compiled(visible_cases(user).values("pk")))


def _per_second(user, name, build):
    """`build()`, kept beside the user's memberships (`_memo`: a new request or changed memberships start afresh) for
    the rest of the current second: the time a rule's composition reads (an expiring consent or break-glass) is
    at most a second old. What the rule asks of the database is asked again by every query that uses it."""
    from django.utils import timezone

    memo = _memo(user)
    second = int(timezone.now().timestamp())
    held = memo.get(name)
    if held is None or held[0] != second:
        held = (second, build())
        memo[name] = held
    return held[1]


def _compiled(queryset):
    """`queryset` as the SQL it compiles to, for `… IN (<it>)` in other queries: the same statement and parameters,
    without Django cloning, resolving and compiling the rule's subqueries again inside every query that uses it (on
    the case page some twenty queries, each with the rule's grants as nested subqueries; 35 % of the page's CPU).
    A rule that can match nothing stays the queryset: Django leaves such a query out rather than compiling it."""
    compiled = pk_select_sql(queryset)
    return queryset if compiled is None else RawSQL(*compiled)


def get_visible_or_404(manager, user, **lookup):
    """The object if `user` may see it, else 404, so that existence does not leak."""
    try:
        obj = manager.visible_to(user).get(**lookup)
    except (manager.model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if obj._meta.label_lower == "cases.case":
        note_case_visible(user, obj)
    return obj


def note_case_visible(user, case):
    """Remember, for the rest of the request, that `case` was just read through
    `Case.objects.visible_to(user)`: `visible_sections` need not ask the database again."""
    _case_visibility(user)[case.pk] = True


def learn_case_visibility(user, case_ids):
    """Whether `user` may see each of the cases `case_ids`, asked in one query for those not known yet in this
    request: a list of records of many cases then finds each one's sections without a query per case."""
    visible = _case_visibility(user)
    unknown = {pk for pk in case_ids if pk is not None and pk not in visible}
    if unknown:
        seen = set(visible_cases(user).filter(pk__in=unknown).values_list("pk", flat=True))
        for pk in unknown:
            visible[pk] = pk in seen


def case_visible(user, case):
    """Whether `user` may see `case` (`visible_cases(user)`), asked of the database once per request and case:
    a list that asks it of each of its rows (learn_case_visibility answered them all at once) asks nothing more."""
    visible = _case_visibility(user)
    if case.pk not in visible:
        visible[case.pk] = visible_cases(user).filter(pk=case.pk).exists()
    return visible[case.pk]


def _case_visibility(user):
    memo = _memo(user)
    return memo.setdefault("case_visible", {})


def is_analyst(user):
    return has_role(user, Role.ANALYST)


# --- Sections of a visible case, by role -------------------------------------------------------
#
# Seeing a case does not mean seeing all of it (nicat.access.sections: the codes, the roles that see
# each section and the fields each holds). Apps that add a section to the case page wrap it in
# `{% load access %}{% can_see_section case "medical" as show %}{% if show %}…{% endif %}` and
# check `policy.can_see_section(user, case, "medical")` in their views and API.

SECTIONS = _sections.CODES        # the names other modules have used; sections.py is the definition
SECTION_ROLES = _sections.ROLES


def is_law_enforcement(institution):
    kind = getattr(institution, "kind", None)
    return bool(institution.is_competent_authority or (kind is not None and kind.code == "law_enforcement"))


def visible_sections(user, case=None):
    """The sections of `case` that `user` may see (none when the case itself is not visible)."""
    # Computed once per user object and case (a request asks many times: the template, each
    # panel, the serializer); the memo goes with the memberships it was derived from.
    memo = _memo(user)
    if "role_sections" not in memo:
        memo["role_sections"] = frozenset(_role_sections(user))
    if case is None:
        return set(memo["role_sections"])
    by_case = memo.setdefault("case_sections", {})
    if case.pk not in by_case:
        by_case[case.pk] = frozenset(_case_sections(user, case, memo["role_sections"]))
    return set(by_case[case.pk])


def _role_sections(user, institution_id=None):
    """The sections the user's case-working roles see — at every institution, or at `institution_id` only."""
    sections = set()
    for m in memberships(user):
        if m.role not in CASE_ROLES or (institution_id is not None and m.institution_id != institution_id):
            continue
        for section, allowed in _sections.ROLES.items():
            law_enforcement_only = (section in _sections.LAW_ENFORCEMENT_ONLY
                                    or m.role in _sections.LAW_ENFORCEMENT_ROLES.get(section, ()))
            if m.role in allowed and (not law_enforcement_only or is_law_enforcement(m.institution)):
                sections.add(section)
    return sections


def _case_sections(user, case, role_sections):
    if not case_visible(user, case):
        return set()
    ids = case_institution_ids(user)
    owner = case.owner_institution_id
    if owner in ids:
        # At the owner institution, what the user's roles THERE see: a role held at another institution (a
        # supervisor elsewhere) opened the owner's security measures to a case worker (found by a review).
        own = _sections_at(user, owner)
        if not set(role_sections) - own:
            return own  # nothing more to find (the usual user: one institution; no grant is asked)
    return set().union(*_sections_through(user, case).values())


def _sections_through(user, case):
    """{institution id: the sections of `case` (which the user sees) seen through it}, memoised per case: through
    each institution that sees the case, what the user's roles held there see, within what the grants to that
    institution open (the owner's roles see the whole case). A role held at an unrelated institution opens nothing:
    a clinic's doctor who is also a case worker at another NGO reads what a doctor reads."""
    memo = _memo(user).setdefault("sections_through", {})
    if case.pk not in memo:
        memo[case.pk] = {
            institution_id: frozenset(_sections_at(user, institution_id) if institution_id == case.owner_institution_id
                                      else _sections_at(user, institution_id) & _granted(user, case, {institution_id}))
            for institution_id in institutions_seeing(user, case)}
    return memo[case.pk]


def _granted(user, case, institution_ids):
    granted = set()
    for grant in _section_grants:
        granted.update(grant(user, case, institution_ids) or ())
    return granted


def _sections_at(user, institution_id):
    """The sections of the user's roles at one institution (memoised beside the memberships)."""
    at = _memo(user).setdefault("sections_at", {})
    if institution_id not in at:
        at[institution_id] = frozenset(_role_sections(user, institution_id))
    return set(at[institution_id])


def institutions_with_section(user, section):
    """The user's institutions where a case-working role they hold THERE sees `section`: on those institutions'
    own cases the section is open to them (`visible_sections`); a role held elsewhere opens nothing there."""
    return {i for i in case_institution_ids(user) if section in _sections_at(user, i)}


def section_q(user, section, cases):
    """A Q over Case: those of `cases` — a queryset of cases read through `visible_to(user)` — of which `user`
    sees `section`. The cases of an institution where a role the user holds THERE sees it
    (`institutions_with_section`) in one condition; of the rest (another of their institutions, a referral, a
    break-glass opening…) those the policy opens the section of, case by case. A police role held at one
    institution opens nothing of another institution's own case; lists and figures ask this, as the case page
    asks `can_see_section`."""
    if section not in visible_sections(user):
        return Q(pk__in=[])
    own = institutions_with_section(user, section)
    granted = []
    for case in cases.exclude(owner_institution_id__in=own).order_by("pk"):
        note_case_visible(user, case)  # read through visible_to: no second look-up per case
        if can_see_section(user, case, section):
            granted.append(case.pk)
    return Q(owner_institution_id__in=own) | Q(pk__in=granted)


def can_see_section(user, case, section):
    if section not in _sections.ROLES:
        raise ValueError(f"Unknown case section {section!r}; known: {', '.join(_sections.CODES)}")
    return section in visible_sections(user, case)


def person_sections(user, person):
    """Sections of a person's record `user` may see: all their roles at the institution that registered the
    person allow, otherwise the union over the person's cases they may see."""
    if person.registered_by_institution_id in case_institution_ids(user):
        return _sections_at(user, person.registered_by_institution_id)
    sections = set()
    for case in visible_cases(user).filter(person_id=person.pk):
        sections |= visible_sections(user, case)
    return sections


# --- Writes: the sections of every field a change touches (issue 14) ------------------------------
#
# Seeing a record in part must not mean writing all of it: a change is allowed field by field, each
# field in the section that holds it. Pages and API call the services; the services ask here.

def _section_labels():
    from django.utils.translation import gettext_lazy as _

    return {
        "identity": _("identity (names, birth, gender, citizenship, languages, documents)"),
        "contacts": _("contacts (phone, e-mail, address)"),
        "narrative": _("what happened (summary, route, notes)"),
        "medical": _("health needs and treatment"),
        "investigation": _("criminal investigation"),
        "hearings": _("court hearings (dates, court, the victim's appearances)"),
        "return": _("return (travel documents, consular help, reception)"),
        "security": _("security measures"),
        "relatives": _("relatives and helpers at risk"),
    }


def section_label(section):
    return str(_section_labels().get(section, section))


# The fields each write touches, by section: defined once in access/sections.py.
PERSON_SECTION_FIELDS = _sections.WRITE_FIELDS["persons.person"]
CASE_SECTION_FIELDS = _sections.WRITE_FIELDS["cases.case"]


class Refused(PermissionDenied):
    """A refusal the user is told about (403 with `user_message`): the object is visible, the act is not allowed."""

    def __init__(self, message):
        self.user_message = message
        super().__init__(message)


class SectionNotAllowed(Refused):
    def __init__(self, section):
        from django.utils.translation import gettext as _

        self.section = section
        super().__init__(_("You may not see the section “%(section)s” of this record, so you cannot change it "
                           "either. Ask the institution that owns the case.") % {
            "section": section_label(section)})


def require_section(user, case, section):
    """Refuse (403 naming the section) unless `user` may see `section` of the visible `case`."""
    if not can_see_section(user, case, section):
        raise SectionNotAllowed(section)


def require_person_fields(user, person, fields):
    """`user` may change these fields of `person`: the person is visible (else NotAllowed → 404) and
    every field's section is one they may see (else SectionNotAllowed → 403 naming it)."""
    from nicat.core.errors import NotAllowed
    Person = apps.get_model("persons", "Person")

    if not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        raise NotAllowed
    sections = person_sections(user, person)
    for section, held in PERSON_SECTION_FIELDS.items():
        if section not in sections and set(held) & set(fields):
            raise SectionNotAllowed(section)


def require_case_fields(user, case, fields):
    """As require_person_fields, for the fields of a case."""
    from nicat.core.errors import NotAllowed

    if not visible_cases(user).filter(pk=case.pk).exists():
        raise NotAllowed
    for section, held in CASE_SECTION_FIELDS.items():
        if set(held) & set(fields) and not can_see_section(user, case, section):
            raise SectionNotAllowed(section)


def sees_person_in_full_at_home(user, person):
    """`user` sees `person` in full through their own institution: it registered the person, or it owns
    one of the person's cases that `user` may see. Only then may `user` name the person in a new case;
    a referral or a break-glass opening is access to one case, not to the person."""
    Person = apps.get_model("persons", "Person")

    own = case_institution_ids(user)
    if not own or not Person.objects.visible_to(user).filter(pk=person.pk).exists():
        return False
    if person.registered_by_institution_id in own:
        return True
    return visible_cases(user).filter(person_id=person.pk, owner_institution_id__in=own).exists()


def persons_under_restriction(user):
    """Ids of persons with a case under a restriction (an order in force) that covers `user`: they are
    never revealed to `user`, not even as "known elsewhere"."""
    return restricted_cases(user).values("person_id")


def visible_person_ids(user, person_ids, *, among_persons=None):
    """The ids among `person_ids` of the persons `user` may see — the same persons as
    `Person.objects.visible_to(user)` (and `among_persons`, an unscoped queryset of persons narrowing
    them further), for thousands of ids at once: the registering institution from the persons' rows,
    then the visible cases of the rest through the cases' person index, then the restrictions — a
    probe per person asked about. Asking `visible_to(user).filter(pk__in=ids)` let PostgreSQL hash the
    person ids of every visible case instead: a pass over the whole case table on every name search
    (100,000 cases: 20-230 ms; 1,000,000: ten times that)."""
    from nicat.core.models import among

    Person = person_model()
    ids = list(person_ids)
    own = case_institution_ids(user)
    if not ids or not own:
        return set()
    base = among_persons if among_persons is not None else rule_table(Person)
    rows = base.filter(among(Person, "id", ids)).values_list("pk", "registered_by_institution_id")
    seen, rest = set(), []
    for pk, institution in rows:
        (seen.add(pk) if institution in own else rest.append(pk))
    if rest:
        Case = case_model()
        seen.update(visible_cases(user).filter(among(Case, "person_id", rest)).order_by()
                    .values_list("person_id", flat=True))
    if seen:
        Case = case_model()
        seen -= set(restricted_cases(user).filter(among(Case, "person_id", seen)).order_by()
                    .values_list("person_id", flat=True))
    return seen


def person_id_sources(user):
    """Querysets of person ids (one column each) whose union holds every person `user` may see: those their
    institutions registered, those of the cases they own, those of each grant's cases — the rule of
    `Person.objects.visible_to` taken apart so that an index answers each part (cases migration 0006, persons
    migration 0006). A superset: a restriction order still hides some of them, so what is shown is decided
    by `visible_person_ids`. The name search narrows the holders of a common name with it before asking."""
    ids = case_institution_ids(user)
    if not ids:
        return []
    Case = case_model()
    return ([rule_table(person_model()).filter(registered_by_institution_id__in=ids).values("pk")]
            + [rule_table(Case).filter(part).values("person_id") for part in case_filter_parts(user)])


def persons_with_section(user, person_ids, section):
    """Of the persons `person_ids` (visible to `user`), those of whom `user` may see `section`: what their roles
    at an institution allow where it registered the person or owns one of their cases, else what the
    grants of the person's visible cases open (a referral sharing only "medical" shows no name)."""
    Person = apps.get_model("persons", "Person")

    from nicat.core.models import among

    ids = set(person_ids)
    if not ids or section not in visible_sections(user):
        return set()
    own = [i for i in case_institution_ids(user) if section in _sections_at(user, i)]  # the roles held there
    Case = case_model()
    # ids as one array (core.models.among): a name search asks about up to a thousand persons
    allowed = set(rule_table(Person).filter(among(Person, "id", ids), registered_by_institution_id__in=own)
                  .values_list("pk", flat=True))
    if not ids - allowed:
        return allowed
    allowed |= set(visible_cases(user).filter(among(Case, "person_id", ids - allowed), owner_institution_id__in=own)
                   .values_list("person_id", flat=True))
    for case in visible_cases(user).filter(among(Case, "person_id", ids - allowed)).order_by("pk"):
        if case.person_id not in allowed and section in visible_sections(user, case):
            allowed.add(case.person_id)
    return allowed
