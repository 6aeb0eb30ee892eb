"""Triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the audit tables.

See nicat/audit/guard.py for the SQL and for the single, test-only teardown exception.
NOTE for later migrations: SQLite rebuilds a table to alter it, which drops its triggers; a
migration that alters these models must end with RunPython(install_triggers) again.
"""
from django.db import migrations

from nicat.audit.guard import install_triggers, remove_triggers


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install_triggers, remove_triggers, elidable=False)]
