"""The one page helper (decision 0006, "The read path"): a page calls a service and shows what came of it.

`form_page` — GET shows the form; a valid POST calls the service with the cleaned data; success is a
message and a redirect; a ValidationError goes onto the fields it names (the form shown again, 400,
with what the user typed); a refusal the user is told about (`PermissionDenied` carrying a
`user_message`, e.g. `access.policy.Refused`) goes onto the form with its real reason (403);
`NotAllowed` — the record is not visible — is a 404, so that existence does not leak; a change filed for
a supervisor's approval (`ApprovalPending`) is an information message and the redirect.

`search_page` — a search whose terms (names, phone and document numbers, birth dates) never travel in the
address: the form is POSTed and the results are drawn in that answer; a GET carrying terms is refused.

`act` — a POSTed action without a page of its own (a button on a detail page): the outcomes as
messages on the page it returns to (a refusal: the 403 page with its reason).

Both make one record of one click: a form carrying a one-time token (`{% submission_token %}`,
nicat.core.submissions) that is sent again — a double click, a browser re-sending a slow form — changes
nothing and goes where the first went, saying "This was already saved"; the same token with other content
(a form kept open after it was saved, changed and sent again) is shown again with a fresh token and the
reason (409), so nothing typed is lost.

This layer imports no other Nicat app (Django only), so every app's views use it."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from nicat.core import submissions
from nicat.core.approvals import ApprovalPending
from nicat.core.errors import NotAllowed
from nicat.core.forms import apply_errors


def refusal_message(error):
    """The reason a refusal gives the user (a role that may not do this, when it says nothing more)."""
    return getattr(error, "user_message", None) or str(error) or _(
        "Your role does not allow this. Ask your supervisor if you need to do it.")


def error_messages(error):
    """A ValidationError as one line for a message (the fields' sentences, in order)."""
    if hasattr(error, "error_dict"):
        return " ".join(m for msgs in error.message_dict.values() for m in msgs)
    return " ".join(error.messages)


def _target(result, next_page):
    if callable(next_page):
        return next_page(result)
    return result if isinstance(result, str) and result.startswith("/") else next_page


def _not_allowed(status, error):
    """`NotAllowed` as a 404, or as the 403 page with the reason it gives (if it gives one)."""
    if status == 403:
        refused = PermissionDenied(str(error))
        refused.user_message = str(error) or None  # type: ignore[attr-defined]
        raise refused from None
    raise Http404 from None


def repeated(request, error, next_page):
    """The answer to a form sent again (`submissions.Repeated`): where the first went, and why nothing changed."""
    messages.info(request, error.message)
    return redirect(error.row.location or next_page)


def changed_since_sent():
    return _("This form was already sent and saved with other content. Check what was saved; to add this "
             "too, send the form again.")


def _said(request, success, result):
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)


def form_page(request, form, *, call, success, next_page, template=None, context=None, also=None,
              refused_on_form=True, render_page=None, ready=True, invalid_status=400, take_errors=None,
              not_allowed=404):
    """Render `template` with `form` (and `context`), or — on a valid POST — call `call(cleaned_data)`.

    After the call:
    - `success`: the message after the change (a callable gets the service's result; one that returns
      nothing leaves no message — it may have said something else itself, a warning).
    - `next_page`: where to go then — a path, a URL name with no arguments, or a callable that gets the
      service's result and returns the target; a result that is a path on this site ("/…") wins over a
      plain `next_page`.
    - `take_errors(error)`: sees the service's ValidationError first and returns what of it goes onto the
      form (all of it, a part, or None) — for a page that shows some errors elsewhere (a formset's) or
      draws more from them (a link to the consent that is missing).
    - `refused_on_form=False` lets a refusal propagate (the 403 page with its reason) instead of showing
      it on the form; `not_allowed`: `NotAllowed` is a 404 (existence does not leak), or 403 where the
      page has always shown it as a refusal (the record is shown to the user, the action is not theirs),
      with the reason the `NotAllowed` gives.

    Before the call: `also`, a second form on the page that must be valid too and takes the errors
    naming its fields; `ready`, anything else that must be valid first (a formset's `is_valid()`).

    How the page is drawn: `template` with `{"form": form, **context}` — `context` a dict, or a callable
    returning one, called only when the page is drawn (so that it reads what this request's outcome left)
    — or `render_page(status)`, a function of the view's own that returns the response (a page with
    several forms, another layout). `invalid_status`: the status of the form shown again after a POST
    that changed nothing (400; some pages have always answered 200); a refusal on the form is 403."""
    status = 200
    if request.method == "POST":
        status = invalid_status
        if form.is_valid() and (also is None or also.is_valid()) and ready:
            try:
                result = submissions.once(request, lambda: call(form.cleaned_data),
                                          location=lambda result: _target(result, next_page))
            except submissions.Repeated as error:
                return repeated(request, error, "/" if callable(next_page) else next_page)
            except submissions.Mismatch:
                form.add_error(None, changed_since_sent())
                status = 409
            except NotAllowed as error:
                _not_allowed(not_allowed, error)
            except ApprovalPending as pending:  # filed for a supervisor's approval: nothing changed yet
                messages.info(request, pending.messages[0])
                return redirect(next_page(None) if callable(next_page) else next_page)
            except PermissionDenied as error:
                if not refused_on_form:
                    raise
                form.add_error(None, refusal_message(error))
                status = 403
            except ValidationError as error:
                if take_errors is not None:
                    error = take_errors(error)
                if error is not None:
                    apply_errors(form, error, also=also)
            else:
                _said(request, success, result)
                return redirect(_target(result, next_page))
    if render_page is not None:
        return render_page(status)
    extra = context() if callable(context) else context
    return render(request, template, {"form": form, **(extra or {})}, status=status)


