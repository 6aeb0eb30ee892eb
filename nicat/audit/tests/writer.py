"""A separate process appending audit events through the whole Django stack (used by test_concurrency).

    python -m nicat.audit.tests.writer DB_NAME COUNT BARRIER_DIR USER_ID

Once Django is loaded, the writer creates BARRIER_DIR/ready-<pid> and waits for BARRIER_DIR/go, so
that all writers start appending at the same moment.
"""
import os
import sys
import time


def main(db_name, count, barrier, user_id):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nicat.settings_test")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name  # the test database, not the configured one
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from nicat.audit.services import record

    user = get_user_model().objects.get(pk=user_id)
    open(os.path.join(barrier, f"ready-{os.getpid()}"), "w").close()
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(barrier, "go")) and time.time() < deadline:
        time.sleep(0.005)
    for n in range(count):
        record(actor=user if n % 2 else None, action="api.read", details={"pid": os.getpid(), "n": n})
        time.sleep(0.002)  # like a real request between two appends: lets the others take turns
    connection.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
