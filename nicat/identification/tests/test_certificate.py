"""The status certificate: a PDF in the person's language, only for recognised victims, printing audited."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.core.errors import NotAllowed
from nicat.identification import services
from nicat.identification.indicators import certificate_texts
from tests.support.identification import refer_with_consent

pytestmark = pytest.mark.django_db


def _recognise(cast, case, **extra):
    refer_with_consent(cast.worker, case)
    case = Case.objects.system().get(pk=case.pk)
    services.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "documents": [{"title": "Inquiry report"}], "certificate_language": "ru",
        "release_from_liability": True, **extra})
    return Case.objects.system().get(pk=case.pk)


def _pdf_title(pdf, language):
    """fpdf2 writes the document title as UTF-16 (hex or literal) into the Info dictionary."""
    title = certificate_texts()[language]["title"]
    return title.encode("utf-16-be").hex().upper().encode() in pdf.upper() or title.encode("latin-1", "ignore") in pdf


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_certificate_in_each_language(cast, foreign_case, language):
    case = _recognise(cast, foreign_case)
    pdf = services.certificate_pdf(actor=cast.worker, case=case, language=language)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000
    assert _pdf_title(pdf, language)
    event = AuditEvent.objects.get(action="identification.certificate.print")
    assert event.details == {"language": language} and event.case_uuid == str(case.uuid)


def test_certificate_defaults_to_the_language_chosen_in_the_decision(cast, adult_case):
    case = _recognise(cast, adult_case)
    assert _pdf_title(services.certificate_pdf(actor=cast.officer, case=case), "ru")


def test_no_certificate_before_recognition_or_for_strangers(cast, adult_case):
    with pytest.raises(ValidationError, match="only for an officially recognised"):
        services.certificate_pdf(actor=cast.worker, case=adult_case)
    case = _recognise(cast, adult_case)
    with pytest.raises(NotAllowed):
        services.certificate_pdf(actor=cast.worker2, case=case)
    with pytest.raises(ValidationError):
        services.certificate_pdf(actor=cast.worker, case=case, language="de")
    assert not AuditEvent.objects.filter(action="identification.certificate.print").exists()


def test_certificate_of_a_child_with_azerbaijani_letters(cast):
    born = timezone.localdate() - datetime.timedelta(days=15 * 365)
    case = cast.open_case(person={"given_name": "Gülnarə", "family_name": "Şıxəliyeva", "birth_date": born})
    case = _recognise(cast, case)
    assert services.certificate_pdf(actor=cast.worker, case=case, language="az").startswith(b"%PDF-")
