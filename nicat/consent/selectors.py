"""Reads of consent, through the access policy."""

from django.http import Http404

from nicat.access import policy
from nicat.audit import services as audit
from nicat.cases.models import Case
from nicat.consent.models import (
    RECEIVER_GENERAL_PURPOSES,
    Consent,
    LegalBasisUse,
    OrderStatus,
    Purpose,
    WithdrawalWish,
)
from nicat.core import casepage
from nicat.core.reads import Reads
from nicat.privacy.personkeys import KeyErased


def concerning(user, qs):
    """The consents of `qs` that concern `user`. The owner institution's staff see every consent of its cases.
    Anyone else who sees a case (a receiving institution, a shelter with the person as a resident, a supervisor
    through break-glass) sees only: the consents given for one of its institutions, those it recorded itself (the
    person told it), and the general ones (naming no institution) its work may depend on
    (`RECEIVER_GENERAL_PURPOSES`; identification too for the competent authority). The consents to the police,
    to an embassy or to another institution are what the person shared with others: a receiver is not told
    of them (a withdrawal of any of them expressed to it is recorded with `withdraw_all_consents`)."""
    from django.db.models import Q

    ids = policy.case_institution_ids(user)
    general = set(RECEIVER_GENERAL_PURPOSES)
    if any(m.institution_id in ids and m.institution.is_competent_authority for m in policy.memberships(user)):
        general.add(Purpose.IDENTIFICATION)
    return qs.filter(Q(case__owner_institution_id__in=ids) | Q(institution_id__in=ids) |
                     Q(recorded_by_institution_id__in=ids) | Q(institution__isnull=True, purpose__in=general))


def concerns(user, consent):
    """`concerning` for one consent."""
    return concerning(user, Consent.objects.row(consent)).exists()


def case_consents(*, user, case):
    return casepage.once(case, user, "consent.case_consents", lambda: (
        concerning(user, Consent.objects.visible_to(user).filter(case=case))
        .select_related("institution", "interpreter_language", "recorded_by", "recorded_by_institution")))


def case_legal_basis_uses(*, user, case):
    return LegalBasisUse.objects.visible_to(user).filter(case=case).select_related("institution", "used_by",
                                                                                    "used_by_institution")


def consent_detail(*, user, uuid):
    """The consent if `user` sees its case and it concerns them (`concerning`), else Http404."""
    consent = policy.get_visible_or_404(Consent.objects, user, uuid=uuid)
    if not concerns(user, consent):
        raise Http404
    return consent


def consent_form(*, user, uuid):
    """(bytes, content type) of the signed form; the read is audited."""
    consent = consent_detail(user=user, uuid=uuid)
    if not consent.has_form or not details_visible(user, consent.case):
        return consent, None, ""
    data = _opened(consent.signed_form)
    if data is None:
        return consent, None, ""
    audit.record(actor=user, action="consent.form.view", obj=consent, case=consent.case,
                 institution=policy.acting_institution(user), details={"purpose": consent.purpose})
    return consent, data, consent.form_content_type


def _opened(fieldfile):
    """The file's content, or None when it was sealed under the key of a person since erased (a database
    restored from before the erasure, until `nicat retention reapply` blanks the row): nothing to show."""
    try:
        with fieldfile.open("rb") as fh:
            return fh.read()
    except KeyErased:
        return None


_details_grants = []
_dependents = []


def register_details_grant(fn):
    """`fn(user, case) -> bool`: may a user outside the owner institution see who gave the consents of
    `case`? (referrals: when an active referral shares "identity"; registered in AppConfig.ready())."""
    _details_grants.append(fn)
    return fn


def register_dependents(fn):
    """`fn(consent) -> list`: what still relies on a consent, shown before it is withdrawn (referrals:
    the open referrals that rest on it; registered in AppConfig.ready())."""
    _dependents.append(fn)
    return fn


def dependents(consent, user=None):
    """What relies on `consent`; for `user` outside the owner institution only what concerns their own
    institutions (their referrals), never another institution's."""
    items = [item for fn in _dependents for item in fn(consent)]
    if user is None or consent.case.owner_institution_id in policy.case_institution_ids(user):
        return items
    ids = policy.case_institution_ids(user)
    return [item for item in items if getattr(item, "to_institution_id", None) in ids]


_order_dependents = []


def register_order_dependents(fn):
    """`fn(use) -> list`: what rests on a legal basis, shown on its page to the owner and the approvers
    (referrals: the referrals resting on it; registered in AppConfig.ready())."""
    _order_dependents.append(fn)
    return fn


def order_dependents(use):
    return [item for fn in _order_dependents for item in fn(use)]


def details_visible(user, case):
    """Who gave the consent (a representative's name, the child's view, notes, the signed form) is identifying:
    the owner institution's staff see it, a receiving institution only when the referral shares "identity"."""
    if case.owner_institution_id in policy.case_institution_ids(user):
        return True
    return any(grant(user, case) for grant in _details_grants)


# --- legal-basis orders ----------------------------------------------------------------------------


def _orders(user):
    """The orders `user` may see: those of the cases they see, and every one for the approvers (the record
    rule registered in ConsentConfig.ready())."""
    return LegalBasisUse.objects.visible_to(user).select_related("case", "institution", "used_by",
                                                                 "used_by_institution", "decided_by",
                                                                 "decided_by_institution")


def approver_orders(user, institution_ids):
    """Record rule: the supervisors of the competent authority approve (and so see) every legal basis."""
    from django.db.models import Q

    from nicat.consent.services import may_approve_legal_bases

    return Q(pk__isnull=False) if may_approve_legal_bases(user) else None


