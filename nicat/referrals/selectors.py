"""Reads of referrals. A referral is seen by the staff of the two institutions it joins, and by the
staff of the case's owner; the receiving side sees the message only while the referral is open."""
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from nicat.access import policy
from nicat.audit import services as audit
from nicat.consent.models import OrderStatus
from nicat.consent.services import valid_consent_q
from nicat.core import casepage
from nicat.core.errors import NotAllowed
from nicat.core.reads import Reads
from nicat.referrals.models import ACTIVE_STATUSES, OPEN_STATUSES, Referral, ReferralEvent, ReturnPlan, Status

CLOSED_STATUSES = frozenset(Status) - OPEN_STATUSES


def embassy_consent_q(at=None):
    """Referrals that may tell their receiving institution about the person as far as the consular-notification
    consent goes: any referral to an institution that is not an embassy or consulate, a consular notification
    itself (its own consent is that one), one made under a legal basis — or one to an embassy for another
    purpose (a return, a service) while the person's consent to notify THAT embassy is in force. Once that
    consent expires (or is withdrawn), the embassy stops receiving the case's data at the next read, whatever
    the purpose of the referral (`revoke_for_expired_consents` then revokes it and tells the owner)."""
    from nicat.consent.models import Consent, Purpose

    in_force = policy.rule_table(Consent).filter(  # a rule of the case grant: the outer referral's case only
        valid_consent_q("", at), case_id=OuterRef("case_id"), institution_id=OuterRef("to_institution_id"),
        purpose=Purpose.CONSULAR_NOTIFICATION)
    return (~Q(to_institution__kind__code="embassy_consulate") | Q(purpose=Purpose.CONSULAR_NOTIFICATION) |
            Q(legal_basis_use__isnull=False) | Exists(in_force))


def active_referrals_q(institution_ids=None, at=None):
    """Referrals that give their receiving institution (one of `institution_ids`; any when None) access now:
    accepted or in progress, and the consent they rely on still valid (or made under a legal basis) — for an
    embassy or consulate, also the consent to notify it (`embassy_consent_q`)."""
    to = Q() if institution_ids is None else Q(to_institution_id__in=list(institution_ids))
    return (to & Q(status__in=list(ACTIVE_STATUSES)) &
            (Q(legal_basis_use__status=OrderStatus.APPROVED) | valid_consent_q("consent__", at)) &
            embassy_consent_q(at))


def receiving_institution_ids(case):
    """The institutions an active referral of `case` gives access now (registered with the access policy as
    the case's partners: they work on it)."""
    return set(Referral.objects.of(case).filter(active_referrals_q()).values_list("to_institution_id", flat=True))


def awaiting_legal_basis_q():
    """Referrals resting on a legal basis not (or not yet) approved: the receiving side sees nothing of them."""
    return Q(legal_basis_use__isnull=False) & ~Q(legal_basis_use__status=OrderStatus.APPROVED)


def case_grant(user, institution_ids):
    """The access-policy grant (registered in ReferralsConfig.ready()): cases of active referrals."""
    if not institution_ids:
        return None
    return Q(pk__in=policy.rule_table(Referral).filter(active_referrals_q(institution_ids)).values("case_id"))


def parties_rule(user, institution_ids):
    """Record rule (ReferralsConfig.ready()): a referral is seen by the staff of the two institutions it joins
    and of the case's owner, whether or not they see its case (what of it they see is narrowed below)."""
    ids = list(institution_ids)
    return Q(from_institution_id__in=ids) | Q(to_institution_id__in=ids) | Q(case__owner_institution_id__in=ids)


def shared_sections(user, case, institution_ids=None):
    """The case sections that `user`'s institutions (those of `institution_ids`, by default all) receive through
    active referrals (a frozenset of codes from nicat.referrals.sections; empty when none). The case owner's staff
    see everything regardless: the access policy (`can_see_section`) combines this with ownership, other grants and
    the roles the user holds at each receiving institution."""
    ids = policy.case_institution_ids(user)
    if institution_ids is not None:
        ids &= set(institution_ids)
    if not ids:
        return frozenset()
    sections = set()
    for shared, by_order in Referral.objects.of(case).filter(active_referrals_q(ids)).values_list(
            "shared_sections", "legal_basis_use__sections"):
        # On a legal basis, never more than the decision names.
        sections.update(set(shared or []) & set(by_order) if by_order is not None else (shared or []))
    return frozenset(sections)


def _related(qs):
    return qs.select_related("case", "from_institution", "to_institution__kind", "consent", "legal_basis_use")


