"""Load the reference vocabularies from nicat/vocab/data/*.yaml.

When a data file changes, add a new migration like this one (depending on the latest vocab
migration): `load_all` upserts by (vocabulary, code) and deactivates terms dropped from a file,
so running it again is safe.
"""
from django.db import migrations


def load(apps, schema_editor):
    from nicat.vocab.loader import load_all

    load_all(apps.get_model("vocab", "Term"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("vocab", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
