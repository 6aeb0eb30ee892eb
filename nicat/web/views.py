"""Layout pages: sign-in, dashboard, health check and error pages (which never show case data)."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from nicat.access import policy
from nicat.access.decorators import case_worker_required
from nicat.cases.models import CaseStatus
from nicat.cases.selectors import case_count, case_list


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


class NicatLoginView(LoginView):
    """Step one of signing in (the password). Step two, the code from the authenticator app (or
    enrolling one at the first sign-in), follows before any other page: see nicat.accounts."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        from urllib.parse import urlencode

        from django.urls import reverse

        from nicat.accounts.services import has_authenticator, requires_second_factor

        url = super().get_success_url()
        user = self.request.user
        verified = user.is_verified() if hasattr(user, "is_verified") else False
        if requires_second_factor() and not verified:
            step = "accounts:2fa_verify" if has_authenticator(user) else "accounts:2fa_setup"
            return reverse(step) + "?" + urlencode({"next": url})
        return url


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:login")


def dashboard(request):
    """The signed-in user's dashboard; an anonymous visitor of `/` lands on the public site instead."""
    if not request.user.is_authenticated:
        return redirect("public:home")
    context = {}
    if policy.can_work_on_cases(request.user):
        # counted part by part of the access rule (cases.selectors.case_count), each part from an index
        context["open_count"] = case_count(user=request.user, status=CaseStatus.ACTIVE)
        context["followup_count"] = case_count(user=request.user, status=CaseStatus.FOLLOW_UP)
        context["recent_cases"] = case_list(user=request.user)[:10]
    return render(request, "web/dashboard.html", context)


def _error(request, status, title, message):
    return render(request, "web/error.html", {"title": title, "message": message, "status": status}, status=status)


def not_found(request, exception=None):
    return _error(request, 404, _("Not found"), _("This page does not exist, or you do not have access to it."))


def forbidden(request, exception=None):
    message = getattr(exception, "user_message", None) or _(
        "Your role does not allow this. Ask your supervisor if you need access.")
    return _error(request, 403, _("Not allowed"), message)


def bad_request(request, exception=None, message=None):
    return _error(request, 400, _("Bad request"),
                  message or _("The request could not be understood. Go back and try again."))


def method_not_allowed(request, allowed=()):
    """The page for a 405 (a form address opened directly, or reloaded): what to do next, not the browser's
    raw "HTTP ERROR 405". The Allow header is kept."""
    response = _error(request, 405, _("This address cannot be opened directly"), _(
        "This address only receives a form. Nothing was sent or changed. Go back to the page with the form, "
        "or start again from the dashboard."))
    if allowed:
        response["Allow"] = ", ".join(allowed)
    return response


RETRY_AFTER_SECONDS = 5


def _sqlstate(exc):
    """The SQLSTATE of the driver's error behind Django's database error (psycopg: `.diag.sqlstate` or
    `.sqlstate`), or None (SQLite's errors have none)."""
    cause = exc.__cause__
    return getattr(getattr(cause, "diag", None), "sqlstate", None) or getattr(cause, "sqlstate", None)


def database_unavailable(exc):
    """True for a lost or refused database connection (a restart, a failover, the server down): not a bug
    of Nicat, and the same request will succeed once the database is back. Integrity errors, a query
    that is wrong, a statement timeout — everything else stays a 500."""
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, InterfaceError):
        return True  # psycopg: "connection already closed"
    if not isinstance(exc, OperationalError):
        return False
    state = _sqlstate(exc)
    if state:
        # 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now
        # (starting up, shutting down); 53300: too many connections.
        return state.startswith("08") or state in ("57P01", "57P02", "57P03", "53300")
    # No SQLSTATE: the connection never opened (refused, reset) or the server closed it unexpectedly.
    text = str(exc).lower()
    return any(sign in text for sign in ("connection", "server closed", "terminating", "the database system is"))


def database_full(exc):
    """True when the database refused a write for want of disk space (PostgreSQL SQLSTATE 53100 disk_full,
    "could not extend file … No space left on device"; SQLite "database or disk is full"): the write was
    rolled back whole, and it takes the operator, not a few seconds, to make room."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    state = _sqlstate(exc)
    if state:
        return state == "53100"
    text = str(exc).lower()
    return "no space left on device" in text or "database or disk is full" in text


FULL_RETRY_AFTER_SECONDS = 300
CONFLICT_RETRY_AFTER_SECONDS = 1


def write_conflict(exc):
    """True when the database ended this request's transaction because another one needed the same rows at the same
    moment — a deadlock (PostgreSQL SQLSTATE 40P01: each waited for a row the other held, e.g. a merge of two
    records and a note saved on one of their cases) or a serialization failure (40001) — or, on SQLite, because
    another writer held the database longer than the wait allowed ("database is locked"). The transaction was
    rolled back whole; the same request sent again goes through."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    state = _sqlstate(exc)
    if state:
        return state in ("40P01", "40001")
    return "database is locked" in str(exc).lower()


