"""Reading the audit trail (supervisor pages). Every read is scoped here."""
from django.db.models import Count, Max, Min, Q

from nicat.access import policy
from nicat.accounts.models import Membership, Role
from nicat.audit.models import AuditEvent


def supervisor_institution_ids(user):
    """Institutions where `user` holds an active supervisor membership (empty: not a supervisor)."""
    return {m.institution_id for m in policy.memberships(user) if m.role == Role.SUPERVISOR}


def is_supervisor(user):
    return bool(supervisor_institution_ids(user))


def trail_for(*, user):
    """Events a supervisor may browse: those done on behalf of their institutions, or by their staff."""
    ids = supervisor_institution_ids(user)
    if not ids:
        return AuditEvent.objects.none()
    staff = Membership.objects.filter(institution_id__in=ids).values("user_id")
    return (AuditEvent.objects.filter(Q(institution_id__in=ids) | Q(actor_id__in=staff))
            .select_related("institution", "actor").order_by("-sequence"))


def filter_trail(events, *, case_reference="", username="", action="", since=None, until=None):
    if case_reference:
        events = events.filter(case_reference=case_reference.strip().upper())
    if username:
        events = events.filter(actor_username=username.strip())
    if action:
        action = action.strip()
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    return events


# Reads of many records at once (lists, searches, duplicate checks, the comparison of a possible duplicate
# pair, exports): one event each, whose details name
# the uuids of the persons and cases it showed ({"persons": [...], "cases": [...]}). "Who accessed this
# record" looks for the record's uuid in them (a text match on these actions only; uuids are unique).
# Every `*.list` action counts, so another app's list that records the case uuids it showed is found too.
BULK_READ_ACTIONS = ("person.search", "person.duplicate_check", "cases.export", "relative.search", "duplicate.view",
                     "htcds.export", "audit.view")  # audit.view: the cases whose written reasons the trail showed
# Writes of many records at once, whose one event names the cases written: an HTCDS import creates each case
# (and its person, texts and proceedings) under one `htcds.import` event ({"case_uuids": [...]}), so the case's
# trail and its person's find their creation there.
BULK_WRITE_ACTIONS = ("htcds.import",)


def _shown_in_bulk(*uuids, since=None):
    """Bulk reads that showed any of `uuids` (none can have shown a record before `since`, its creation:
    the time index keeps the text match to the events after it)."""
    q = Q()
    for uuid in uuids:
        if uuid:
            q |= Q(details__contains=f'"{uuid}"')
    if not q:
        return Q(pk__in=[])
    q &= Q(action__in=BULK_READ_ACTIONS + BULK_WRITE_ACTIONS) | Q(action__endswith=".list")
    return q & Q(occurred_at__gte=since) if since is not None else q


def _case_q(case):
    """`case`: the case the caller holds (read through the access policy)."""
    Case = policy.case_model()
    case_rows, case_uuid = Case.objects.row(case), case.uuid
    row = case_rows.values("person__uuid", "person__created_at", "created_at").first() or {}
    since = min((t for t in (row.get("created_at"), row.get("person__created_at")) if t), default=None)
    person_uuid = str(row["person__uuid"]) if row.get("person__uuid") else ""
    # the events about the case's person too (a read or change of their record names the person, not a case);
    # not those naming another case of the person (another institution's, after a merge), as `person_trail`
    person = Q(object_type="persons.person", object_id=person_uuid, case_uuid__in=["", str(case_uuid)]) \
        if person_uuid else Q(pk__in=[])
    return Q(case_uuid=str(case_uuid)) | person | _shown_in_bulk(str(case_uuid), person_uuid, since=since)


def case_trail(*, case):
    """Every event about one case, newest first — bulk reads that showed the case or its person included.
    The caller has checked that the case is visible."""
    return (AuditEvent.objects.filter(_case_q(case)).select_related("institution", "actor")
            .order_by("-sequence"))


def case_accessors(*, case, limit=200):
    """Who touched the case: one row per person (never one per institution or per spelling), with their
    full name, the institutions they acted for, the number of events and the first and last time."""
    q = _case_q(case)
    rows = list(AuditEvent.objects.filter(q).order_by().values("actor_id")
                .annotate(events=Count("sequence"), first=Min("occurred_at"), last=Max("occurred_at"),
                          username=Max("actor_username"))
                .order_by("-last")[:limit])
    ids = [r["actor_id"] for r in rows if r["actor_id"]]
    acted_for = {}
    for actor_id, institution_id in (AuditEvent.objects.filter(q, actor_id__in=ids).exclude(institution=None)
                                     .order_by().values_list("actor_id", "institution_id").distinct()):
        acted_for.setdefault(actor_id, set()).add(institution_id)
    people = people_by_id(ids, acted_for)
    for row in rows:
        person = people.get(row["actor_id"], {})
        row["actor_username"] = row["username"]
        row["name"] = person.get("name") or row["username"]
        row["institutions"] = person.get("institutions", "")
    return rows


