"""The one-time submission tokens and idempotency keys (nicat.core.submissions): random, never the content,
forgotten after a day by the periodic job."""
import datetime

import pytest
from django.utils import timezone

from nicat.core import submissions
from nicat.core.jobs import periodic_jobs
from nicat.core.models import Submission

pytestmark = pytest.mark.django_db


def _row(key, hours_ago):
    row = Submission.objects.create(key_digest=key * 64, body_digest="0" * 64)
    Submission.objects.filter(pk=row.pk).update(created_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    return row


def test_the_periodic_job_forgets_submissions_older_than_a_day():
    job = periodic_jobs()["submissions.expire"]
    assert job.every == 3600
    _row("a", 25)
    kept = _row("b", 23)
    assert job.resolve()() == {"expired": 1}
    assert list(Submission.objects.values_list("pk", flat=True)) == [kept.pk]


def test_tokens_are_random_and_a_row_holds_no_content(cast):
    assert submissions.new_token() != submissions.new_token()
    body = submissions.body_digest("POST", "/cases/x/notes/", {"text": ["Aysel Məmmədova, +994 50 000 00 01"]})
    row = submissions.claim(cast.worker, "web", "token-1", body)
    stored = " ".join(str(v) for v in Submission.objects.filter(pk=row.pk).values().get().values())
    # (the phone's whole digits: "994" alone turned up in a timestamp's microseconds on one run)
    assert "token-1" not in stored and "Aysel" not in stored and "50 000 00 01" not in stored
    # The same key of another user is another row; of the same user with another body, a mismatch.
    assert submissions.claim(cast.worker2, "web", "token-1", body).pk != row.pk
    with pytest.raises(submissions.Mismatch):
        submissions.claim(cast.worker, "web", "token-1", submissions.body_digest("POST", "/cases/x/notes/", {}))
    with pytest.raises(submissions.Repeated):
        submissions.claim(cast.worker, "web", "token-1", body)
