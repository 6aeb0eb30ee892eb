from django.db import migrations, models


class Migration(migrations.Migration):
    """The holders of a token read from the index alone (token, person): the name search scores
    thousands of postings per query, and reading each posting's row from the table was a random page
    read per holder when the postings were not cached (bench/registry_scale.py at 1,000,000 persons)."""

    dependencies = [
        ('persons', '0004_person_data_key_erasure'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='persontoken',
            index=models.Index(fields=['token', 'person'], name='persons_token_holders'),
        ),
    ]
