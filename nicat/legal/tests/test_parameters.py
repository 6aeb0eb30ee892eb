"""Legal parameters as data: seeded with their sources, read as in force on the day a right arose,
changed only by an administrator through the audited service (the admin too), shown on a page."""
import datetime
import pathlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.core.errors import ConcurrentEdit
from nicat.legal import rules, services
from nicat.legal.models import LegalParameter
from nicat.legal.parameters import SPECS
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def _data(**over):
    return {"code": "allowance.one_time", "value": "800", "valid_from": datetime.date(2026, 1, 1),
            "legal_act": "Decision of the Cabinet of Ministers No. 1 of 01.12.2025 (test)", "source": "Official gazette",
            "confirmed": True, **over}


def test_every_parameter_is_seeded_with_its_legal_act_and_unconfirmed_ones_are_marked():
    for spec in SPECS:
        rows = LegalParameter.objects.filter(code=spec.code)
        assert rows.exists(), spec.code
        assert all(r.legal_act for r in rows), spec.code
    assert not LegalParameter.objects.get(code="shelter.max_stay_days").confirmed  # "(check)" in the sources
    assert LegalParameter.objects.get(code="foreigners.reflection_days").confirmed
    assert services.value("allowance.one_time", datetime.date(2019, 6, 1)) == Decimal("400.00")
    assert services.value("allowance.one_time", datetime.date(2024, 6, 1)) == Decimal("700.00")
    assert services.value("identification.referral_hours", datetime.date(2017, 6, 1)) == 48
    assert services.value("identification.referral_hours", datetime.date(2020, 6, 1)) == 24


def test_nothing_is_due_before_the_first_allowance_but_periods_apply_from_their_first_value():
    assert services.in_force("allowance.one_time", datetime.date(2015, 12, 31)) is None
    with pytest.raises(ValidationError):
        services.value("allowance.one_time", datetime.date(2015, 12, 31))
    assert services.value("foreigners.reflection_days", datetime.date(2012, 1, 1)) == 30


def test_a_change_is_audited_and_applies_only_from_its_date(cast):
    row = services.set_parameter(actor=cast.admin, data=_data())
    event = AuditEvent.objects.get(action="legal.parameter.create")
    assert event.actor_username == "admin" and event.changes["value"] == [None, "800.00"]
    assert event.details == {"code": "allowance.one_time", "valid_from": "2026-01-01"}
    assert services.value("allowance.one_time", datetime.date(2025, 12, 31)) == Decimal("700.00")
    assert services.value("allowance.one_time", datetime.date(2026, 1, 1)) == Decimal("800.00")
    services.set_parameter(actor=cast.admin, data=_data(value="850"), parameter=row, expected_version=row.version)
    event = AuditEvent.objects.get(action="legal.parameter.update")
    assert event.changes["value"] == ["800.00", "850.00"]
    assert services.value("allowance.one_time", datetime.date(2026, 2, 1)) == Decimal("850.00")


def test_a_stale_edit_is_refused(cast):
    row = services.set_parameter(actor=cast.admin, data=_data())
    services.set_parameter(actor=cast.admin, data=_data(value="801"), parameter=row, expected_version=1)
    with pytest.raises(ConcurrentEdit):
        services.set_parameter(actor=cast.admin, data=_data(value="802"), parameter=row, expected_version=1)
    assert services.value("allowance.one_time", datetime.date(2026, 1, 2)) == Decimal("801.00")


def test_only_an_administrator_changes_a_parameter(cast):
    for user in (cast.worker, cast.officer, cast.analyst):
        with pytest.raises(PermissionDenied):
            services.set_parameter(actor=user, data=_data())
    assert not AuditEvent.objects.filter(action__startswith="legal.").exists()


