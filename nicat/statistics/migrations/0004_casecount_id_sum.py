from django.db import migrations, models


def forget_the_last_recount(apps, schema_editor):
    """The stored totals have no sums of ids yet: until the next recount fills them, the analysts' figures
    are counted live (as before a first recount), never perturbed with keys of 0."""
    apps.get_model("statistics", "CaseCount").objects.all().delete()
    apps.get_model("statistics", "CaseCountsRefresh").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("statistics", "0003_scheduled_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="casecount",
            name="id_sum",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(forget_the_last_recount, migrations.RunPython.noop),
    ]
