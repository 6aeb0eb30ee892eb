"""record() and diff(): what an event holds, and that it shares the fate of the action it audits."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, models, transaction

from nicat.audit import services
from nicat.audit.models import AuditEvent
from nicat.audit.services import diff, open_value, record
from nicat.core.context import _request_context
from nicat.privacy.fields import EncryptedCharField

pytestmark = pytest.mark.django_db


def test_event_holds_actor_object_and_request(user):
    token = _request_context.set({"request_id": "abc123def456", "ip": "192.0.2.7"})
    try:
        event = record(actor=user, action="token.create", obj=user, reason="new laptop",
                       details={"token_prefix": "ab12"})
    finally:
        _request_context.reset(token)
    event = AuditEvent.objects.get(sequence=event.sequence)
    assert (event.actor, event.actor_username, event.action) == (user, "auditor.test", "token.create")
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.uuid))
    assert (event.ip, event.request_id, event.reason) == ("192.0.2.7", "abc123def456", "new laptop")
    assert event.details == {"token_prefix": "ab12"}


def test_anonymous_actor_is_recorded_as_nobody():
    event = record(actor=AnonymousUser(), action="auth.login_failed", details={"username": "who.ever"})
    assert event.actor_id is None and event.actor_username == ""
    assert event.details == {"username": "who.ever"}
    assert record(actor=None, action="referral.overdue").actor_id is None


def test_a_failed_audit_write_rolls_back_the_action(user, django_user_model, monkeypatch):
    def broken(event):
        raise IntegrityError("disk full")

    monkeypatch.setattr(services, "_maybe_checkpoint", broken)
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            django_user_model.objects.create_user(username="created.in.action")
            record(actor=user, action="membership.change")
    assert not django_user_model.objects.filter(username="created.in.action").exists()
    assert not AuditEvent.objects.exists()


def test_a_rolled_back_action_leaves_no_event_and_no_gap(user):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            record(actor=user, action="case.update")
            raise RuntimeError("validation failed later")
    assert record(actor=user, action="case.update").sequence == 1


class _Person:
    """A stand-in model class with one encrypted and one plain field."""

    class _meta:
        concrete_fields = []


_name = EncryptedCharField()
_name.set_attributes_from_name("given_name")
_name.model = _Person
_status = models.CharField(max_length=10)
_status.set_attributes_from_name("status")
_Person._meta.concrete_fields = [_name, _status]


def test_diff_keeps_changed_fields_only_and_seals_encrypted_values():
    changes = diff(_Person, {"given_name": "Aysel", "status": "open", "same": 1},
                   {"given_name": "Aygün", "status": "closed", "same": 1})
    assert set(changes) == {"given_name", "status"}
    assert changes["status"] == ["open", "closed"]
    old, new = changes["given_name"]
    assert old.startswith("enc1:") and new.startswith("enc1:")
    assert "Aysel" not in old + new and "Ayg" not in old + new
    assert (open_value(old), open_value(new)) == ("Aysel", "Aygün")


def test_sealed_changes_stay_sealed_in_the_trail(user):
    event = record(actor=user, action="person.update", changes=diff(_Person, {"given_name": "Aysel"},
                                                                   {"given_name": "Leyla"}))
    stored = AuditEvent.objects.get(sequence=event.sequence)
    assert "Leyla" not in stored.canonical_bytes().decode()
    assert open_value(stored.changes["given_name"][1]) == "Leyla"
