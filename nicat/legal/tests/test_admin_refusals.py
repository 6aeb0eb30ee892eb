"""A legal parameter changed in the Django admin without the version the form read, or refused by the
service after the form was accepted, is a form error on the page — never a 500 — and nothing is written
(third review, finding B4).

The attack: POST /admin/legal/legalparameter/<pk>/change/ with the form's fields minus the hidden
`expected_version` (a stale page, a script, a browser that dropped it). The form's clean skipped the version
check when it was missing, the service then refused inside the admin's save_model and the admin answered 500.
Two administrators saving the same value at once ended the same way (ConcurrentEdit inside save_model)."""
import pytest
from django.test import Client
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.legal import services
from nicat.legal.models import LegalParameter
from tests.support.world import verified_login


def _typed(row, **over):
    return {"code": row.code, "value": str(row.value), "valid_from": row.valid_from.isoformat(),
            "legal_act": row.legal_act, "source": row.source, **({"confirmed": "on"} if row.confirmed else {}),
            **over}


@pytest.mark.django_db
def test_a_legal_parameter_changed_in_the_admin_without_its_version_is_a_form_error_not_a_500(cast):
    client = Client(raise_request_exception=False)
    verified_login(client, cast.admin)
    row = LegalParameter.objects.order_by("pk").first()
    before = (row.value, row.version)
    response = client.post(reverse("admin:legal_legalparameter_change", args=[row.pk]),
                           _typed(row, value=str(row.value + 1)))
    assert response.status_code == 200, "a legal parameter saved without its version answers " \
                                        f"{response.status_code}"
    assert "Give the version of the value you read" in response.content.decode()
    row.refresh_from_db()
    assert (row.value, row.version) == before
    assert not AuditEvent.objects.filter(action__startswith="legal.parameter").exists()


@pytest.mark.django_db
def test_two_administrators_saving_the_same_value_the_second_is_told_on_the_form(cast, monkeypatch):
    """The second administrator's form passed its checks, then the first one's save landed before the
    second one's: the service refuses (ConcurrentEdit); the form comes back with the reason, nothing
    of the second one written."""
    client = Client(raise_request_exception=False)
    verified_login(client, cast.admin)
    row = LegalParameter.objects.order_by("pk").first()
    read_version = row.version
    real = services.set_parameter

    def first_admin_saves_in_between(**kwargs):
        real(actor=cast.admin, data={**{f: getattr(row, f) for f in services.FIELDS}, "legal_act": "First admin"},
             parameter=row, expected_version=read_version)
        return real(**kwargs)

    monkeypatch.setattr(services, "set_parameter", first_admin_saves_in_between)
    response = client.post(reverse("admin:legal_legalparameter_change", args=[row.pk]),
                           _typed(row, legal_act="Second admin", expected_version=str(read_version)))
    assert response.status_code == 200, response.status_code
    assert "changed by someone else after you opened it" in response.content.decode()
    row.refresh_from_db()
    # the whole save was rolled back: the first one's change (made in that request here) too, nothing of the second
    assert row.legal_act != "Second admin" and row.version == read_version