def _base(user):
    return _related(Referral.objects.visible_to(user))


def incoming(*, user, state="open"):
    """The receiving queue of the user's institutions. Revoked referrals leave it: the case is gone."""
    qs = (_base(user).filter(to_institution_id__in=policy.case_institution_ids(user)).exclude(status=Status.REVOKED)
          .exclude(awaiting_legal_basis_q()))
    qs = qs.filter(status__in=list(OPEN_STATUSES)) if state == "open" else qs.exclude(
        status__in=list(OPEN_STATUSES))
    return qs.order_by("deadline_at" if state == "open" else "-created_at", "-id")


def outgoing(*, user, state="open"):
    qs = _base(user).filter(from_institution_id__in=policy.case_institution_ids(user))
    qs = qs.filter(status__in=list(OPEN_STATUSES)) if state == "open" else qs.exclude(
        status__in=list(OPEN_STATUSES))
    return qs.order_by("-created_at", "-id")


class ReferralReads(Reads):
    """The one read path of referrals (pages and API). Found among the referrals the parties' record rule
    lets the user see; shown only to the staff of its two institutions and of the case's owner — a revoked
    one (withdrawn consent) or one on a legal basis not yet approved not to the receiving side. A read is
    recorded (`referral.view`) when the reader may see its message, by the page and the API alike. A list is
    recorded (`referral.list`, naming the cases) when it showed a referral's message — the API's rows carry it, free
    text about the person; a list of references and institutions only (the page's) is not a read of anyone."""

    def query(self, user, *, case=None):
        return _base(user)

    def sees(self, user, referral):
        ids = policy.case_institution_ids(user)
        involved = {referral.from_institution_id, referral.to_institution_id, referral.case.owner_institution_id}
        if not ids & involved:
            return False
        sender_side = not ids.isdisjoint({referral.from_institution_id, referral.case.owner_institution_id})
        if referral.status == Status.REVOKED and not sender_side:
            return False  # withdrawn consent: the receiving institution loses the case
        if referral.legal_basis_use_id and not referral.legal_basis_use.is_approved and not sender_side:
            return False  # a legal basis not approved: the receiving side sees nothing yet
        return True

    def listed_from_query(self, user, records):
        super().listed_from_query(user, records)
        note_embassy_consents(records)

    def viewed(self, user, obj, *, channel="page", reason="", **details):
        if message_visible(user, obj):
            super().viewed(user, obj, channel=channel, reason=reason, **details)

    def listed(self, user, *, shown, channel="page", reason="", records=None, **details):
        with_message = [r for r in records or () if message_visible(user, r)]
        if with_message:
            super().listed(user, shown=shown, channel=channel, reason=reason, records=with_message, **details)


REFERRALS = ReferralReads(Referral, "referral")


def referral_for(*, user, uuid, shown=False):
    """The referral if `user` works at one of its two institutions (or at the case's owner), else 404.
    `shown`: the page shows it — its read is recorded (`referral.view`, when the reader may see the
    message), as the API's; a referral fetched to act on is not a read."""
    return REFERRALS.get_or_404(user, uuid, audit=shown)


def sides(user, referral):
    ids = policy.case_institution_ids(user)
    return {"sender": referral.from_institution_id in ids or referral.case.owner_institution_id in ids,
            "receiver": referral.to_institution_id in ids}


def message_visible(user, referral):
    """The sender always; the receiver while the referral is open (pending, accepted, in progress) and what it
    rests on is still in force — the consent it was sent on not expired (or an approved legal basis; the
    periodic job revokes it a little later, but the read stops at the expiry, as the case grant's does) — an
    embassy or consulate only while the person's consent to notify it is in force (`embassy_consent_q`)."""
    s = sides(user, referral)
    return s["sender"] or (s["receiver"] and referral.status in OPEN_STATUSES and basis_in_force(referral)
                           and embassy_may_know(referral))


def basis_in_force(referral):
    """`active_referrals_q`'s rule of the consent or legal basis, for one referral: may the receiver still be
    told about the person through it?"""
    if referral.legal_basis_use_id:
        return referral.legal_basis_use.is_approved
    return referral.consent is not None and referral.consent.is_valid()


_EMBASSY_CONSENT = "_embassy_consent_in_force"  # kept on a referral of a list (note_embassy_consents)


def _asks_embassy_consent(referral):
    from nicat.consent.models import Purpose

    return not (referral.to_institution.kind.code != "embassy_consulate" or referral.purpose ==
                Purpose.CONSULAR_NOTIFICATION or referral.legal_basis_use_id)


