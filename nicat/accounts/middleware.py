"""Two-factor enforcement and the security headers Django does not set itself."""
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Pages a signed-in user may reach before the second factor: the two-factor pages themselves,
# signing out, and the language switch. Everything else waits for the second factor.
_EXEMPT_NAMES = ("accounts:2fa_setup", "accounts:2fa_qr", "accounts:2fa_verify", "web:logout", "set_language")


class TwoFactorMiddleware:
    """With NICAT_REQUIRE_2FA, a session signed in with the password alone reaches only the
    two-factor pages: it is sent to enrol an authenticator (first sign-in) or to enter a code."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def _exempt_paths(self):
        if self._exempt is None:
            self._exempt = {reverse(name) for name in _EXEMPT_NAMES}
        return self._exempt

    def __call__(self, request):
        if getattr(settings, "NICAT_REQUIRE_2FA", True):
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        path = request.path_info
        static = getattr(settings, "STATIC_URL", "/static/") or "/static/"
        if path in self._exempt_paths() or path.startswith(static) or path in ("/healthz", "/readyz", "/metrics"):
            return None
        if path.startswith("/api/"):
            return JsonResponse({"detail": _("Two-factor sign-in is not complete. Finish it in the browser, "
                                             "or use an API token.")}, status=403)
        from nicat.accounts.services import has_authenticator

        target = "accounts:2fa_verify" if has_authenticator(user) else "accounts:2fa_setup"
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(target) + (f"?{query}" if query else ""))


class SecurityHeadersMiddleware:
    """Permissions-Policy, Cross-Origin-Resource-Policy, and no caching of anything a signed-in
    person sees (a shared computer's browser cache must not keep a victim's file)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "NICAT_PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        static = getattr(settings, "STATIC_URL", "/static/") or "/static/"
        if not request.path_info.startswith(static):
            response.headers["Cache-Control"] = "no-store, max-age=0"
            response.headers.setdefault("Pragma", "no-cache")
        return response