def people_by_id(user_ids, acted_for=None):
    """{user id: {"name": full name (or user name), "institutions": "A, B"}}: the institutions they acted for
    (`acted_for`: {user id: institution ids}), else those where they hold a role."""
    from django.apps import apps

    from nicat.accounts.models import User

    Institution = apps.get_model("directory", "Institution")  # by name: audit sits below the directory

    acted_for = acted_for or {}
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    memberships = {}
    for user_id, institution_id in Membership.objects.filter(user_id__in=ids, active=True).values_list(
            "user_id", "institution_id"):
        memberships.setdefault(user_id, set()).add(institution_id)
    wanted = set().union(*acted_for.values(), *memberships.values()) if (acted_for or memberships) else set()
    names = {i.pk: i.name for i in Institution.objects.filter(pk__in=wanted)}
    out = {}
    for user in User.objects.filter(pk__in=ids):
        institutions = acted_for.get(user.pk) or memberships.get(user.pk) or set()
        out[user.pk] = {"name": user.get_full_name() or user.username,
                        "institutions": ", ".join(sorted(names[i] for i in institutions if i in names))}
    return out


def break_glass_reasons(*, user, events):
    """{opening uuid: reason} of the break-glass openings among `events` that `user` may review (a supervisor
    of the opener's or of the owner institution, not the opener) or opened themselves."""
    from nicat.access.models import BreakGlass
    from nicat.access.services import may_review

    uuids = {e.object_id for e in events if e.action == "case.break_glass" and e.object_id}
    if not uuids:
        return {}
    out = {}
    for opening in BreakGlass.objects.visible_to(user).filter(uuid__in=uuids).select_related("case"):
        if opening.user_id == user.pk or may_review(user, opening):
            out[str(opening.uuid)] = opening.reason
    return out


def cases_of_reasons(events, reasons):
    """`{"cases": [...]}`: the cases (by uuid, never the text) of the `events` whose written reason a trail page
    shows — opened for its reader (free text that may describe the person: sealed in the trail), or a break-glass
    opening's reason from `reasons` (`break_glass_reasons`) — for the page's `audit.view`, so that the case's
    access trail finds the browsing that showed them; {} when none does."""
    cases = {e.case_uuid for e in events if e.case_uuid and (
        e.reason or (e.action == "case.break_glass" and reasons.get(e.object_id)))}
    return {"cases": sorted(cases)} if cases else {}


def person_trail(*, person, user=None):
    """Every event about one person and their cases, oldest first (a subject-access report).
    The caller has checked that the person is visible. With `user`, the cases are those `user` may see: the
    person's case at another institution (two records merged by the coordinator) and the events of the person
    that name it stay out of the report, as the case itself does.
    The events about the records the coordinator merged into the person (a merge of a merge too: her reads and
    changes under another record are hers) are in it — with `user`, those of the records `user` may see: another
    institution's record of her, like its case, stays out."""
    Case = policy.case_model()
    of_person = Case.objects.of(person) if user is None else policy.visible_cases(user).filter(person_id=person.pk)
    cases = list(of_person.values_list("uuid", "created_at"))
    case_uuids = [str(u) for u, _created in cases]
    records = [person, *person.records_merged_in()]
    if user is not None and len(records) > 1:
        seen = set(policy.person_model().objects.visible_to(user).filter(pk__in=[r.pk for r in records[1:]])
                   .values_list("pk", flat=True))
        records = [person, *(r for r in records[1:] if r.pk in seen)]
    uuids = [str(r.uuid) for r in records]
    since = min([*(r.created_at for r in records), *(created for _u, created in cases)])
    about_person = Q(object_type="persons.person", object_id__in=uuids)
    if user is not None:
        about_person &= Q(case_uuid__in=["", *case_uuids])
    return (AuditEvent.objects.filter(about_person
                                      | Q(case_uuid__in=case_uuids)
                                      | _shown_in_bulk(*uuids, *case_uuids, since=since))
            .select_related("institution", "actor").order_by("sequence"))


# Reads that do not count as working on a case: opening it many times without ever changing it is
# what the supervisor's dashboard flags.
READ_ACTIONS = ("case.view", "case.list", "note.list", "event.list", "person.view", "person.list")


def unusual_access(*, user, since, threshold):
    """Staff of the supervisor's institutions who opened at least `threshold` cases since `since`
    without working on any of them (no change of theirs on those cases): one row per person."""
    from django.db.models import Exists, OuterRef

    ids = supervisor_institution_ids(user)
    if not ids:
        return []
    staff = Membership.objects.filter(institution_id__in=ids).values("user_id")
    worked = (AuditEvent.objects.filter(actor_id=OuterRef("actor_id"), case_uuid=OuterRef("case_uuid"))
              .exclude(action__in=READ_ACTIONS))
    return list(AuditEvent.objects.filter(actor_id__in=staff, occurred_at__gte=since, action="case.view")
                .exclude(case_uuid="").filter(~Exists(worked))
                .values("actor_id", "actor_username")
                .annotate(cases=Count("case_uuid", distinct=True), last=Max("occurred_at"))
                .filter(cases__gte=threshold).order_by("-cases"))