def service_unavailable(request, *, full=False, conflict=False):
    """503 with Retry-After: a page for people, a JSON problem for /api/. Rendered without the database.
    `full`: the database's disk is full (database_full) — a message for the administrator, a longer wait.
    `conflict`: another change needed the same records at the same moment (write_conflict) — send it again."""
    import json

    from django.template import loader

    request_id = getattr(request, "request_id", "")
    if request.path.startswith("/api/"):
        if full:
            detail = _("The database has no room left to save data. Nothing was saved half-way. Tell your "
                       "administrator; try again once they have made room.")
        elif conflict:
            detail = _("Another change to the same records was being saved at the same moment. Nothing of yours "
                       "was saved. Send it again.")
        else:
            detail = _("The database cannot be reached at the moment. Nothing was saved half-way. "
                       "Try again in a few seconds.")
        body = {"type": "about:blank", "title": _("Service temporarily unavailable"), "status": 503,
                "detail": detail,
                "code": "storage_full" if full else "write_conflict" if conflict else "service_unavailable",
                "request_id": request_id}
        response = HttpResponse(json.dumps(body, ensure_ascii=False), status=503,
                                content_type="application/problem+json; charset=utf-8")
    else:
        html = loader.get_template("web/503.html").render({"request_id": request_id, "full": full,
                                                            "conflict": conflict})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(FULL_RETRY_AFTER_SECONDS if full else CONFLICT_RETRY_AFTER_SECONDS if conflict
                                  else RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """Rendered without the database and without context processors: the error may be the database.
    A lost database connection is a 503 ("try again in a few seconds"), not a 500: see database_unavailable."""
    import sys

    from django.template import loader

    exc = sys.exc_info()[1]  # Django calls handler500 while it handles the exception
    if exc is not None and database_full(exc):
        import logging

        logging.getLogger("nicat.request").error("database full (%s): answered 503", exc.__class__.__name__)
        return service_unavailable(request, full=True)
    if exc is not None and write_conflict(exc):
        import logging

        logging.getLogger("nicat.request").warning("write conflict (%s): answered 503", exc.__class__.__name__)
        return service_unavailable(request, conflict=True)
    if exc is not None and database_unavailable(exc):
        import logging

        # One line per request (a middleware answering after the view may meet the same outage), the kind
        # of error only: never the statement or its parameters.
        if not getattr(request, "_nicat_unavailable_logged", False):
            request._nicat_unavailable_logged = True
            logging.getLogger("nicat.request").warning("database unavailable (%s): answered 503",
                                                       exc.__class__.__name__)
        return service_unavailable(request)
    html = loader.get_template("web/500.html").render({"request_id": getattr(request, "request_id", "")})
    return HttpResponse(html, status=500)


@require_http_methods(["GET", "HEAD", "POST"])
def set_language(request):
    """The language switch (replaces django.views.i18n.set_language): remembers the language in its cookie
    and returns to `next` only when that page answers a GET (nicat.web.language); a GET here only returns."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils.translation import check_for_language

    from nicat.web.language import answers_get, local_path

    data = request.POST if request.method == "POST" else request.GET
    target = local_path(data.get("next", ""), request.get_host())
    if not target or not answers_get(target):
        target = local_path(request.headers.get("Referer", ""), request.get_host())
        if not target or not answers_get(target):
            target = reverse("web:dashboard")
    response = redirect(target)
    code = request.POST.get("language") if request.method == "POST" else None
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
                            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


@case_worker_required
def case_file(request, case_uuid):
    """The case file as a PDF, for a reader who sees the whole case (nicat.web.casefile); audited."""
    from nicat.cases.models import Case
    from nicat.core.errors import NotAllowed
    from nicat.web.casefile import case_file_pdf

    case = policy.get_visible_or_404(Case.objects, request.user, uuid=case_uuid)
    try:
        content = case_file_pdf(actor=request.user, case=case)
    except NotAllowed as refusal:
        return _error(request, 403, _("Not allowed"), str(refusal))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-file-{case.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
