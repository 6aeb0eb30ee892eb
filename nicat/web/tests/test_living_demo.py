"""A living demo world (issue 15, item 10): dated from today, residents in the shelter, work for the consul and
the hotline, the first steps printed — and `nicat otp USER` for signing in without a phone (development only)."""
import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

DEMO_PASSWORD = "demo password for the tests"


@pytest.fixture(scope="module")
def living(django_db_setup, django_db_blocker):
    """One demo world for the module (building it takes a while), removed afterwards by the test database."""
    import os

    os.environ["NICAT_DEMO_PASSWORD"] = DEMO_PASSWORD
    out = io.StringIO()
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            call_command("demo", seed=2026, cases=40, stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_deadlines_are_dated_from_today(living):
    from nicat.assistance.models import RehabilitationPlan, Stay
    from nicat.cases.models import Case
    from nicat.core.calendar import baku_today

    today = baku_today()
    first = Case.objects.system().order_by("-first_contact_at").first().first_contact_at
    assert timezone.now() - first < datetime.timedelta(days=30)
    stays = Stay.objects.system().filter(ended_at__isnull=True)
    assert stays.count() >= 2
    ends = sorted(s.planned_end for s in stays)
    assert today in ends and any(today < d <= today + datetime.timedelta(days=7) for d in ends)
    assert RehabilitationPlan.objects.system().filter(next_review_on=today).exists()


@pytest.mark.django_db
def test_each_newcomer_finds_work(living):
    from nicat.accounts.models import User
    from nicat.cases.models import Case
    from nicat.referrals.models import Referral

    def sees(username):
        return Case.objects.visible_to(User.objects.get(username=username)).count()

    assert sees("shelter.manager") >= 2
    assert sees("consul.officer") >= 1
    assert sees("hotline.operator") >= 2
    assert Referral.objects.system().filter(to_institution__code="assistance-centre", status="pending").exists()


@pytest.mark.django_db
def test_the_first_steps_mention_the_one_time_code(living):
    assert "What to do first" in living and "nicat otp" in living and "http://127.0.0.1:" in living
    assert "living_world" in living


@pytest.mark.django_db
def test_otp_prints_the_code_a_demo_user_signs_in_with(living, client):
    from django.urls import reverse

    with override_settings(NICAT_DEV=True):
        out = io.StringIO()
        call_command("otp", "shelter.manager", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    response = client.post(reverse("web:login"), {"username": "shelter.manager", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    response = client.post(reverse("accounts:2fa_verify"), {"code": code})
    assert response.status_code == 302 and "2fa" not in response["Location"]


@pytest.mark.django_db
def test_otp_refuses_outside_development_and_for_strangers():
    with override_settings(NICAT_DEV=False), pytest.raises(SystemExit) as stop:
        call_command("otp", "ngo.worker", stdout=io.StringIO(), stderr=io.StringIO())
    assert stop.value.code == 2
    with override_settings(NICAT_DEV=True), pytest.raises(SystemExit) as stop:
        call_command("otp", "someone.else", stdout=io.StringIO(), stderr=io.StringIO())
    assert stop.value.code == 2
