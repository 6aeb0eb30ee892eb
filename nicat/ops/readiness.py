"""What `/readyz` checks: the database answers, every migration is applied, the field and index keys are
present and open the canary sealed when the database was first served, and the audit head has been
signed recently. Each check names itself and, when it fails, why — never data."""
import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

CANARY_TEXT = "nicat-key-canary"
CANARY_CONTEXT = "ops.keycanary.sealed"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


_migrations_ok_until = 0.0


def database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Check("database", True)


def migrations():
    """Cached for a minute once everything is applied (a deploy migrates before it restarts)."""
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return Check("migrations", True)
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return Check("migrations", False, f"{len(plan)} not applied (run `nicat migrate`)")
    _migrations_ok_until = time.monotonic() + 60
    return Check("migrations", True)


def keys():
    from nicat.ops.models import KeyCanary
    from nicat.privacy.crypto import DecryptionError, blind_index, keyring

    ring = keyring()
    index = blind_index(CANARY_TEXT, "ops.canary")
    canary = KeyCanary.objects.filter(name="field-keys").first()
    if canary is None:
        KeyCanary.objects.get_or_create(name="field-keys", defaults={
            "sealed": ring.encrypt(CANARY_TEXT, CANARY_CONTEXT), "index": index})
        return Check("keys", True, "canary sealed")
    try:
        opened = ring.decrypt(canary.sealed, CANARY_CONTEXT)
    except DecryptionError:
        return Check("keys", False, "the field keys do not open the canary (NICAT_FIELD_KEYS lacks the key "
                                    "the data was sealed with)")
    if opened != CANARY_TEXT:
        return Check("keys", False, "the canary opened to another value")
    if canary.index != index:
        return Check("keys", False, "NICAT_INDEX_KEY differs from the one the data was indexed with")
    if ring.key_id_of(canary.sealed) != ring.current_id:  # keep the canary on the newest key after a rotation
        KeyCanary.objects.filter(pk=canary.pk).update(sealed=ring.encrypt(CANARY_TEXT, CANARY_CONTEXT))
    return Check("keys", True)


def audit():
    from nicat.audit.checkpoints import signing_key
    from nicat.audit.models import AuditCheckpoint, AuditEvent

    if signing_key(required=False) is None:
        return Check("audit", False, "no audit signing key (NICAT_AUDIT_SIGNING_KEY or _FILE)")
    last = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    first_unsigned = (AuditEvent.objects.filter(sequence__gt=last).order_by("sequence")
                      .values_list("occurred_at", flat=True).first())
    if first_unsigned is None:
        return Check("audit", True)
    age = timezone.now() - first_unsigned
    limit = datetime.timedelta(seconds=settings.NICAT_READY_CHECKPOINT_SECONDS)
    if age > limit:
        return Check("audit", False, f"events unsigned for {int(age.total_seconds())} s (is `nicat worker` "
                                     f"running?)")
    return Check("audit", True)


def check_all():
    results = []
    for fn in (database, migrations, keys, audit):
        try:
            results.append(fn())
        except DatabaseError as exc:
            results.append(Check(fn.__name__, False, f"database error ({exc.__class__.__name__})"))
        except Exception as exc:  # a readiness probe names the failure instead of answering 500
            results.append(Check(fn.__name__, False, exc.__class__.__name__))
        if fn is database and not results[-1].ok:
            break
    return results
