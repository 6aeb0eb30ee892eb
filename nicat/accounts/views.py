"""Account security pages: two-factor enrolment and sign-in, recovery codes, API tokens,
password change and signing out everywhere."""
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from nicat.accounts import services
from nicat.accounts.forms import CodeForm, EnrolForm, TokenForm
from nicat.accounts.models import ApiToken
from nicat.core import pages
from nicat.core.forms import safe_next as site_path


def safe_next(request, default="web:dashboard"):
    """Where to go after signing in: `next` when it is a path on this site (nicat.core.forms.safe_next, the one
    rule), else the page named `default`. A bare word was taken for a URL name by redirect() (a 500)."""
    return site_path(request) or reverse(default)


def _with_next(name, request):
    from urllib.parse import urlencode

    target = request.GET.get("next", "")
    return reverse(name) + (f"?{urlencode({'next': target})}" if target else "")


def _is_verified(request):
    return request.user.is_verified() if hasattr(request.user, "is_verified") else False


@login_required
def twofactor_setup(request):
    """First sign-in: add Nicat to an authenticator app (QR code or secret), confirm with a code,
    then write down the recovery codes, which are shown only here, once."""
    if services.has_authenticator(request.user):
        if _is_verified(request):
            messages.info(request, _("Your authenticator app is already set up."))
            return redirect("accounts:security")
        return redirect(_with_next("accounts:2fa_verify", request))
    device = services.pending_authenticator(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_authenticator(actor=request.user, device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error.message_dict.get("code", error.messages))
        else:
            device.refresh_from_db()
            otp_login(request, device)
            request.session.cycle_key()
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": safe_next(request),
                                                                    "first_time": True})
    return render(request, "accounts/twofactor_setup.html", {
        "form": form, "secret": services.base32_secret(device), "next": request.GET.get("next", ""),
        "issuer": settings.OTP_TOTP_ISSUER,
    }, status=400 if form.errors else 200)


@login_required
def twofactor_qr(request):
    """The QR code of the authenticator being enrolled (an SVG; never cached)."""
    import segno

    if services.has_authenticator(request.user):
        raise Http404
    device = services.pending_authenticator(user=request.user)
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@login_required
def twofactor_verify(request):
    """Second step of signing in: a code from the authenticator app, or a recovery code."""
    if not services.has_authenticator(request.user):
        return redirect(_with_next("accounts:2fa_setup", request))
    if _is_verified(request):
        return redirect(safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(actor=request.user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("The code is wrong or has expired. Enter the 6 digits your app shows now, "
                                     "or an unused recovery code. After several wrong codes you must wait "
                                     "a little longer before each try."))
        else:
            otp_login(request, device)
            request.session.cycle_key()
            if device.persistent_id.startswith("otp_static"):
                left = services.recovery_codes_left(request.user)
                messages.warning(request, _("You signed in with a recovery code; %(left)s are left. "
                                            "Create new ones on your account page if you are running out.")
                                 % {"left": left})
            return redirect(safe_next(request))
    return render(request, "accounts/twofactor_verify.html", {"form": form, "next": request.GET.get("next", "")},
                  status=400 if form.errors else 200)


@login_required
def security(request):
    """The staff member's own security page: two-factor status, API tokens, sessions, password."""
    return render(request, "accounts/security.html", {
        "has_authenticator": services.has_authenticator(request.user),
        "recovery_left": services.recovery_codes_left(request.user),
        "tokens": services.tokens_of(request.user),
        "token_form": TokenForm(),
    })


@login_required
@require_POST
def recovery_codes(request):
    try:
        codes = services.regenerate_recovery_codes(actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token = services.create_token(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name", error.messages))
        else:
            return render(request, "accounts/token_created.html", {"token": token, "name": form.cleaned_data["name"]})
    return render(request, "accounts/security.html", {
        "has_authenticator": services.has_authenticator(request.user),
        "recovery_left": services.recovery_codes_left(request.user),
        "tokens": services.tokens_of(request.user), "token_form": form,
    }, status=400)


@login_required
@require_POST
def token_revoke(request, token_uuid):
    token = ApiToken.objects.filter(uuid=token_uuid, user=request.user).first()
    if token is None:
        raise Http404
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… was revoked. Systems using it can no longer connect.")
                     % {"prefix": token.prefix})
    return redirect("accounts:security")


@login_required
@require_POST
def sign_out_everywhere(request):
    revoked = services.sign_out_everywhere(actor=request.user)
    logout(request)
    messages.info(request, _("You were signed out on every device and browser. Sign in again here."))
    if revoked:
        messages.info(request, _("API tokens revoked with your sessions: %(count)s. Create new ones for the systems "
                                 "that used them.") % {"count": revoked})
    return redirect("web:login")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.change_password(actor=request.user, user=request.user,
                                        password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed. Your other sessions have ended."))
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def grants(request):
    """Role grants awaiting confirmation: the head of the institution (a supervisor there) or a second
    administrator confirms or rejects them; the institution's other staff see them listed."""
    headed = services.headed_institution_ids(request.user)  # once for the list, not once per grant
    rows = [(m, *services.can_decide_grant(request.user, m, headed=headed))
            for m in services.pending_grants_for(request.user)]
    return render(request, "accounts/grants.html", {"rows": rows})


@login_required
@require_POST
def grant_decide(request, membership_uuid):
    membership = services.grants_for(request.user).filter(uuid=membership_uuid).first()
    if membership is None:
        raise Http404
    decision = request.POST.get("decision")
    if decision not in ("confirm", "reject"):
        messages.error(request, _("Choose whether to confirm or reject the grant."))
        return redirect("accounts:grants")
    if decision == "confirm":
        call = services.confirm_membership
        done = _("Confirmed: %(user)s now has the role %(role)s at %(institution)s.") % {
            "user": membership.user, "role": membership.get_role_display(), "institution": membership.institution}
    else:
        call, done = services.reject_membership, _("Rejected: the grant never took effect.")
    # NotAllowed: the refusal page with the service's reason (the grant is listed to this user).
    return pages.act(request, lambda data: call(actor=request.user, membership=membership), success=done,
                     next_page="accounts:grants", not_allowed=403)


def locked_out(request, original_response=None, credentials=None):
    """django-axes: the page shown instead of signing in while an account or address is locked."""
    hours = float(getattr(settings, "AXES_COOLOFF_TIME", 0.5) or 0)
    minutes = int(round(hours * 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
