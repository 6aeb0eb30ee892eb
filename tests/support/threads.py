"""Real races for the concurrency tests: jobs in their own threads (each its own database connection),
released together by a barrier. SQLite lines their transactions up; PostgreSQL lets them meet."""
import threading

from django.core.exceptions import ValidationError
from django.db import connection


def race(jobs):
    """Run every job at once; their outcomes in order: the text the job returned (else "ok"),
    "refused: <messages>" for a ValidationError, "error: <repr>" for anything else."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait(timeout=30)
            result = job()
            outcomes[i] = result if isinstance(result, str) else "ok"
        except ValidationError as error:
            outcomes[i] = "refused: " + " ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - reported in the caller's assertion
            outcomes[i] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes
