"""The one read path (decision 0006, "The read path"): a resource's reads — scoped by the access policy,
gated by the case section its records belong to, and audited in the same call — for pages and the API
alike. An app declares one `Reads` per resource in its `selectors.py`; its pages call `get`/`query` +
`listed`, and the API's base viewset (`nicat.core.viewsets.AuditedViewSet`) does the same.

This layer imports no other Nicat app: the records are scoped by the model's own scoped manager
(`Model.objects.visible_to(user)`), the sections come from the access policy, which registers
`visible_sections(user, case=None)` here at start-up (`AccessConfig.ready()`), and the audit event is
written through `nicat.core.trail` (the audit app's `record`)."""
import uuid as uuid_lib

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from nicat.core import trail
from nicat.core.errors import NotAllowed
from nicat.core.models import follow

_sections = None


def register_sections(fn):
    """`fn(user, case=None) -> set of section codes`: the access policy's sections (registered by access)."""
    global _sections
    _sections = fn
    return fn


_learn_visibility = None


def register_case_visibility(fn):
    """`fn(user, case_ids)`: the access policy learns, in one query, which of these cases `user` may see (for the
    sections of a list's records; registered by access)."""
    global _learn_visibility
    _learn_visibility = fn
    return fn


def visible_sections(user, case=None):
    if _sections is None:
        raise ImproperlyConfigured("No access policy is registered (is nicat.access in INSTALLED_APPS?).")
    return _sections(user, case)


def as_uuid(value):
    """`value` as a UUID, or None when it is not one (a malformed id finds nothing, never a 500)."""
    if isinstance(value, uuid_lib.UUID):
        return value
    try:
        return uuid_lib.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


class Reads:
    """The reads of one resource.

    `model`: a model with a scoped manager. `thing`: the name of its audit events (`<thing>.list`,
    `<thing>.view`). `related`: what a read loads with each record (`prefetch`: the
    many-to-many ones). `section`: the case section the
    records belong to — a role that never sees it reads nothing, and a record of a case whose section
    the reader may not see is not found (and, with `check_each`, left out of a list). `case_path`: the
    way from a record to its case (None for a record of no case, such as a person).

    What the audit events say beyond the channel: `named(records)` the ids a list showed (by default the
    uuids of their cases, `{"cases": [...]}`); a subclass adds `acting(user, obj)` the institution on whose
    behalf the reader reads."""

    def __init__(self, model, thing, *, related=(), prefetch=(), section=None, case_path="case", order=("-pk",),
                 list_action=None, view_action=None, check_each=False):
        self.model = model
        self.thing = thing
        self.related = tuple(related)
        self.prefetch = tuple(prefetch)
        self.section = section
        self.case_path = case_path
        self.order = tuple(order)
        self.list_action = list_action or f"{thing}.list"
        self.view_action = view_action or f"{thing}.view"
        self.check_each = check_each

    # --- the section gate -----------------------------------------------------------------------------

    def role_sees_section(self, user):
        """Whether any of the reader's roles sees the section of these records (True without a section)."""
        return not self.section or self.section in visible_sections(user)

    def case_of(self, obj):
        return follow(obj, self.case_path) if self.case_path else None

    def sees(self, user, obj):
        """Whether `user` may see this record's section on its case (True without a section)."""
        return not self.section or self.section in visible_sections(user, self.case_of(obj))

    # --- reads ----------------------------------------------------------------------------------------

    def query(self, user, *, case=None):
        """The records `user` may see (of one case: a Case or its uuid; a malformed uuid finds none),
        newest first. Not audited by itself: the caller records what it shows with `listed`."""
        qs = self.model.objects.visible_to(user)
        if self.related:
            qs = qs.select_related(*self.related)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        if not self.role_sees_section(user):
            return qs.none()
        if case is not None and case != "" and self.case_path:
            if hasattr(case, "_meta"):
                qs = qs.filter(**{self.case_path: case})
            else:
                key = as_uuid(case)
                qs = qs.filter(**{f"{self.case_path}__uuid": key}) if key else qs.none()
        return qs.order_by(*self.order) if self.order else qs

    def listed_from_query(self, user, records):
        """The records of a list, read through `query`, are about to be shown (or checked with `sees`): the
        visibility of the cases they hang off is asked of the policy once for all of them, so that the
        sections of each are found without a query per case. A subclass notes more (the case reads: each case
        was itself read through the policy)."""
        if self.case_path == "case" and _learn_visibility is not None and records:
            _learn_visibility(user, {getattr(r, "case_id", None) for r in records})

    def get(self, user, uuid, *, channel="page", audit=True, queryset=None, reason="", **details):
        """The record with this uuid if `user` may see it (section included), its read audited; else
        NotAllowed (answered 404: existence does not leak). `queryset` narrows the search further
        (e.g. the API's own filters); `audit=False` for a record fetched to be changed, not shown."""
        key = as_uuid(uuid)
        qs = queryset if queryset is not None else self.query(user)
        obj = qs.filter(uuid=key).first() if key else None
        if obj is None or not self.sees(user, obj):
            raise NotAllowed
        if audit:
            self.viewed(user, obj, channel=channel, reason=reason, **details)
        return obj

    def get_or_404(self, user, uuid, **kwargs):
        """`get`, with a record `user` may not see answered as a page or API answers it: 404 (Http404)."""
        try:
            return self.get(user, uuid, **kwargs)
        except NotAllowed:
            raise Http404 from None

    # --- the read audit -------------------------------------------------------------------------------

    def acting(self, user, obj=None):
        """The institution the read is recorded for (the event's `institution`); None: not named."""
        return None

    def named(self, records):
        """Facts naming the records a list showed, for its event (their ids, never their content): by default
        the cases they belong to (`{"cases": [...]}`, through `case_path`), so that a list of a case's records
        is in that case's access trail ("who accessed this case" finds the case's uuid in every `*.list`
        event). A subclass names other ids (persons, contacts)."""
        if not self.case_path:
            return {}
        cases = {str(case.uuid) for case in map(self.case_of, records) if case is not None}
        return {"cases": sorted(cases)} if cases else {}

    def viewed(self, user, obj, *, channel="page", reason="", **details):
        """Record that `user` was shown this record (`<thing>.view`)."""
        kwargs = {"reason": reason} if reason else {}
        institution = self.acting(user, obj)
        if institution is not None:
            kwargs["institution"] = institution
        trail.record(actor=user, action=self.view_action, obj=obj, case=self.case_of(obj),
                     details={"channel": channel, **details}, **kwargs)

    def listed(self, user, *, shown, channel="page", reason="", records=None, **details):
        """Record that `user` was shown a list of `shown` of these records (`<thing>.list`); `records`, the
        records shown, for `named`."""
        kwargs = {"reason": reason} if reason else {}
        institution = self.acting(user)
        if institution is not None:
            kwargs["institution"] = institution
        trail.record(actor=user, action=self.list_action,
                     details={"channel": channel, "shown": shown, **self.named(records or ()), **details}, **kwargs)
