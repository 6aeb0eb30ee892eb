# Written from `makemigrations audit --dry-run` output, merged into one migration.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import nicat.audit.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("directory", "__first__"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.BigIntegerField(unique=True, verbose_name="sequence")),
                ("hash", models.CharField(max_length=64)),
                ("signed_at", models.DateTimeField(verbose_name="signed")),
                ("signature", models.CharField(max_length=128)),
                ("public_key_id", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "audit checkpoint",
                "verbose_name_plural": "audit checkpoints",
                "ordering": ["sequence"],
                "default_permissions": ("view",),
            },
        ),
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("sequence", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="sequence")),
                ("occurred_at", models.DateTimeField(db_index=True, verbose_name="time")),
                ("actor_username", models.CharField(blank=True, max_length=150, verbose_name="user name")),
                ("action", models.CharField(db_index=True, max_length=64, verbose_name="action")),
                ("object_type", models.CharField(blank=True, max_length=100, verbose_name="object type")),
                ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object")),
                ("case_reference", models.CharField(blank=True, db_index=True, max_length=32, verbose_name="case reference")),
                ("case_uuid", models.CharField(blank=True, db_index=True, max_length=36, verbose_name="case")),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                ("ip", models.CharField(blank=True, max_length=45, verbose_name="IP address")),
                ("request_id", models.CharField(blank=True, max_length=64, verbose_name="request id")),
                ("changes", nicat.audit.models.CanonicalJSONField(blank=True, default=dict, verbose_name="changes")),
                ("details", nicat.audit.models.CanonicalJSONField(blank=True, default=dict, verbose_name="details")),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="staff member")),
                ("institution", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="+", to="directory.institution",
                                                  verbose_name="institution")),
            ],
            options={
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
                "ordering": ["sequence"],
                "default_permissions": ("view",),
                "indexes": [models.Index(fields=["actor", "occurred_at"], name="audit_event_actor_time")],
            },
        ),
    ]
