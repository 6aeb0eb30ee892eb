"""Sign out everywhere (a per-user session epoch) and UUIDs for API tokens (for their URLs).

Existing tokens get their own UUIDs in three steps (add without uniqueness, fill, make unique).
"""
import uuid

from django.db import migrations, models


def fill_token_uuids(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(uuid__isnull=True).only("pk"):
        ApiToken.objects.filter(pk=token.pk).update(uuid=uuid.uuid4())


def fill_session_epochs(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk"):
        User.objects.filter(pk=user.pk).update(session_epoch=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="session_epoch",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(fill_session_epochs, migrations.RunPython.noop),
        migrations.AddField(
            model_name="apitoken",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_token_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
