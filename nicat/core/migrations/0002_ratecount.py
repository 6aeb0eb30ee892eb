# The public doors' request counters, shared by every process (nicat.core.ratelimit).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_submission'),
    ]

    operations = [
        migrations.CreateModel(
            name='RateCount',
            fields=[
                ('key', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('window_ends', models.BigIntegerField(db_index=True)),
                ('count', models.PositiveIntegerField()),
            ],
        ),
    ]
