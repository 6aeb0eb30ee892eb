"""Role grants that wait for confirmation, and API-token revocation that cannot be undone.

- Membership: a UUID (for the confirmation page's URLs; existing rows get their own in three
  steps), a status (in effect / awaiting confirmation / rejected / ended), who granted, confirmed
  or ended it and when, and a check constraint: only a grant in effect is active.
- ApiToken: a trigger refuses to clear or change `revoked_at` once set (SQLite and PostgreSQL).
  NOTE for later migrations: SQLite rebuilds a table to alter it, which drops its triggers; a
  migration that alters ApiToken must end with RunPython(install_token_trigger) again
  (nicat/accounts/tests/test_admin_audited_services.py::test_revoked_token_cannot_be_restored_in_the_database fails otherwise).
"""
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS accounts_apitoken_revoked_for_good BEFORE UPDATE OF revoked_at "
    "ON accounts_apitoken WHEN OLD.revoked_at IS NOT NULL AND "
    "(NEW.revoked_at IS NULL OR NEW.revoked_at != OLD.revoked_at) "
    "BEGIN SELECT RAISE(ABORT, 'a revoked API token cannot be restored'); END"
)
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION nicat_token_revoked_for_good() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
        RAISE EXCEPTION 'a revoked API token cannot be restored' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$"""
PG_TRIGGER = [
    "DROP TRIGGER IF EXISTS accounts_apitoken_revoked_for_good ON accounts_apitoken",
    "CREATE TRIGGER accounts_apitoken_revoked_for_good BEFORE UPDATE ON accounts_apitoken "
    "FOR EACH ROW EXECUTE FUNCTION nicat_token_revoked_for_good()",
]


def install_token_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [SQLITE_TRIGGER]
    elif vendor == "postgresql":
        statements = [PG_FUNCTION, *PG_TRIGGER]
    else:  # pragma: no cover - other engines are not supported
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove_token_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS accounts_apitoken_revoked_for_good")
        elif vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS accounts_apitoken_revoked_for_good ON accounts_apitoken")
            cursor.execute("DROP FUNCTION IF EXISTS nicat_token_revoked_for_good()")


def fill_membership_uuids(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    for membership in Membership.objects.filter(uuid__isnull=True).only("pk"):
        Membership.objects.filter(pk=membership.pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_session_epoch_token_uuid"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_membership_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="membership",
            name="status",
            field=models.CharField(choices=[("active", "In effect"), ("pending", "Awaiting confirmation"),
                                            ("rejected", "Rejected"), ("ended", "Ended")],
                                   default="active", max_length=10, verbose_name="status"),
        ),
        migrations.AddField(
            model_name="membership",
            name="granted_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="granted by"),
        ),
        migrations.AddField(
            model_name="membership",
            name="granted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="granted"),
        ),
        migrations.AddField(
            model_name="membership",
            name="decided_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL,
                                    verbose_name="confirmed or rejected by"),
        ),
        migrations.AddField(
            model_name="membership",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed or rejected"),
        ),
        migrations.AddField(
            model_name="membership",
            name="ended_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="ended by"),
        ),
        migrations.AddField(
            model_name="membership",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ended"),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(condition=models.Q(("active", False), ("status", "active"),
                                                                 _connector="OR"),
                                              name="accounts_membership_active_only_in_effect"),
        ),
        migrations.RunPython(install_token_trigger, remove_token_trigger, elidable=False),
    ]