@pytest.mark.parametrize("over, field, words", [
    ({"value": "-1"}, "value", "0 or more"),
    ({"value": "abc"}, "value", "number"),
    ({"code": "shelter.max_stay_days", "value": "30.5"}, "value", "whole number"),
    ({"code": "shelter.max_stay_days", "value": "0"}, "value", "cannot be 0"),
    ({"legal_act": " "}, "legal_act", "legal act"),
    ({"valid_from": None}, "valid_from", "date"),
    ({"code": "no.such"}, "code", "list"),
    ({"valid_from": datetime.date(2024, 1, 1)}, "valid_from", "already has a value"),
])
def test_bad_input_says_what_to_fix_and_changes_nothing(cast, over, field, words):
    before = LegalParameter.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.set_parameter(actor=cast.admin, data=_data(**over))
    assert words in " ".join(excinfo.value.message_dict[field])
    assert LegalParameter.objects.count() == before
    assert not AuditEvent.objects.filter(action__startswith="legal.").exists()


def test_the_admin_saves_through_the_audited_service(cast, client):
    verified_login(client, cast.admin)
    response = client.post(reverse("admin:legal_legalparameter_add"), {
        "code": "shelter.max_stay_days", "value": "45", "valid_from": "2026-02-01",
        "legal_act": "Shelter rules (test)", "source": "", "expected_version": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="legal.parameter.create").count() == 1
    row = LegalParameter.objects.get(code="shelter.max_stay_days", valid_from=datetime.date(2026, 2, 1))
    response = client.post(reverse("admin:legal_legalparameter_change", args=[row.pk]), {
        "code": "shelter.max_stay_days", "value": "-3", "valid_from": "2026-02-01",
        "legal_act": "Shelter rules (test)", "source": "", "expected_version": str(row.version)})
    assert response.status_code == 200 and "0 or more" in response.content.decode()
    response = client.post(reverse("admin:legal_legalparameter_change", args=[row.pk]), {
        "code": "shelter.max_stay_days", "value": "60", "valid_from": "2026-02-01",
        "legal_act": "Shelter rules (test)", "source": "", "expected_version": str(row.version)})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="legal.parameter.update").count() == 1
    assert client.post(reverse("admin:legal_legalparameter_delete", args=[row.pk]), {"post": "yes"}).status_code == 403


def test_the_page_shows_the_values_in_force_with_their_sources(cast, client):
    verified_login(client, cast.worker)
    page = client.get(reverse("legal:parameters")).content.decode()
    assert 'data-code="foreigners.reflection_days"' in page and "repatriation" in page
    assert 'data-testid="unconfirmed"' in page  # the shelter figures are working assumptions
    assert "700.00 AZN" in page and "400.00 AZN" in page  # in force, and the earlier value


def test_the_periods_read_the_value_in_force_on_the_day_the_right_arose(cast):
    services.set_parameter(actor=cast.admin, data=_data(code="foreigners.reflection_days", value="60",
                                                        valid_from=datetime.date(2026, 1, 1)))
    before = datetime.datetime(2025, 12, 31, 12, tzinfo=datetime.timezone.utc)
    after = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.timezone.utc)
    assert rules.reflection_period_end(before) == datetime.date(2026, 1, 30)
    assert rules.reflection_period_end(after) == datetime.date(2026, 3, 2)
    services.set_parameter(actor=cast.admin, data=_data(code="foreigners.residence_permit_months", value="6",
                                                        valid_from=datetime.date(2026, 1, 1)))
    assert rules.residence_permit_expiry(datetime.date(2025, 8, 31)) == datetime.date(2026, 8, 31)
    assert rules.residence_permit_expiry(datetime.date(2026, 8, 31)) == datetime.date(2027, 2, 28)


def test_the_removed_settings_are_read_nowhere():
    root = pathlib.Path(__file__).resolve().parents[3]
    names = ("NICAT_ALLOWANCE_RULES", "NICAT_SHELTER_", "NICAT_REFLECTION_DAYS", "NICAT_DEADLINE_REFERRAL_HOURS",
             "NICAT_REFERRAL_RESPONSE_HOURS", "NICAT_RESIDENCE_PERMIT_MONTHS")
    files = [p for p in (root / "nicat").rglob("*.py") if p.resolve() != pathlib.Path(__file__).resolve()]
    files += [root / "README.md", *(root / "docs").rglob("*.md")]
    found = [(str(p), n) for p in files for n in names if n in p.read_text(encoding="utf-8")]
    assert found == []
