"""Directorate staff reach nothing but the second-factor pages until they have given a code."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.selectors import confirmed_totp_device, two_factor_required
from portal.accounts.sessions import national_login_of

# Pages a person who has given only the password may still open (view names, with namespace).
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:two_factor_verify",
        "accounts:two_factor_setup",
        "accounts:two_factor_recovery",
        "accounts:logout",
        "accounts:language_set",
        "accounts:keep_alive",
        "accounts:national_login_start",
        "accounts:national_login_callback",
        "accounts:national_login_frontchannel_logout",
        "accessibility",
        "privacy",
        "healthz",
    }
)


class TwoFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: sends a logged-in member of the directorate
    who has not yet given a code to the code page (or, the first time, to setting up the app),
    and back to the page they asked for afterwards."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not two_factor_required(user) or user.is_verified() or national_login_of(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if match is not None and "api" in match.namespaces:
            return None  # the API for systems reads bearer tokens and never the session
        name = (
            "accounts:two_factor_verify"
            if confirmed_totp_device(user)
            else "accounts:two_factor_setup"
        )
        url = reverse(name)
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse(
                # "message": what the survey page's script shows beside the question.
                {
                    "status": "refused",
                    "message": _("Log in with the code from your authenticator app first."),
                    "url": url,
                },
                status=403,
            )
        return HttpResponseRedirect(url)
