"""The national login's pages: start, the provider's answer, log-out, front-channel log-out and
the person's own page for connecting an ID-porten login to a password account."""

from __future__ import annotations

import logging
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from portal.accounts.models import User
from portal.accounts.national_login import providers, services
from portal.accounts.national_login.providers import Person
from portal.accounts.selectors import (
    confirmed_totp_device,
    has_national_identity,
    password_login_refusal,
    recovery_codes_remaining,
    two_factor_required,
)
from portal.accounts.sessions import (
    BIND_SESSION_KEY,
    NATIONAL_LOGIN_SESSION_KEY,
    national_login_of,
    pending_binding,
)
from portal.core.env import OidcProviderConfig

logger = logging.getLogger("portal.accounts.national_login")

BACKEND = "portal.accounts.backends.UsernameOrEmailBackend"
# The pages for each way a login can end without anyone logged in, and their status.
FAILED = "failed"
PROVIDER_DOWN = "provider_down"
CANCELLED = "cancelled"
LEVEL_TOO_LOW = "level_too_low"
STATUS = {
    FAILED: 400,
    PROVIDER_DOWN: 503,
    CANCELLED: 200,
    LEVEL_TOO_LOW: 403,
    services.NOT_INVITED: 403,
    services.OTHER_PERSON: 409,
    services.INVITATION_INVALID: 410,
    services.ACCOUNT_INACTIVE: 403,
}


def _titles(provider: OidcProviderConfig) -> dict[str, str]:
    return {
        FAILED: _("The login could not be completed"),
        PROVIDER_DOWN: _("%(provider)s is not answering") % {"provider": provider.label},
        CANCELLED: _("You cancelled the login"),
        LEVEL_TOO_LOW: _("The login's security level is too low"),
        services.NOT_INVITED: _("You do not have access to the portal yet"),
        services.OTHER_PERSON: _("This invitation is for another person"),
        services.INVITATION_INVALID: _("The invitation can no longer be used"),
        services.ACCOUNT_INACTIVE: _("Your account is closed"),
    }


def _second_factor_pending(request: HttpRequest) -> bool:
    """Logged in with the password, the code not given yet: ID-porten may be used instead."""
    user: Any = request.user
    return bool(
        two_factor_required(user) and not user.is_verified() and not national_login_of(request)
    )


def _provider(slug: str) -> OidcProviderConfig:
    provider = providers.get(slug)
    if provider is None:
        raise Http404
    return provider


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _ended(
    request: HttpRequest, provider: OidcProviderConfig, outcome: str, detail: str, **extra
) -> HttpResponse:
    """A login that lets nobody in: logged with the reason, and a page that says what to do."""
    log = logger.info if outcome == CANCELLED else logger.warning
    log("national_login %s refused (%s): %s", provider.slug, outcome, detail)
    return render(
        request,
        "accounts/national_login/ended.html",
        {
            "provider": provider,
            "outcome": outcome,
            "title": _titles(provider)[outcome],
            "providers": providers.configured(),
            **extra,
        },
        status=STATUS[outcome],
    )


def _callback_url(request: HttpRequest, provider: OidcProviderConfig) -> str:
    return request.build_absolute_uri(
        reverse("accounts:national_login_callback", args=[provider.slug])
    )


@never_cache
@require_GET
def start(request: HttpRequest, provider: str) -> HttpResponse:
    """To the provider's login page, with state, nonce, PKCE and the level asked for."""
    config = _provider(provider)
    invitation = request.GET.get("invitation", "")
    next_url = _safe_next(request, request.GET.get("next", ""))
    bind_user = None
    if request.user.is_authenticated and not _second_factor_pending(request):
        if request.GET.get("bind") != "1":
            return redirect(next_url or "home")
        bind_user = request.user.pk
        intent = "bind"
    elif (pending := pending_binding(request)) is not None:
        bind_user, intent = pending, "bind"
    elif invitation:
        intent = "invitation"
    else:
        intent = "login"
    app = providers.client(config)
    try:
        providers.metadata(config)
        rv = app.create_authorization_url(
            _callback_url(request, config),
            acr_values=config.acr_values[0],
            ui_locales=get_language() or "nb",
        )
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        return _ended(request, config, PROVIDER_DOWN, f"discovery failed: {exc!r}")
    app.save_authorize_data(
        request,
        redirect_uri=_callback_url(request, config),
        intent=intent,
        next=next_url,
        invitation=invitation,
        bind_user=bind_user,
        **rv,
    )
    return redirect(rv["url"])


