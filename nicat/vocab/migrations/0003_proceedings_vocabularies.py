"""The vocabularies of criminal proceedings (issue 17): articles of the Criminal Code, the roles of a
suspected trafficker (HTCDS per_RoleInProcess) and their relation to the victim."""
from django.db import migrations, models


def load(apps, schema_editor):
    from nicat.vocab.loader import load_all

    load_all(apps.get_model("vocab", "Term"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("vocab", "0002_load_vocabularies")]

    operations = [
        migrations.AlterField(
            model_name="term",
            name="vocabulary",
            field=models.CharField(choices=[
                ("act", "Act"), ("means", "Means"), ("exploitation", "Form of exploitation"),
                ("risk_group", "Risk group"), ("recruitment_channel", "Recruitment channel"),
                ("institution_kind", "Institution kind"), ("country", "Country"), ("language", "Language"),
                ("gender", "Gender"), ("document_type", "Identity document type"), ("region", "Region"),
                ("criminal_article", "Article of the Criminal Code"),
                ("perpetrator_role", "Role of the suspected trafficker"),
                ("trafficker_relation", "Relation of the suspected trafficker to the victim")],
                db_index=True, max_length=40, verbose_name="vocabulary"),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
