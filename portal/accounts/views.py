from __future__ import annotations

import base64
import contextlib
import datetime as dt
import math
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from portal.accounts import services
from portal.accounts.access import Perm, get_municipality, perms_for
from portal.accounts.forms import (
    AcceptInvitationForm,
    CodeForm,
    InviteForm,
    NewRecoveryCodesForm,
    RecoveryCodeForm,
)
from portal.accounts.models import Invitation, Membership
from portal.accounts.selectors import (
    confirmed_totp_device,
    members_of,
    national_login_required_for,
    open_invitations,
    recovery_codes_remaining,
    recovery_device,
    two_factor_required,
)
from portal.accounts.sessions import logged_out_json, national_login_of


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, number: str) -> HttpResponse:
    """The organisation's people and open invitations; invite a colleague."""
    municipality = get_municipality(request.user, number, Perm.INVITE)
    roles = services.roles_user_may_invite(user=request.user, municipality=municipality)
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user,
                municipality=municipality,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("accounts:members", number=municipality.number)
    perms = perms_for(request.user, municipality)
    return render(
        request,
        "accounts/members.html",
        {
            "municipality": municipality,
            "members": members_of(municipality),
            "invitations": open_invitations(municipality),
            "form": form,
            "can_remove": bool(perms & {Perm.SUBMIT, Perm.ADMINISTER}),
        },
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.INVITE)
    invitation = get_object_or_404(Invitation, pk=pk, municipality=municipality)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("accounts:members", number=municipality.number)


@login_required
@require_POST
def membership_remove(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    municipality = get_municipality(request.user, number, Perm.INVITE)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, municipality=municipality
    )
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": membership.user})
    return redirect("accounts:members", number=municipality.number)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("municipality", "invited_by").filter(token=token).first()
    )
    if invitation is None or not invitation.is_open:
        return render(
            request, "accounts/invitation_invalid.html", status=410 if invitation else 404
        )
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept_existing(user=request.user, token=token)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("home")
            messages.success(
                request,
                _("You now have access to %(organisation)s.")
                % {"organisation": invitation.municipality.name},
            )
            return redirect("municipalities:detail", number=invitation.municipality.number)
        mismatch = (request.user.email or "").casefold() != invitation.email.casefold()
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "form": None, "mismatch": mismatch},
        )
    if national_login_required_for(invitation.municipality):
        # No password account: the person accepts by logging in with ID-porten.
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "form": None, "national_only": True},
        )
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_new(
                token=token,
                username=form.cleaned_data["username"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="portal.accounts.backends.UsernameOrEmailBackend")
            messages.success(
                request,
                _("Welcome! You now have access to %(organisation)s.")
                % {"organisation": invitation.municipality.name},
            )
            return redirect("home")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a logged-in user's choice is also kept for e-mails."""
    from django.views.i18n import set_language

    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        with contextlib.suppress(ValidationError):
            services.user_set_language(user=request.user, language=language)
    return response


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _code_error(form: CodeForm, check: services.CodeCheck) -> None:
    if check.locked_until is not None:
        seconds = max(1, math.ceil((check.locked_until - timezone.now()).total_seconds()))
        message = ngettext(
            "Too many wrong codes. Wait %(seconds)s second and try the newest code.",
            "Too many wrong codes. Wait %(seconds)s seconds and try the newest code.",
            seconds,
        )
        form.add_error("code", ValidationError(message % {"seconds": seconds}, code="wait"))
    else:
        message = _(
            "The code is wrong or has already been used. Enter the newest code from the app; if "
            "it keeps failing, check that the phone's clock is right."
        )
        form.add_error("code", ValidationError(message, code="wrong"))


# The key being set up belongs to the session that asked for it (services.totp_device_pending).
PENDING_DEVICE_SESSION_KEY = "two_factor_pending_device"


def _second_factor_given(request: HttpRequest, device) -> None:
    """The session is now fully logged in: a new session key, so one seen before the code was
    given (after the password alone) is worth nothing."""
    request.session.cycle_key()
    otp_login(request, device)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in for directorate staff: a code from the app."""
    if (
        not two_factor_required(request.user)
        or request.user.is_verified()
        or national_login_of(request)
    ):
        return redirect(_next_url(request))
    device = confirmed_totp_device(request.user)
    if device is None:
        return redirect(
            f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _next_url(request)})}"
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.totp_verify(
            user=request.user, device=device, token=form.cleaned_data["code"]
        )
        if check.ok:
            _second_factor_given(request, device)
            return redirect(_next_url(request))
        _code_error(form, check)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First log-in of a directorate member: connect an authenticator app to the account."""
    if not two_factor_required(request.user) or confirmed_totp_device(request.user):
        return redirect(
            f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': _next_url(request)})}"
        )
    device = services.totp_device_pending(
        user=request.user, pending_id=request.session.get(PENDING_DEVICE_SESSION_KEY)
    )
    request.session[PENDING_DEVICE_SESSION_KEY] = device.pk
    # The page explains the steps first: the focus stays at the top, for a screen reader too.
    form = CodeForm(
        request.POST or None,
        submit_label=_("Turn on two-factor authentication"),
        autofocus=False,
    )
    if request.method == "POST" and form.is_valid():
        check = services.totp_device_confirm(
            user=request.user, device=device, token=form.cleaned_data["code"]
        )
        if check.ok:
            request.session.pop(PENDING_DEVICE_SESSION_KEY, None)
            _second_factor_given(request, device)
            messages.success(
                request,
                _(
                    "Two-factor authentication is on. Next time, you give a code after the password."
                ),
            )
            codes = services.recovery_codes_create(user=request.user)
            return redirect(_recovery_codes_page(request, codes, _next_url(request)))
        _code_error(form, check)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


# New recovery codes are shown once: kept in the session until the codes page has shown them.
NEW_RECOVERY_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


def _recovery_codes_page(request: HttpRequest, codes: list[str], next_url: str = "") -> str:
    request.session[NEW_RECOVERY_CODES_SESSION_KEY] = codes
    url = reverse("accounts:two_factor_recovery_codes")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _recovery_code_error(form: RecoveryCodeForm, check: services.CodeCheck) -> None:
    if check.locked_until is not None:
        seconds = max(1, math.ceil((check.locked_until - timezone.now()).total_seconds()))
        message = ngettext(
            "Too many wrong codes. Wait %(seconds)s second and try again.",
            "Too many wrong codes. Wait %(seconds)s seconds and try again.",
            seconds,
        )
        form.add_error("code", ValidationError(message % {"seconds": seconds}, code="wait"))
    else:
        message = _(
            "This recovery code is wrong or has already been used. Each code works once; try "
            "another one from your list."
        )
        form.add_error("code", ValidationError(message, code="wrong"))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """The second step of logging in with a recovery code instead of the app (a lost phone)."""
    if not two_factor_required(request.user) or request.user.is_verified():
        return redirect(_next_url(request))
    if confirmed_totp_device(request.user) is None:
        return redirect(
            f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _next_url(request)})}"
        )
    device = recovery_device(request.user)
    has_codes = device is not None and recovery_codes_remaining(request.user) > 0
    form = RecoveryCodeForm(request.POST or None) if has_codes else None
    if request.method == "POST" and form is not None and form.is_valid():
        check = services.recovery_code_verify(
            user=request.user, device=device, token=form.cleaned_data["code"]
        )
        if check.ok:
            _second_factor_given(request, device)
            if check.remaining == 0:
                messages.warning(
                    request,
                    _(
                        "You have logged in with your last recovery code. Make a new set now: "
                        "without codes, a lost phone means waiting for an administrator."
                    ),
                )
            elif check.remaining <= services.RECOVERY_CODES_FEW:
                messages.warning(
                    request,
                    ngettext(
                        "You have logged in with a recovery code. Only %(count)s code is left: "
                        "make a new set soon.",
                        "You have logged in with a recovery code. Only %(count)s codes are "
                        "left: make a new set soon.",
                        check.remaining,
                    )
                    % {"count": check.remaining},
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "You have logged in with a recovery code; it cannot be used again. "
                        "%(count)s code is left.",
                        "You have logged in with a recovery code; it cannot be used again. "
                        "%(count)s codes are left.",
                        check.remaining,
                    )
                    % {"count": check.remaining},
                )
                return redirect(_next_url(request))
            # Few or none left: the page where a new set is made, then on to the page asked for.
            return redirect(
                f"{reverse('accounts:two_factor_recovery_codes')}?"
                f"{urlencode({'next': _next_url(request)})}"
            )
        _recovery_code_error(form, check)
    return render(
        request,
        "accounts/two_factor_recovery.html",
        {"form": form, "next": _next_url(request)},
    )


