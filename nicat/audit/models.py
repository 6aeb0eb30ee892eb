"""The audit trail: an append-only, hash-chained log of who did what, and signed checkpoints of it.

Rows are written only by `nicat.audit.services.record` (events) and
`nicat.audit.checkpoints.create_checkpoint` (checkpoints). Database triggers refuse UPDATE and
DELETE on both tables (see migrations/0002_triggers.py and docs/audit.md).
"""
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The canonical form and the hash live in chain.py (pure functions, no model); the names stay here too.
from nicat.audit.chain import GENESIS_HASH, canonical_bytes, canonical_json, event_hash  # noqa: F401


class CanonicalJSONField(models.TextField):
    """A JSON value stored as canonical text (not jsonb), so the stored bytes are the hashed bytes."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def get_prep_value(self, value):
        return canonical_json(value)

    def value_to_string(self, obj):
        return canonical_json(self.value_from_object(obj))


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk UPDATE and DELETE are refused here too (the database triggers refuse them anyway)."""

    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")

    _raw_delete = delete  # type: ignore[assignment]  # Django's bulk delete path refuses too

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def bulk_create(self, *args, **kwargs):
        raise PermissionError("Append audit events with nicat.audit.services.record(), one at a time.")

    def update_or_create(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    # The sequence is the primary key: gap-free, assigned under the chain lock by services.record.
    sequence = models.BigIntegerField(_("sequence"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", db_constraint=True, verbose_name=_("staff member"))
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("institution"))
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    case_reference = models.CharField(_("case reference"), max_length=32, blank=True, db_index=True)
    case_uuid = models.CharField(_("case"), max_length=36, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    changes = CanonicalJSONField(_("changes"), default=dict, blank=True)
    details = CanonicalJSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # object_id: a record's own events (a person's, in their cases' trails and their subject-access report)
        indexes = [models.Index(fields=["actor", "occurred_at"], name="audit_event_actor_time"),
                   models.Index(fields=["object_id"], name="audit_event_object")]
        default_permissions = ("view",)

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.actor_username or '-'}"

    def save(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only; append them with nicat.audit.services.record().")

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def canonical_bytes(self) -> bytes:
        return canonical_bytes(self)

    def compute_hash(self) -> str:
        return event_hash(self)


class AuditCheckpoint(models.Model):
    """A signature over (sequence, hash) of one event: the chain up to it can no longer be rewritten
    without the private key, which is kept outside the database."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed"))
    signature = models.CharField(max_length=128)
    public_key_id = models.CharField(max_length=32)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        default_permissions = ("view",)

    def __str__(self):
        return f"checkpoint #{self.sequence}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit checkpoints are append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit checkpoints are append-only.")
