"""A person who refused (or withdrew) the use of their case for research (anonymised) is left out of the CTDC
release: the refusal is respected even where the data leave anonymised."""
import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.consent.services import record_consent, withdraw_consent
from nicat.statistics.tests.test_release import _world


def _research(cast, case, decision, when):
    return record_consent(actor=cast.worker, case=case, data={
        "purpose": "research", "decision": decision, "method": "written", "given_at": when})


@pytest.mark.django_db
def test_a_case_whose_person_refused_research_is_left_out_of_the_ctdc_release(cast, tmp_path):
    _world(cast, n=24)
    from nicat.cases.models import Case

    cases = list(Case.objects.system().order_by("pk"))
    earlier, later = timezone.now() - datetime.timedelta(days=2), timezone.now() - datetime.timedelta(days=1)
    _research(cast, cases[0], "refused", earlier)                                 # refused: out
    withdraw_consent(actor=cast.worker, consent=_research(cast, cases[1], "given", earlier),
                     note="No longer wants it used.")                              # withdrawn: out
    _research(cast, cases[2], "refused", earlier)
    _research(cast, cases[2], "given", later)                                     # agreed later: in
    _research(cast, cases[3], "given", earlier)                                   # given: in

    err = io.StringIO()
    call_command("statistics", "release", "--format", "ctdc", "--k", "2", str(tmp_path / "r.csv"), stderr=err)
    event = AuditEvent.objects.filter(action="statistics.release").latest("sequence")
    assert event.details["cases"] == 22
    assert event.details["refused"] == 2
    assert "2 left out because the person refused research" in err.getvalue()