@never_cache
@login_required
@require_GET
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Two-factor authentication on one's own account: the app, how many recovery codes are
    left, and a new set of codes (shown here once, right after it is made)."""
    if not two_factor_required(request.user):
        raise PermissionDenied
    new_codes = request.session.pop(NEW_RECOVERY_CODES_SESSION_KEY, None)
    next_url = _next_url(request) if "next" in request.GET else ""
    return render(
        request,
        "accounts/two_factor_recovery_codes.html",
        {
            "app": confirmed_totp_device(request.user),
            "remaining": recovery_codes_remaining(request.user),
            "few": services.RECOVERY_CODES_FEW,
            "new_codes": new_codes,
            "codes_text": "\n".join(new_codes or []),
            "next": next_url,
            "form": NewRecoveryCodesForm(),
        },
    )


@login_required
@require_POST
def two_factor_recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """Make a new set of recovery codes; the old ones stop working."""
    if not two_factor_required(request.user):
        raise PermissionDenied
    codes = services.recovery_codes_create(user=request.user)
    return redirect(
        _recovery_codes_page(request, codes, _next_url(request) if request.POST.get("next") else "")
    )


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin site's log-in is the portal's own: the same lock-out after failed attempts and
    the same second factor. Someone logged in without access to the admin site is refused."""
    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), reverse("accounts:login")
    )


@require_POST
def keep_alive(request: HttpRequest) -> JsonResponse:
    """ "Stay logged in": the session starts its time again. Answers when it now ends."""
    if not request.user.is_authenticated:
        return logged_out_json()
    request.session.modified = True  # saved with a new expiry as the answer goes out
    seconds = request.session.get_session_cookie_age()
    ends = timezone.now() + dt.timedelta(seconds=seconds)
    return JsonResponse({"status": "ok", "expires_in": seconds, "expires_at": ends.isoformat()})