def embassy_may_know(referral):
    """`embassy_consent_q` for one referral."""
    from nicat.consent.models import Purpose
    from nicat.consent.services import consent_is_valid

    if not _asks_embassy_consent(referral):
        return True
    known = getattr(referral, _EMBASSY_CONSENT, None)
    if known is not None:
        return known
    return consent_is_valid(case=referral.case, purpose=Purpose.CONSULAR_NOTIFICATION,
                            institution=referral.to_institution)


def note_embassy_consents(referrals):
    """`embassy_may_know`'s consent for every referral of a list that asks it, in one query (the same decision:
    `consents_valid_for`), kept on each referral for the request: a list of referrals to an embassy costs the same
    whatever its length."""
    from nicat.consent.models import Purpose
    from nicat.consent.services import consents_valid_for

    asking = [r for r in referrals if _asks_embassy_consent(r) and getattr(r, _EMBASSY_CONSENT, None) is None]
    if asking:
        valid = consents_valid_for(pairs=[(r.case, r.to_institution) for r in asking],
                                   purpose=Purpose.CONSULAR_NOTIFICATION)
        for r in asking:
            setattr(r, _EMBASSY_CONSENT, valid[(r.case_id, r.to_institution_id)])


def referral_events(*, user, referral):
    """The timeline. The texts of events are for the two sides only while the referral is open."""
    return ReferralEvent.objects.of(referral).select_related("actor", "institution")


def return_plan_visible(user, referral):
    """The return plan (documents, travel and escort, point and time of arrival, reception) is read as the
    message is (`message_visible`): by the sender always, by the receiving centre while the referral is open —
    a centre that declined, or whose referral closed, no longer learns where and when the person travels."""
    return message_visible(user, referral)


def return_plan(*, user, referral, channel="page"):
    """The referral's return plan if `user` may read it (None while there is none), its read recorded
    (`referral.return_plan.view`, naming the case); NotAllowed (answered 404) when `user` may not read it."""
    if not return_plan_visible(user, referral):
        raise NotAllowed
    plan = ReturnPlan.objects.of(referral, via="referral").first()
    if plan is not None:
        side = sides(user, referral)
        reading_for = referral.to_institution if side["receiver"] and not side["sender"] else referral.from_institution
        audit.record(actor=user, action="referral.return_plan.view", obj=plan, case=referral.case,
                     institution=policy.acting_institution(user, reading_for) or policy.acting_institution(user),
                     details={"channel": channel})
    return plan


def case_referrals(*, user, case):
    """Referrals shown on the case page: all of them to the owner's staff, only its own to a receiving institution."""
    def load():
        ids = policy.case_institution_ids(user)
        qs = _base(user).filter(case=case)
        if case.owner_institution_id not in ids:
            qs = qs.filter(Q(from_institution_id__in=ids) | Q(active_referrals_q(ids)))
        return qs.order_by("-created_at", "-id")

    return casepage.once(case, user, "referrals.case_referrals", load)


def dashboard(user):
    """What the dashboard flags: unanswered referrals, overdue ones on either side."""
    ids = policy.case_institution_ids(user)
    if not ids:
        return None
    now = timezone.now()
    pending_in = _base(user).filter(to_institution_id__in=ids, status=Status.PENDING).exclude(awaiting_legal_basis_q())
    overdue_in = pending_in.filter(deadline_at__lte=now).order_by("deadline_at")
    overdue_out = _base(user).filter(from_institution_id__in=ids, status=Status.PENDING,
                                 deadline_at__lte=now).order_by("deadline_at")
    return {
        "pending_in": pending_in.count(),
        "active_in": _base(user).filter(to_institution_id__in=ids, status__in=list(ACTIVE_STATUSES)).count(),
        "open_out": _base(user).filter(from_institution_id__in=ids, status__in=list(OPEN_STATUSES)).count(),
        "overdue_in": list(overdue_in[:20]),
        "overdue_out": list(overdue_out[:20]),
    }


def open_referrals_relying_on(consent):
    """Open referrals that rest on this consent (shown before it is withdrawn)."""
    return (Referral.objects.of(consent).filter(status__in=list(OPEN_STATUSES))
            .select_related("to_institution"))


def reload(referral):
    """The referral as stored now (after an action the caller was allowed to take)."""
    return _related(Referral.objects.row(referral)).get()


def referrals_on_legal_basis(use):
    """The referrals resting on a legal basis (shown on its page to the owner and the approvers)."""
    return list(Referral.objects.of(use, via="legal_basis_use").select_related("to_institution"))
