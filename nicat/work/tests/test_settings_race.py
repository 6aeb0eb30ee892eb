"""Two supervisors save their institution's approval settings for the first time at the same moment (found
by the ninth review): on PostgreSQL both found no row, the second insert hit the unique institution and the
page answered 500. Now one is saved and the other is told the settings changed. Real threads, real
transactions (SQLite serialises the two, PostgreSQL lets them meet)."""
import time

import pytest

from nicat.accounts.models import User
from nicat.directory.models import Institution
from nicat.work import services
from nicat.work.models import ApprovalSetting
from tests.support.threads import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_first_saves_of_the_settings_at_once_are_never_a_500(world, monkeypatch):
    real_filter = ApprovalSetting.objects.select_for_update

    def slow_select_for_update(*args, **kwargs):
        qs = real_filter(*args, **kwargs)
        time.sleep(0.2)  # both read "no row yet" before either inserts
        return qs

    monkeypatch.setattr(ApprovalSetting.objects, "select_for_update", slow_select_for_update)

    def save(supervisor_pk, data):
        return lambda: services.update_settings(actor=User.objects.get(pk=supervisor_pk),
                                                institution=Institution.objects.get(pk=world.cast.ngo.pk), data=data,
                                                version=0)

    outcomes = race([save(world.supervisor.pk, {"plan": True}), save(world.supervisor2.pk, {"case_close": True})])
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    row = ApprovalSetting.objects.get(institution=world.cast.ngo)
    assert row.version == 1 and row.plan != row.case_close  # one supervisor's choice, whole
