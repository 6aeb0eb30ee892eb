"""The age of majority (who is a child) as a legal parameter with its source (nicat/legal/seed.py), no longer a
constant of nicat/persons/age.py."""
import datetime
from decimal import Decimal

from django.db import migrations, models

CODE = "persons.child_age_years"


def load(apps, schema_editor):
    from nicat.legal.seed import SEED

    LegalParameter = apps.get_model("legal", "LegalParameter")
    for code, value, valid_from, act, source, confirmed in SEED:
        if code == CODE:  # only the new figure: an administrator's correction of another is kept
            LegalParameter.objects.get_or_create(
                code=code, valid_from=datetime.date.fromisoformat(valid_from),
                defaults={"value": Decimal(value), "legal_act": act, "source": source, "confirmed": confirmed})


def unload(apps, schema_editor):
    apps.get_model("legal", "LegalParameter").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('legal', '0004_retention_hotline_contacts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='legalparameter',
            name='code',
            field=models.CharField(choices=[('allowance.one_time', 'One-time allowance of a recognised victim'), ('allowance.monthly', 'Monthly allowance during reintegration'), ('allowance.monthly_max_months', 'Months of monthly allowance at most'), ('shelter.max_stay_days', 'Shelter: length of a first stay'), ('shelter.extension_days', 'Shelter: length of one extension'), ('shelter.max_extensions', 'Shelter: extensions allowed'), ('centre.max_stay_days', 'Assistance centre: length of a first stay'), ('centre.extension_days', 'Assistance centre: length of one extension'), ('centre.max_extensions', 'Assistance centre: extensions allowed'), ('identification.referral_hours', 'Referral to the Main Department after first contact, at most'), ('foreigners.reflection_days', 'Recovery and reflection period of a foreign or stateless victim'), ('foreigners.residence_permit_months', 'Temporary residence permit of a foreign or stateless victim'), ('referrals.response_hours.emergency', 'Answer to an emergency referral, at most'), ('referrals.response_hours.urgent', 'Answer to an urgent referral, at most'), ('referrals.response_hours.routine', 'Answer to a routine referral, at most'), ('retention.person_after_closure_months', "Retention: a person's identity after the last of their cases closed"), ('retention.hotline_contact_months', "Retention: a hotline contact's identifying details when it led to no case"), ('persons.child_age_years', 'Age of majority: a person younger is a child')], max_length=60, verbose_name='parameter'),
        ),
        migrations.RunPython(load, unload),
    ]