def act(request, call, *, success, next_page, form=None, refused_as_message=False, not_allowed=404,
        invalid_level=messages.ERROR):
    """A POSTed action: validate `form` (if any), call `call(cleaned_data)`, then redirect to `next_page`
    (a path or a URL name) with a success message (`success` as in `form_page`) — or with the reason it
    was not done (a field error, a concurrent edit) as a message of `invalid_level` (an error; information
    where the page has always said so).
    `NotAllowed` is a 404 — or, where the page has always answered otherwise, with `not_allowed` 403 (the
    refusal page) or a string: that message on the page it returns to. A refusal (`PermissionDenied`) is
    the 403 page with its reason, or — with `refused_as_message` — an error message."""
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(next_page)
    try:
        result = submissions.once(request, lambda: call(form.cleaned_data if form is not None else {}),
                                  location=lambda result: _target(result, next_page))
    except submissions.Repeated as error:
        return repeated(request, error, next_page)
    except submissions.Mismatch:
        messages.error(request, changed_since_sent())
    except NotAllowed as error:
        if not isinstance(not_allowed, str):
            _not_allowed(not_allowed, error)
        messages.error(request, not_allowed)
    except ApprovalPending as pending:
        messages.info(request, pending.messages[0])
    except PermissionDenied as error:
        if not refused_as_message:
            raise
        messages.error(request, refusal_message(error))
    except ValidationError as error:
        messages.add_message(request, invalid_level, error_messages(error))
    else:
        _said(request, success, result)
        return redirect(_target(result, next_page))
    return redirect(next_page)


def search_terms_in_address(request, form_class):
    """Whether a GET names a search term of `form_class` in its query string (`?q=…`)."""
    return request.method == "GET" and any(str(request.GET.get(name, "")).strip() for name in form_class.base_fields)


def search_page(request, form_class, *, search, template, context=None):
    """A search page whose terms never reach the address (law 1: a query string stays in browser histories,
    proxy and load-balancer logs and Referer headers). GET shows the empty form; the form is POSTed (with
    its CSRF token) and `search(cleaned_data)` — None when there is nothing to search for — is drawn as
    `results` in the same answer, without a redirect that would put the terms back into an address. A GET
    carrying terms (an old bookmark or link) is a 400 telling the user to use the form; its terms are not
    searched for and not shown again."""
    extra = dict(context or {})
    if search_terms_in_address(request, form_class):
        return render(request, template, {"form": form_class(), "results": None, "address_refused": _(
            "Searches are sent with the form on this page, never in the address, where a name or a number "
            "would stay in the browser's history and the servers' logs. Type what you are looking for into "
            "the form."), **extra}, status=400)
    form = form_class(request.POST if request.method == "POST" else None)
    results = search(form.cleaned_data) if request.method == "POST" and form.is_valid() else None
    return render(request, template, {"form": form, "results": results, **extra})
