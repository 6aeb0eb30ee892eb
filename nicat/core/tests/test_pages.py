"""The one page helper: what a user sees after a form or a button calls a service — the message, where
they land, their own input kept with the reason it was not done, 404 for what they may not see."""
import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from nicat.core import pages
from nicat.core.errors import ConcurrentEdit, NotAllowed


class NoteForm(forms.Form):
    text = forms.CharField()
    when = forms.CharField(required=False)


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _said(request):
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _page(request, form, **kwargs):
    drawn = {}

    def draw(status):
        drawn["status"] = status
        drawn["errors"] = form.errors.get_json_data()
        return HttpResponse(status=status)

    kwargs.setdefault("success", "Done.")
    kwargs.setdefault("next_page", "/back/")
    response = pages.form_page(request, form, render_page=draw, **kwargs)
    return response, drawn


def _raise(error):
    def call(data):
        raise error
    return call


def test_success_is_the_message_and_the_result_can_choose_where_to_go():
    request = _request(data={"text": "Met at the shelter."})
    response, _ = _page(request, NoteForm(request.POST), call=lambda data: {"id": 7},
                        success=lambda result: f"Note {result['id']} saved.",
                        next_page=lambda result: f"/notes/{result['id']}/")
    assert response.status_code == 302 and response["Location"] == "/notes/7/"
    assert _said(request) == [("success", "Note 7 saved.")]


def test_a_result_that_is_not_a_path_does_not_redirect_there():
    request = _request(data={"text": "x"})
    response, _ = _page(request, NoteForm(request.POST), call=lambda data: "safety-assessment:high")
    assert response["Location"] == "/back/"


def test_a_field_error_goes_onto_its_field_and_the_typed_text_stays():
    request = _request(data={"text": "typed by the user"})
    form = NoteForm(request.POST)
    response, drawn = _page(request, form, call=_raise(ValidationError({"when": "Give a date.", "other": "No."})))
    assert drawn["status"] == 400
    assert [e["message"] for e in drawn["errors"]["when"]] == ["Give a date."]
    assert [e["message"] for e in drawn["errors"]["__all__"]] == ["No."]
    assert form["text"].value() == "typed by the user" and _said(request) == []


def test_a_concurrent_edit_is_said_on_the_form():
    request = _request(data={"text": "x"})
    _, drawn = _page(request, NoteForm(request.POST), call=_raise(ConcurrentEdit()))
    assert drawn["status"] == 400 and "changed by someone else" in drawn["errors"]["__all__"][0]["message"]


def test_a_page_that_always_answered_200_keeps_it():
    request = _request(data={})
    _, drawn = _page(request, NoteForm(request.POST), call=lambda data: None, invalid_status=200)
    assert drawn["status"] == 200 and "text" in drawn["errors"]


def test_a_refusal_shows_its_real_reason_on_the_form_or_propagates():
    refused = PermissionDenied()
    refused.user_message = "Only the owner institution confirms a consent."
    request = _request(data={"text": "x"})
    _, drawn = _page(request, NoteForm(request.POST), call=_raise(refused))
    assert drawn["status"] == 403
    assert drawn["errors"]["__all__"][0]["message"] == "Only the owner institution confirms a consent."
    request = _request(data={"text": "x"})
    with pytest.raises(PermissionDenied):
        _page(request, NoteForm(request.POST), call=_raise(refused), refused_on_form=False)


def test_not_allowed_is_a_404_or_where_the_page_always_said_so_a_403():
    request = _request(data={"text": "x"})
    with pytest.raises(Http404):
        _page(request, NoteForm(request.POST), call=_raise(NotAllowed()))
    with pytest.raises(PermissionDenied):
        _page(request, NoteForm(request.POST), call=_raise(NotAllowed()), not_allowed=403)


def test_take_errors_can_keep_part_of_an_error_for_elsewhere_on_the_page():
    elsewhere = []

    def take(error):
        elsewhere.extend(m for e in error.error_dict.pop("documents") for m in e.messages)
        return error if error.error_dict else None

    request = _request(data={"text": "x"})
    _, drawn = _page(request, NoteForm(request.POST), call=_raise(ValidationError({"documents": "Attach it."})),
                     take_errors=take)
    assert drawn["status"] == 400 and drawn["errors"] == {} and elsewhere == ["Attach it."]


def test_nothing_is_called_until_the_rest_of_the_page_is_ready():
    called = []
    request = _request(data={"text": "x"})
    _, drawn = _page(request, NoteForm(request.POST), call=called.append, ready=False)
    assert drawn["status"] == 400 and called == []


def test_the_context_is_read_only_when_the_page_is_drawn():
    reads = []
    request = _request(data={"text": "x"})
    response = pages.form_page(request, NoteForm(request.POST), call=lambda data: None, success="Done.",
                               next_page="/back/", template="never-drawn.html", context=lambda: reads.append(1))
    assert response.status_code == 302 and reads == []


def test_an_action_says_why_it_was_not_done_at_the_level_the_page_always_used():
    request = _request()
    response = pages.act(request, _raise(ValidationError("Already acknowledged.")), success="Done.",
                         next_page="/alerts/", invalid_level=pages.messages.INFO)
    assert response["Location"] == "/alerts/" and _said(request) == [("info", "Already acknowledged.")]
    request = _request()
    pages.act(request, _raise(NotAllowed()), success="Done.", next_page="/order/",
              not_allowed="Only a supervisor of the competent authority approves.")
    assert _said(request) == [("error", "Only a supervisor of the competent authority approves.")]
    request = _request()
    with pytest.raises(PermissionDenied):
        pages.act(request, _raise(NotAllowed()), success="Done.", next_page="/x/", not_allowed=403)
    request = _request()
    pages.act(request, lambda data: None, success=None, next_page="/x/")
    assert _said(request) == []
