from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.accounts import services
from portal.accounts.access import Perm, get_municipality, perms_for
from portal.accounts.forms import AcceptInvitationForm, InviteForm
from portal.accounts.models import Invitation, Membership
from portal.accounts.selectors import members_of, open_invitations


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
            return redirect("members", number=municipality.number)
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
    return redirect("members", number=municipality.number)


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
    return redirect("members", number=municipality.number)


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
            return redirect("municipality_detail", number=invitation.municipality.number)
        mismatch = (request.user.email or "").casefold() != invitation.email.casefold()
        return render(
            request,
            "accounts/invitation_accept.html",
            {"invitation": invitation, "form": None, "mismatch": mismatch},
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
