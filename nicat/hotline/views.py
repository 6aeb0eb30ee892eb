"""Hotline pages: thin — parse the form, call a service or selector, render.

The operator's desk, a contact (record, read, edit, open a case, link to a case), the duty service's
alerts, and the public "ask for help" form (no sign-in, no cookie, nothing echoed back)."""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from nicat.access import predicates
from nicat.access.decorators import requires
from nicat.accounts.signals import client_ip
from nicat.cases.forms import CaseForm, PersonForm
from nicat.cases.models import CameToNotice, Case
from nicat.core import pages, publicpage, ratelimit, submissions
from nicat.core.errors import ConcurrentEdit
from nicat.hotline import selectors, services
from nicat.hotline.forms import ContactEditForm, ContactForm, HelpForm, LinkSearchForm
from nicat.hotline.models import Alert

hotline_required = requires(predicates.is_hotline_staff)
alerts_required = requires(selectors.may_see_alerts)


@hotline_required
def desk(request):
    context = selectors.desk(user=request.user)
    context["scripts"] = selectors.scripts(user=request.user)
    return render(request, "hotline/desk.html", context)


@hotline_required
def contact_new(request):
    form = ContactForm(request.POST or None, initial={
        "started_at": timezone.localtime().replace(second=0, microsecond=0), "channel": "call",
        "caller_type": "anonymous", "reason": request.GET.get("reason") or "information", "outcome": "answered"})

    def recorded(contact):
        if contact.urgent:
            messages.warning(request, _("Urgent: the duty service was alerted (%(reasons)s).") % {
                "reasons": ", ".join(contact.alert.reason_labels)})
        return _("Contact %(ref)s was recorded.") % {"ref": contact.reference}

    return pages.form_page(
        request, form, call=lambda data: services.record_contact(actor=request.user, data=data),
        success=recorded, next_page=_detail, template="hotline/contact_form.html", context={"contact": None},
        refused_on_form=False, invalid_status=200)


def _detail(contact):
    return reverse("hotline:detail", kwargs={"contact_uuid": contact.uuid})


@hotline_required
def contact_detail(request, contact_uuid):
    contact = selectors.contact_detail(user=request.user, contact_uuid=contact_uuid)
    alert = Alert.objects.filter(contact=contact).first()
    return render(request, "hotline/contact_detail.html", {"contact": contact, "alert": alert})


@hotline_required
def contact_edit(request, contact_uuid):
    contact = selectors.contact_detail(user=request.user, contact_uuid=contact_uuid)
    initial = {**ContactEditForm.initial_from(contact), "version": contact.version}
    form = ContactEditForm(request.POST or None, initial=initial, contact=contact)
    if contact.case_id:
        form.fields["outcome"].choices = [(contact.outcome, contact.get_outcome_display())]

    def save(data):
        data = dict(data)
        version = data.pop("version")
        services.update_contact(actor=request.user, contact=contact, data=data, expected_version=version)
        return contact

    return pages.form_page(request, form, call=save, success=_("The contact was saved."), next_page=_detail,
                           template="hotline/contact_form.html", context={"contact": contact}, refused_on_form=False,
                           invalid_status=200)


@hotline_required
def open_case(request, contact_uuid):
    """The contact becomes a new case: the intake's forms, "came to notice" fixed to the hotline."""
    contact = selectors.contact_detail(user=request.user, contact_uuid=contact_uuid)
    if contact.case_id:
        return redirect("hotline:detail", contact_uuid=contact.uuid)
    person_form = PersonForm(request.POST or None, prefix="person", initial={
        "given_name": contact.caller_name if contact.caller_type == "person_at_risk" else "",
        "phone": contact.phone if contact.caller_type == "person_at_risk" else "",
        "estimated_age": contact.subject_age})
    case_form = CaseForm(request.POST or None, prefix="case", initial={
        "came_to_notice": CameToNotice.HOTLINE, "first_contact_at": timezone.localtime(contact.started_at)
        .replace(second=0, microsecond=0), "summary": contact.notes})
    case_form.fields["came_to_notice"].choices = [(CameToNotice.HOTLINE, CameToNotice.HOTLINE.label)]
    case_form.fields["came_to_notice"].disabled = True
    return pages.form_page(
        request, case_form, also=person_form,
        call=lambda data: services.open_case_from_contact(
            actor=request.user, contact=contact, person_data=person_form.to_service_data(), case_data=data,
            expected_version=request.POST.get("version")),
        success=lambda case: _("Case %(ref)s was opened from contact %(contact)s.") % {
            "ref": case.reference, "contact": contact.reference},
        next_page=lambda case: reverse("cases:detail", kwargs={"case_uuid": case.uuid}),
        render_page=lambda status: render(request, "hotline/open_case.html", {
            "contact": contact, "person_form": person_form, "case_form": case_form}, status=status),
        refused_on_form=False, invalid_status=200)


