"""The retention period of a person's identity after their last case closed (nicat/legal/seed.py)."""
from django.db import migrations, models


def load(apps, schema_editor):
    from nicat.legal.seed import load as load_seed

    load_seed(apps.get_model("legal", "LegalParameter"))


def unload(apps, schema_editor):
    apps.get_model("legal", "LegalParameter").objects.filter(code="retention.person_after_closure_months").delete()


class Migration(migrations.Migration):
    dependencies = [("legal", "0002_seed_parameters")]
    operations = [
        migrations.AlterField(
            model_name='legalparameter',
            name='code',
            field=models.CharField(choices=[('allowance.one_time', 'One-time allowance of a recognised victim'), ('allowance.monthly', 'Monthly allowance during reintegration'), ('allowance.monthly_max_months', 'Months of monthly allowance at most'), ('shelter.max_stay_days', 'Shelter: length of a first stay'), ('shelter.extension_days', 'Shelter: length of one extension'), ('shelter.max_extensions', 'Shelter: extensions allowed'), ('centre.max_stay_days', 'Assistance centre: length of a first stay'), ('centre.extension_days', 'Assistance centre: length of one extension'), ('centre.max_extensions', 'Assistance centre: extensions allowed'), ('identification.referral_hours', 'Referral to the Main Department after first contact, at most'), ('foreigners.reflection_days', 'Recovery and reflection period of a foreign or stateless victim'), ('foreigners.residence_permit_months', 'Temporary residence permit of a foreign or stateless victim'), ('referrals.response_hours.emergency', 'Answer to an emergency referral, at most'), ('referrals.response_hours.urgent', 'Answer to an urgent referral, at most'), ('referrals.response_hours.routine', 'Answer to a routine referral, at most'), ('retention.person_after_closure_months', "Retention: a person's identity after the last of their cases closed")], max_length=60, verbose_name='parameter'),
        ),
        migrations.RunPython(load, unload),
    ]