def _person(config: OidcProviderConfig, token: dict, nonce: str) -> Person | str:
    """The checked person, or why the id_token is refused."""
    app = providers.client(config)
    if "id_token" not in token:
        return "no id_token in the token response"
    try:
        issuer = providers.issuer(config)
        claims = app.parse_id_token(
            token,
            nonce=nonce,
            claims_options={
                "iss": {"essential": True, "values": [issuer]},
                # Authlib checks azp; the audience itself must name the portal too.
                "aud": {"essential": True, "values": [config.client_id]},
                "exp": {"essential": True},
                "iat": {"essential": True},
            },
            leeway=_leeway(),
        )
    except (JoseError, ValueError, KeyError) as exc:
        return f"id_token refused: {type(exc).__name__}: {exc}"
    pid = str(claims.get("pid") or "")
    if not pid.isdigit() or len(pid) != 11:
        return "id_token has no national identity number (pid)"
    return Person(
        pid_hash=providers.pid_hash(pid),
        acr=str(claims.get("acr") or ""),
        sid=str(claims.get("sid") or ""),
        given_name=str(claims.get("given_name") or ""),
        family_name=str(claims.get("family_name") or ""),
    )


def _leeway() -> int:
    from django.conf import settings

    return int(settings.NATIONAL_LOGIN_LEEWAY_SECONDS)


@never_cache
@require_GET
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider sends the person back here with a code (or an error)."""
    config = _provider(provider)
    app = providers.client(config)
    error = request.GET.get("error", "")
    state = request.GET.get("state", "")
    data = app.framework.get_state_data(request.session, state) if state else None
    if data is not None:
        app.framework.clear_state_data(request.session, state)
    if error == "access_denied":
        return _ended(request, config, CANCELLED, "cancelled at the provider")
    if error:
        return _ended(request, config, FAILED, f"provider answered error={error[:100]}")
    if data is None:
        return _ended(request, config, FAILED, "unknown or reused state")
    try:
        token = app.fetch_access_token(
            redirect_uri=data["redirect_uri"],
            code=request.GET.get("code", ""),
            code_verifier=data.get("code_verifier"),
        )
    except requests.RequestException as exc:
        return _ended(request, config, PROVIDER_DOWN, f"token request failed: {exc!r}")
    except (OAuthError, ValueError) as exc:
        return _ended(request, config, FAILED, f"token request refused: {exc}")
    person = _person(config, token, data["nonce"])
    if isinstance(person, str):
        return _ended(request, config, FAILED, person)
    if person.acr not in config.acr_values:
        return _ended(request, config, LEVEL_TOO_LOW, f"acr {person.acr!r} is too low")
    try:
        if data.get("intent") == "bind":
            user = User.objects.get(pk=data["bind_user"])
            services.identity_bind(user=user, person=person, provider=config.slug)
        elif data.get("intent") == "invitation":
            user = services.invitation_accept_national(
                token=data.get("invitation", ""), person=person, provider=config.slug
            )
        else:
            user = services.user_for_person(person=person)
    except services.LoginRefused as refused:
        return _ended(request, config, refused.reason, refused.detail)
    except User.DoesNotExist:
        return _ended(request, config, FAILED, "the account to connect is gone")
    login(request, user, backend=BACKEND)  # a new session key: nothing from before counts
    request.session.pop(BIND_SESSION_KEY, None)
    request.session[NATIONAL_LOGIN_SESSION_KEY] = {
        "provider": config.slug,
        "acr": person.acr,
        "id_token": providers.seal(token["id_token"]),
    }
    request.session.save()
    services.session_record(
        session_key=request.session.session_key or "", provider=config.slug, sid=person.sid
    )
    logger.info("national_login %s: user %s logged in (%s)", config.slug, user.pk, person.acr)
    if data.get("intent") == "bind":
        messages.success(
            request, _("Your %(provider)s login is now connected.") % {"provider": config.label}
        )
    return redirect(data.get("next") or "home")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End the portal session, and the provider's when the session was opened there."""
    opened = national_login_of(request) or {}
    services.session_forget(session_key=request.session.session_key)
    logout(request)
    config = providers.get(str(opened.get("provider", "")))
    id_token = providers.unseal(str(opened.get("id_token", "")))
    if config is None or not id_token:
        return redirect("accounts:login")
    try:
        result = providers.client(config).create_logout_url(
            post_logout_redirect_uri=request.build_absolute_uri(reverse("accounts:login")),
            id_token_hint=id_token,
        )
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        logger.warning("national_login %s: no end_session_endpoint (%r)", config.slug, exc)
        return redirect("accounts:login")
    # A page, not a redirect: the portal's pages only submit forms to the portal itself
    # (Content-Security-Policy form-action), and the log-out button is a form.
    return render(
        request,
        "accounts/national_login/logout.html",
        {"provider": config, "end_session_url": result["url"]},
    )


