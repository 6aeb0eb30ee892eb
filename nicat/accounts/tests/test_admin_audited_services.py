"""Issue 11, item 4: the administration writes through audited services — passwords, tokens
(revocation cannot be undone), `nicat token`, staff rights — in the admin and outside it."""
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from nicat.accounts import services
from nicat.accounts.models import ApiToken
from nicat.audit.models import AuditEvent
from tests.support.world import PASSWORD, verified_login

NEW_PASSWORD = "another correct horse 2026"


def test_password_change_on_the_account_page_is_audited_by_the_service(client, cast):
    verified_login(client, cast.worker)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    cast.worker.refresh_from_db()
    assert cast.worker.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert event.actor == cast.worker and event.details == {}


def test_password_set_by_an_administrator_in_the_admin_is_audited(client, cast):
    verified_login(client, cast.admin)
    url = reverse("admin:auth_user_password_change", args=[cast.worker.pk])
    response = client.post(url, {"usable_password": "true", "set_usable_password": "true",
                                 "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    cast.worker.refresh_from_db()
    assert cast.worker.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert event.actor == cast.admin and event.object_id == str(cast.worker.uuid)
    assert event.details == {"by_administrator": True}
    # the administrator could now sign in as the worker: the worker's institution is told
    from nicat.referrals.models import Notification, NotificationKind

    told = Notification.objects.filter(kind=NotificationKind.SIGN_IN_RESET)
    assert {n.user for n in told} == {cast.worker} and {n.institution for n in told} == {cast.ngo}


def test_resetting_someones_second_factor_tells_their_institution(cast):
    from nicat.referrals.models import Notification, NotificationKind

    services.reset_two_factor(actor=cast.admin, user=cast.officer)
    told = Notification.objects.filter(kind=NotificationKind.SIGN_IN_RESET)
    assert {n.institution for n in told} == {cast.main_department} and told.count() == 1


def test_nobody_else_changes_a_password(cast):
    from nicat.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.change_password(actor=cast.worker2, user=cast.worker, password=NEW_PASSWORD)
    cast.worker.refresh_from_db()
    assert cast.worker.check_password(PASSWORD)


def test_administrator_revokes_a_token_in_the_admin_and_it_stays_revoked(client, cast):
    services.create_token(actor=cast.worker, name="shelter system")
    token = ApiToken.objects.get(user=cast.worker)
    verified_login(client, cast.admin)
    client.post(reverse("admin:accounts_apitoken_changelist"),
                {"action": "revoke_tokens", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == cast.admin and event.details["by_administrator"] is True
    # The admin has no form that could clear it: the change view is read-only and refuses a POST.
    response = client.post(reverse("admin:accounts_apitoken_change", args=[token.pk]), {"revoked_at_0": "",
                                                                                       "revoked_at_1": ""})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoked_token_cannot_be_restored_by_the_model(cast):
    services.create_token(actor=cast.worker, name="x")
    token = ApiToken.objects.get(user=cast.worker)
    services.revoke_token(actor=cast.worker, token=token)
    token.revoked_at = None
    with pytest.raises(ValueError, match="cannot be restored"):
        token.save()


def test_revoked_token_cannot_be_restored_in_the_database(cast):
    services.create_token(actor=cast.worker, name="x")
    token = ApiToken.objects.get(user=cast.worker)
    services.revoke_token(actor=cast.worker, token=token)
    for value in (None, timezone.now()):
        with pytest.raises(DatabaseError), transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=value)
    token.refresh_from_db()
    assert token.revoked_at is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())  # other columns stay writable


def test_nicat_token_goes_through_the_service(cast):
    out = io.StringIO()
    call_command("token", cast.worker.username, "--name", "ci system", stdout=out)
    text = out.getvalue().strip()
    row = ApiToken.objects.get(user=cast.worker)
    assert text.startswith(row.prefix) and row.name == "ci system"
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor is None and event.details["via"] == "command" and event.object_id == str(cast.worker.uuid)


def test_nicat_token_refuses_what_the_service_refuses(cast):
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("token", cast.worker.username, "--name", "x" * 101, stderr=err)
    assert "longer than 100" in err.getvalue()
    assert not ApiToken.objects.filter(user=cast.worker).exists()


def test_staff_changes_in_the_admin_are_audited_with_the_changed_fields(client, cast):
    verified_login(client, cast.admin)
    page = client.get(reverse("admin:accounts_user_change", args=[cast.worker.pk]))
    assert page.status_code == 200
    data = {"username": "worker", "first_name": "Aysel", "last_name": "", "email": "", "is_active": "on",
            "is_staff": "on", "preferred_language": "az", "_save": "Save"}
    data.update({k: v for k, v in _management_forms(page).items()})
    response = client.post(reverse("admin:accounts_user_change", args=[cast.worker.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.update")
    assert event.actor == cast.admin
    assert event.changes["is_staff"] == [False, True] and event.changes["first_name"] == ["", "Aysel"]
    assert "password" not in event.changes


def _management_forms(page):
    import re

    return dict(re.findall(r'name="(memberships-[A-Z_]+)"[^>]*value="(\d*)"', page.content.decode()))


def test_an_administrator_cannot_lift_or_drop_his_own_rights(client, cast):
    verified_login(client, cast.admin)
    page = client.get(reverse("admin:accounts_user_change", args=[cast.admin.pk]))
    data = {"username": "admin", "is_active": "on", "is_staff": "on", "_save": "Save"}  # superuser box unticked
    data.update(_management_forms(page))
    response = client.post(reverse("admin:accounts_user_change", args=[cast.admin.pk]), data)
    assert response.status_code == 200 and "your own administrator rights" in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.is_superuser


def test_unlocking_a_locked_account_is_audited(client, cast, settings):
    from axes.models import AccessAttempt

    verified_login(client, cast.admin)
    settings.AXES_ENABLED = True
    for _ in range(5):
        client.__class__().post(reverse("web:login"), {"username": "worker", "password": "wrong password!"})
    settings.AXES_ENABLED = False
    attempt = AccessAttempt.objects.get()
    response = client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    event = AuditEvent.objects.get(action="auth.unlock")
    assert event.actor == cast.admin and event.details["failures"] == 5 and "worker" not in str(event.details)


def test_creating_a_staff_member_in_the_admin_is_audited_without_the_password(client, cast):
    verified_login(client, cast.admin)
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "newstaff", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0", "_save": "Save"})
    assert response.status_code == 302
    user = type(cast.worker).objects.get(username="newstaff")
    event = AuditEvent.objects.get(action="staff.create")
    assert event.actor == cast.admin and event.object_id == str(user.uuid)
    assert event.details == {"password_usable": True} and event.changes["username"] == [None, "newstaff"]
    assert user.password not in str(event.changes) and NEW_PASSWORD not in str(event.changes)
