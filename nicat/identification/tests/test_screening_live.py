"""The screening form in sections with progress, and the recommendation that follows the answers as they
change (HTMX posts the form to a preview that saves nothing)."""
import pytest
from django.urls import reverse

from nicat.identification.models import Screening
from nicat.identification.tests.test_pages import screening_post
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db


def test_form_has_sections_progress_and_a_live_recommendation(client, cast, adult_case):
    verified_login(client, cast.worker)
    html = client.get(reverse("identification:screening_new", args=[adult_case.uuid])).content.decode()
    assert 'data-testid="screening-progress"' in html
    assert html.count('<details class="screening-element') >= 5  # one section per element of the profile
    preview = reverse("identification:screening_preview", args=[adult_case.uuid])
    assert f'hx-post="{preview}"' in html and 'hx-include="#screening-form"' in html


def test_preview_follows_the_answers_and_saves_nothing(client, cast, adult_case):
    verified_login(client, cast.worker)
    url = reverse("identification:screening_preview", args=[adult_case.uuid])
    full = client.post(url, screening_post())
    assert full.status_code == 200
    assert 'data-next-step="refer_identification"' in full.content.decode()
    assert 'id="live-next-step"' in full.content.decode() and 'hx-swap-oob="true"' in full.content.decode()
    # Nothing known yet: no act, means or purpose, no indicator — the recommendation changes with the answers.
    empty = client.post(url, {}).content.decode()
    assert 'data-next-step="' in empty and 'data-next-step="refer_identification"' not in empty
    assert not Screening.objects.system().exists()


def test_preview_of_invalid_answers_says_so(client, cast, adult_case):
    verified_login(client, cast.worker)
    url = reverse("identification:screening_preview", args=[adult_case.uuid])
    response = client.post(url, screening_post(acts_began_on="not a date"))
    assert response.status_code == 200 and 'data-testid="preview-invalid"' in response.content.decode()


def test_preview_of_a_case_one_cannot_see_is_not_found(client, cast, adult_case):
    verified_login(client, cast.worker2)
    url = reverse("identification:screening_preview", args=[adult_case.uuid])
    assert client.post(url, screening_post()).status_code == 404
    assert term("act", "recruitment")  # the vocabulary is there: the 404 is the case's
