"""The directorate administrator's pages for requiring ID-porten: for one organisation's members
(a section on the organisation's page) or for everyone (a page of its own). One view per action;
nothing exists while no national login is configured."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.access import Perm, get_municipality, require_directorate
from portal.accounts.models import DirectorateRole, User
from portal.accounts.national_login import services
from portal.accounts.selectors import national_login_site_status, national_login_status


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the views are behind login_required


def _configured() -> None:
    if not settings.NATIONAL_LOGIN_PROVIDERS:
        raise Http404


def _organisation_page(number: str) -> str:
    return reverse("municipalities:detail", args=[number]) + "#login-heading"


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "1"


@login_required
@require_POST
def organisation_require(request: HttpRequest, number: str) -> HttpResponse:
    """Require ID-porten for the organisation's members. While some of them have not connected
    an ID-porten login, the administrator must confirm having read who they are."""
    _configured()
    municipality = get_municipality(_user(request), number, Perm.ADMINISTER)
    status = national_login_status(municipality)
    if status.unbound and not status.required_here and not _confirmed(request):
        messages.error(
            request,
            _(
                "Nothing was changed: confirm that you have read which members have not "
                "connected an ID-porten login yet."
            ),
        )
        return redirect(_organisation_page(municipality.number))
    if services.policy_organisation_set(
        actor=_user(request), municipality=municipality, required=True
    ):
        messages.success(
            request,
            _("ID-porten is now required for the members of %(name)s.")
            % {"name": municipality.name},
        )
    else:
        messages.info(request, _("ID-porten was already required; nothing was changed."))
    return redirect(_organisation_page(municipality.number))


@login_required
@require_POST
def organisation_release(request: HttpRequest, number: str) -> HttpResponse:
    """Stop requiring ID-porten for the organisation's members: the password works again."""
    _configured()
    municipality = get_municipality(_user(request), number, Perm.ADMINISTER)
    if services.policy_organisation_set(
        actor=_user(request), municipality=municipality, required=False
    ):
        messages.success(
            request,
            _("ID-porten is no longer required for the members of %(name)s.")
            % {"name": municipality.name},
        )
    else:
        messages.info(request, _("ID-porten was not required; nothing was changed."))
    return redirect(_organisation_page(municipality.number))


@login_required
@require_GET
def site(request: HttpRequest) -> HttpResponse:
    """Whether ID-porten is required for everyone, which organisations require it, and how many
    people have connected it."""
    require_directorate(_user(request), DirectorateRole.ADMIN)
    return render(
        request,
        "accounts/national_login/site.html",
        {"status": national_login_site_status()},
    )


@login_required
@require_POST
def site_require(request: HttpRequest) -> HttpResponse:
    """Require ID-porten for everyone (superusers excepted), after confirming how many people
    have not connected it yet."""
    _configured()
    require_directorate(_user(request), DirectorateRole.ADMIN)
    status = national_login_site_status()
    if status.unconnected and not status.required_for_everyone and not _confirmed(request):
        messages.error(
            request,
            _(
                "Nothing was changed: confirm that you have read how many people have not "
                "connected an ID-porten login yet."
            ),
        )
        return redirect("accounts:national_login_site")
    if services.policy_everyone_set(actor=_user(request), required=True):
        messages.success(request, _("ID-porten is now required for everyone."))
    else:
        messages.info(request, _("ID-porten was already required; nothing was changed."))
    return redirect("accounts:national_login_site")


@login_required
@require_POST
def site_release(request: HttpRequest) -> HttpResponse:
    """Stop requiring ID-porten for everyone (the organisations' own requirements stay)."""
    _configured()
    require_directorate(_user(request), DirectorateRole.ADMIN)
    if services.policy_everyone_set(actor=_user(request), required=False):
        messages.success(request, _("ID-porten is no longer required for everyone."))
    else:
        messages.info(request, _("ID-porten was not required; nothing was changed."))
    return redirect("accounts:national_login_site")