@hotline_required
def link_case(request, contact_uuid):
    """Find the person through the duplicate check (what the caller agreed to say) and link the contact to
    one of their cases the operator may see. Another institution's person is announced only as "known
    elsewhere" on a strong match, never who or where."""
    from nicat.persons.selectors import TooManyChecks, duplicate_check

    contact = selectors.contact_detail(user=request.user, contact_uuid=contact_uuid)
    if contact.case_id:
        return redirect("hotline:detail", contact_uuid=contact.uuid)
    result, refused = None, None
    if request.method == "POST" and request.POST.get("case"):
        case = Case.objects.visible_to(request.user).filter(uuid=_uuid(request.POST.get("case"))).first()
        try:
            services.link_contact_to_case(actor=request.user, contact=contact, case=case,
                                          expected_version=request.POST.get("version"))
        except (ConcurrentEdit, ValidationError) as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Contact %(contact)s was linked to case %(ref)s.") % {
                "contact": contact.reference, "ref": case.reference})
            return redirect("hotline:detail", contact_uuid=contact.uuid)
    if pages.search_terms_in_address(request, LinkSearchForm):  # an old link: refused, the terms not searched
        return pages.search_page(request, LinkSearchForm, search=lambda cleaned: None, template="hotline/link.html",
                                 context={"contact": contact})
    # The search is POSTed (what the caller said never travels in the address); a POST naming a case links.
    searching = request.method == "POST" and not request.POST.get("case")
    form = LinkSearchForm(request.POST if searching else None)
    if searching and form.is_valid():
        try:
            result = duplicate_check(user=request.user, data=form.to_data(), channel="web")
        except TooManyChecks as error:
            refused = error.user_message
    # A case the operator sees only through another institution of theirs is shown, but offered no link.
    linkable = {case.uuid for row in (result or {}).get("candidates", ()) for case in row["cases"]
                if services.hotline_sees(request.user, contact, case)}
    return render(request, "hotline/link.html", {"contact": contact, "form": form, "result": result,
                                                 "linkable": linkable, "refused": refused},
                  status=429 if refused else 200)


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


@alerts_required
def alerts(request):
    rows = list(selectors.alerts_for(user=request.user)[:200])
    for alert in rows:
        alert.can_acknowledge = not alert.acknowledged_at and services.may_acknowledge(request.user, alert)
    return render(request, "hotline/alerts.html", {"alerts": rows, "minutes": services.escalate_minutes()})


@alerts_required
@require_POST
def alert_acknowledge(request, alert_uuid):
    alert = selectors.alerts_for(user=request.user).filter(uuid=alert_uuid).first()
    if alert is None:
        raise Http404
    return pages.act(request, lambda data: services.acknowledge_alert(actor=request.user, alert=alert),
                     success=_("Alert %(ref)s acknowledged.") % {"ref": alert.contact.reference},
                     next_page="hotline:alerts", invalid_level=messages.INFO)


# --- The public "ask for help" form ----------------------------------------------------------------
#
# No sign-in, no cookie: the GET sets none (the template renders no CSRF token and the page uses no
# session), and the POST is exempt from Django's CSRF check, which needs a cookie. A forged cross-site
# submission could do no more than anyone may do here anyway (send a request to the hotline); abuse is
# held off by a rate limit per client address (cache), a honeypot field and a signed time stamp (a form
# sent within NICAT_HOTLINE_HELP_MIN_SECONDS of being shown was sent by a script). What was sent is
# never shown back: the thank-you page is the same for every request, accepted or not.
# The stamp also holds a random nonce, the form's one-time key (nicat.core.submissions.once_anonymous): the
# same form sent twice (a double click, a slow connection) puts one request on the operators' desk, not two.

STAMP_SALT = "nicat.hotline.help"


def _over_limit(request):
    return ratelimit.over_limit("hotline:help", client_ip(request),
                                int(getattr(settings, "NICAT_HOTLINE_HELP_PER_HOUR", 5)))


def _new_stamp():
    return signing.dumps([timezone.now().timestamp(), submissions.new_token()], salt=STAMP_SALT)


def _stamp(value):
    """(the stamp is good, the form's one-time key): good when signed by us and not sent too fast; the key is
    empty for a stamp of the form shown before it carried one."""
    try:
        shown = signing.loads(value or "", salt=STAMP_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return False, ""
    when, key = shown if isinstance(shown, list) and len(shown) == 2 else (shown, "")
    try:
        when = float(when)
    except (TypeError, ValueError):
        return False, ""
    minimum = int(getattr(settings, "NICAT_HOTLINE_HELP_MIN_SECONDS", 3))
    return timezone.now().timestamp() - when >= minimum, str(key or "")


def _public_render(request, template, context, status=200):
    """Rendered inside the public site's layout (public/base.html), in its language; never kept by a cache, never
    named in a referrer."""
    response = publicpage.render_public(request, template, context, page="ask_for_help", status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _thanks(request):
    return redirect(f"{reverse('hotline:ask_for_help_thanks')}?lang={publicpage.chosen_language(request)}")


@never_cache
@csrf_exempt
def ask_for_help(request):
    if request.method == "POST":
        form = HelpForm(request.POST)
        if _over_limit(request):
            return _public_render(request, "hotline/help_limited.html", {}, status=429)
        good, key = _stamp(form.cleaned_data.get("stamp")) if form.is_valid() else (False, "")
        if good and not form.cleaned_data["website"]:
            def record():
                return services.record_help_request(what=form.cleaned_data["what"],
                                                    safe_contact=form.cleaned_data["contact"])
            try:
                submissions.once_anonymous(request, key, record) if key else record()
            except ValidationError:
                pass  # the thank-you page tells to call 152 either way
        # Accepted or not (a robot filled the honeypot, a text too long …): the same page, nothing echoed.
        return _thanks(request)
    form = HelpForm(initial={"stamp": _new_stamp()})
    return _public_render(request, "hotline/help.html", {"form": form})


@never_cache
def ask_for_help_thanks(request):
    return _public_render(request, "hotline/help_thanks.html", {})
