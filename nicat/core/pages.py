"""The one page helper (decision 0006, "The read path"): a page calls a service and shows what came of it.

`form_page` — GET shows the form; a valid POST calls the service with the cleaned data; success is a
message and a redirect; a ValidationError goes onto the fields it names (the form shown again, 400,
with what the user typed); a refusal the user is told about (`PermissionDenied` carrying a
`user_message`, e.g. `access.policy.Refused`) goes onto the form with its real reason (403);
`NotAllowed` — the record is not visible — is a 404, so that existence does not leak; a change filed for
a supervisor's approval (`ApprovalPending`) is an information message and the redirect.

`act` — a POSTed action without a page of its own (a button on a detail page): the outcomes as
messages on the page it returns to (a refusal: the 403 page with its reason).

This layer imports no other Nicat app (Django only), so every app's views use it."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

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
    return result if isinstance(result, str) and result else next_page


def form_page(request, form, *, call, success, next_page, template, context=None, also=None,
              refused_on_form=True):
    """Render `template` with `form` (and `context`), or — on a valid POST — call `call(cleaned_data)`.

    `success`: the message after the change (a callable gets the service's result). `next_page`: where
    to go then (a path, or a URL name with no arguments); a service result that is a path wins.
    `also`: a second form on the page that takes the errors naming its fields. `refused_on_form=False`
    lets a refusal propagate (the 403 page) instead of showing it on the form."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and (also is None or also.is_valid()):
            try:
                result = call(form.cleaned_data)
            except NotAllowed:
                raise Http404 from None
            except ApprovalPending as pending:  # filed for a supervisor's approval: nothing changed yet
                messages.info(request, pending.messages[0])
                return redirect(next_page)
            except PermissionDenied as error:
                if not refused_on_form:
                    raise
                form.add_error(None, refusal_message(error))
                status = 403
            except ValidationError as error:
                apply_errors(form, error, also=also)
            else:
                messages.success(request, success(result) if callable(success) else success)
                return redirect(_target(result, next_page))
    return render(request, template, {"form": form, **(context or {})}, status=status)


def act(request, call, *, success, next_page, form=None, refused_as_message=False):
    """A POSTed action: validate `form` (if any), call `call(cleaned_data)`, then redirect to `next_page`
    with a success message — or with the reason it was not done (a field error, a concurrent edit).
    `NotAllowed` is a 404; a refusal (`PermissionDenied`) is the 403 page with its reason, or — with
    `refused_as_message` — an error message on the page it returns to."""
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(next_page)
    try:
        result = call(form.cleaned_data if form is not None else {})
    except NotAllowed:
        raise Http404 from None
    except ApprovalPending as pending:
        messages.info(request, pending.messages[0])
    except PermissionDenied as error:
        if not refused_as_message:
            raise
        messages.error(request, refusal_message(error))
    except ValidationError as error:
        messages.error(request, error_messages(error))
    else:
        messages.success(request, success(result) if callable(success) else success)
        return redirect(_target(result, next_page))
    return redirect(next_page)
