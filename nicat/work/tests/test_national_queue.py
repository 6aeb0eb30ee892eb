"""The Main Department's queue in My work ("Waiting for the identification decision") lists what the authority has to
decide — the referrals for identification that rest on the person's valid consent or an approved legal basis.
A referral on a legal basis still waiting for a supervisor's approval ("until approved the receiving side sees
nothing", docs/security.md), and one whose consent the person withdrew, stood in the officers' list and on their
dashboard with its reference, as overdue work (found by a review; failed before)."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.consent.models import Decision
from nicat.consent.services import approve_legal_basis, withdraw_consent
from nicat.identification import services as identification
from nicat.identification.models import Identification
from nicat.work import selectors
from tests.support.identification import identification_consent, refer_with_consent
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _queue(user):
    return [i.reference for i in selectors.work_list(user=user, kind="identification_decision", window="all")]


def _on_dashboard(client, case):
    return case.reference in client.get(reverse("web:dashboard")).content.decode()


def test_the_queue_holds_only_referrals_the_authority_may_act_on(world, client):
    cast = world.cast
    supervisor = make_user("md.supervisor", cast.main_department, Role.SUPERVISOR)
    verified_login(client, cast.officer)

    on_order = world.adult()
    identification_consent(cast.worker, on_order, decision=Decision.REFUSED)
    referred = identification.refer_for_identification(
        actor=cast.worker, case=on_order, legal_basis="court_order",
        legal_basis_reason="The court ordered the identification inquiry.",
        order={"issuing_body": "Baku Court", "order_number": "3-7/2026",
               "order_date": timezone.localdate() - datetime.timedelta(days=1)},
        copy_bytes=PNG, sections=["identity"])
    assert _queue(cast.officer) == [] and _queue(supervisor) == []  # waiting for the legal basis's approval
    assert not _on_dashboard(client, on_order)

    withdrawn = world.adult()
    refer_with_consent(cast.worker, withdrawn)
    assert _queue(cast.officer) == [withdrawn.reference]
    withdraw_consent(actor=cast.worker, consent=Identification.objects.system().get(case=withdrawn).consent)
    assert _queue(cast.officer) == []  # she withdrew: the Main Department's access ended, and so did its work
    assert not _on_dashboard(client, withdrawn)

    use = referred.legal_basis_use
    approve_legal_basis(actor=supervisor, use=use, expected_version=use.version)
    assert _queue(cast.officer) == [on_order.reference]  # approved: now it is the authority's to decide
    assert _on_dashboard(client, on_order)
