"""Seed the legal parameters with their sources (nicat/legal/seed.py)."""
from django.db import migrations


def load(apps, schema_editor):
    from nicat.legal.seed import load as load_seed

    load_seed(apps.get_model("legal", "LegalParameter"))


def unload(apps, schema_editor):
    apps.get_model("legal", "LegalParameter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
