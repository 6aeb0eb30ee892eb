"""PostgreSQL: the audit append as one server-side function (issue 19, item 5).

`nicat_audit_append(...)` takes the chain lock (the transaction-level advisory lock), reads the head,
links and hashes the event exactly as `_append_sql` does (SHA-256 of head + prev_hash + tail +
sequence + "}", the canonical text of chain.py) and inserts it: one statement per append, whose
plans the server keeps for the session, instead of a lock statement and an INSERT planned anew each
time. Nothing secret is computed on the server: the hash is the public chain hash, which the caller
recomputes in Python and refuses on any difference. SQLite keeps the single INSERT of `_append_sql`.
"""
from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION nicat_audit_append(
    lock_key bigint, genesis text, p_occurred_at timestamptz, p_actor_id bigint, p_actor_username text,
    p_institution_id bigint, p_action text, p_object_type text, p_object_id text, p_case_reference text,
    p_case_uuid text, p_reason text, p_ip text, p_request_id text, p_changes text, p_details text,
    p_head text, p_tail text)
RETURNS TABLE (seq bigint, prev text, digest text)
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.sequence, e.hash INTO seq, prev FROM audit_auditevent e ORDER BY e.sequence DESC LIMIT 1;
    IF seq IS NULL THEN
        seq := 0;
        prev := genesis;
    END IF;
    seq := seq + 1;
    digest := encode(sha256(convert_to(p_head || '"' || prev || '"' || p_tail || seq::text || '}', 'UTF8')), 'hex');
    INSERT INTO audit_auditevent (sequence, occurred_at, actor_id, actor_username, institution_id, action,
        object_type, object_id, case_reference, case_uuid, reason, ip, request_id, changes, details, prev_hash, hash)
    VALUES (seq, p_occurred_at, p_actor_id, p_actor_username, p_institution_id, p_action, p_object_type,
        p_object_id, p_case_reference, p_case_uuid, p_reason, p_ip, p_request_id, p_changes, p_details, prev, digest);
    RETURN NEXT;
END
$fn$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS nicat_audit_append(bigint, text, timestamptz, bigint, text, "
                              "bigint, text, text, text, text, text, text, text, text, text, text, text, text)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
