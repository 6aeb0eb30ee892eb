# One-time submission tokens and API idempotency keys (nicat.core.submissions).

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Submission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_digest', models.CharField(max_length=64, unique=True)),
                ('body_digest', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('status', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('location', models.CharField(blank=True, max_length=500)),
                ('object_type', models.CharField(blank=True, max_length=100)),
                ('object_ids', models.CharField(blank=True, max_length=500)),
                ('serializer', models.CharField(blank=True, max_length=200)),
            ],
        ),
    ]