def may_see_order(user, use):
    """The owner institution's staff and the approvers (supervisors of the competent authority)."""
    from nicat.consent.services import may_approve_legal_bases

    if may_approve_legal_bases(user):
        return True
    return use.case.owner_institution_id in policy.case_institution_ids(user) and \
        Case.objects.visible_to(user).filter(pk=use.case_id).exists()


def orders_for(*, user, status=""):
    """Legal bases the user approves (all, for a supervisor of the competent authority) or asked for (the
    owner institution's staff), pending first."""
    from nicat.consent.services import may_approve_legal_bases

    qs = _orders(user)
    if not may_approve_legal_bases(user):
        ids = policy.case_institution_ids(user)
        if not ids:
            return qs.none()
        # `_orders`: of the cases the user sees (the approvers' rule adds none for them)
        qs = qs.filter(case__owner_institution_id__in=ids)
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by(_pending_first(), "-used_at", "-id")


def _pending_first():
    from django.db import models

    return models.Case(models.When(status=OrderStatus.PENDING, then=models.Value(0)), default=models.Value(1),
                       output_field=models.IntegerField())


def order_for(*, user, uuid):
    """The order if `user` may see it (`may_see_order`), else Http404; not audited: for an action on it (a
    page that shows it reads it with `order_shown`)."""
    return ORDERS.get_or_404(user, uuid, audit=False)


def order_shown(*, user, uuid):
    """The order its page shows (the decision, its written reason, the sections it names), its read audited as
    the API's is: `consent.legal_basis.view` on the order's case (channel "page"); else Http404."""
    return ORDERS.get_or_404(user, uuid, channel="page")


def order_copy(*, user, uuid, channel="web"):
    """(order, bytes, content type) of the copy of the decision; the read is audited."""
    use = order_for(user=user, uuid=uuid)
    if not use.has_copy:
        return use, None, ""
    data = _opened(use.order_copy)
    if data is None:
        return use, None, ""
    audit.record(actor=user, action="consent.legal_basis_copy.view", obj=use, case=use.case,
                 institution=policy.acting_institution(user), details={"channel": channel})
    return use, data, use.copy_content_type


# --- the one read path of the API's resources (nicat.core.reads) ------------------------------------------

class OrderReads(Reads):
    """Legal-basis orders: found among `_orders` (the cases' and the approvers' rule), then shown only to the
    owner institution's staff and the approvers (`may_see_order`); their list event names the orders it
    showed under `shown` (as it always did) and their cases under `cases`, and the list itself is `orders_for`."""

    def query(self, user, *, case=None):
        return _orders(user)

    def sees(self, user, obj):
        return may_see_order(user, obj)

    def listed(self, user, *, shown, channel="page", reason="", records=None, **details):
        super().listed(user, shown=[str(use.uuid) for use in records or ()], channel=channel, reason=reason,
                       records=records, **details)


ORDERS = OrderReads(LegalBasisUse, "consent.legal_basis")

class ConsentReads(Reads):
    """Consents: of the cases the reader sees, only those that concern them (`concerning`)."""

    def query(self, user, *, case=None):
        return concerning(user, super().query(user, case=case))


CONSENTS = ConsentReads(Consent, "consent", related=("case", "institution", "interpreter_language",
                                                     "recorded_by_institution"), order=())


def _wishes_concerning(user, qs):
    """The wishes to withdraw a consent that `user` may read: the owner institution's staff all of its cases';
    anyone else only those its own institutions recorded (another receiver's note may name consents it does
    not see; a break-glass reader or an analyst reads none it did not record)."""
    from django.db.models import Q

    ids = policy.case_institution_ids(user)
    return qs.filter(Q(case__owner_institution_id__in=ids) | Q(recorded_by_institution_id__in=ids))


def withdrawal_wishes(*, user, case=None):
    """The wishes `user` may read (of `case`, or of every case they see), newest first; the read is audited."""
    qs = WithdrawalWish.objects.visible_to(user)
    if case is not None:
        qs = qs.filter(case=case)
    wishes = list(_wishes_concerning(user, qs).select_related("case", "recorded_by_institution", "recorded_by",
                                                              "handled_by"))
    if wishes:
        audit.record(actor=user, action="consent.withdrawal_wish.list", obj=case, case=case,
                     institution=policy.acting_institution(user), details={"wishes": [str(w.uuid) for w in wishes]})
    return wishes


def withdrawal_wish(*, user, uuid):
    """One wish `user` may read, else Http404 (the read is audited)."""
    wish = _wishes_concerning(user, WithdrawalWish.objects.visible_to(user).filter(uuid=uuid)).select_related(
        "case", "recorded_by_institution", "recorded_by", "handled_by").first()
    if wish is None:
        raise Http404
    audit.record(actor=user, action="consent.withdrawal_wish.list", obj=wish, case=wish.case,
                 institution=policy.acting_institution(user), details={"wishes": [str(wish.uuid)]})
    return wish


class WishReads(Reads):
    """Wishes to withdraw a consent: the owner institution's and the recorder's only (`_wishes_concerning`)."""

    def query(self, user, *, case=None):
        return _wishes_concerning(user, super().query(user, case=case))


WISHES = WishReads(WithdrawalWish, "consent.withdrawal_wish",
                   related=("case__owner_institution", "recorded_by_institution", "handled_by"),
                   order=("-created_at", "-id"))