@never_cache
@xframe_options_exempt
@require_GET
def frontchannel_logout(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider's front-channel logout, loaded in an iframe at the provider (without the
    portal's session cookie): ends the portal sessions opened by the provider's session."""
    config = _provider(provider)
    iss, sid = request.GET.get("iss", ""), request.GET.get("sid", "")
    try:
        meta = providers.metadata(config)
    except (requests.RequestException, ValueError) as exc:
        logger.warning("national_login %s: front-channel logout, provider down (%r)", provider, exc)
        return HttpResponse(status=503)
    if not sid or iss != meta.get("issuer"):
        logger.warning("national_login %s: front-channel logout with wrong iss or no sid", provider)
        return HttpResponse(status=400)
    ended = services.sessions_end(provider=config.slug, sid=sid)
    logger.info("national_login %s: front-channel logout ended %s session(s)", provider, ended)
    response = HttpResponse(b"", content_type="text/plain")
    ancestors = sorted(
        {
            f"{parts.scheme}://{parts.netloc}"
            for url in (meta.get("issuer"), meta.get("authorization_endpoint"))
            if url and (parts := urlsplit(str(url))).netloc
        }
    )
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors " + (
        " ".join(ancestors) or "'none'"
    )
    return response


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The person's log-in methods: connect an ID-porten login to the account, or remove it;
    for those who give a second factor, how many recovery codes are left."""
    user = cast(User, request.user)
    second_factor = two_factor_required(user) and bool(confirmed_totp_device(user))
    return render(
        request,
        "accounts/national_login/account.html",
        {
            "providers": providers.configured(),
            "bound": has_national_identity(user),
            "opened": national_login_of(request),
            # "everyone", the names of the person's organisations that require it, or None.
            "required": password_login_refusal(user),
            "second_factor": second_factor,
            "recovery_codes_left": recovery_codes_remaining(user) if second_factor else None,
        },
    )


@login_required
@require_POST
def account_disconnect(request: HttpRequest) -> HttpResponse:
    """Remove the ID-porten login from one's own account (a person with a password only: the
    one without would have no way back in)."""
    user = cast(User, request.user)
    if not user.has_usable_password():
        messages.error(
            request,
            _(
                "Your account has no password, so the ID-porten login is your only way in: it stays."
            ),
        )
    elif services.identity_unbind(actor=user, user=user):
        messages.success(request, _("The ID-porten login was removed from your account."))
    return redirect("accounts:national_login_account")
