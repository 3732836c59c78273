from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from portal.accounts import services, throttle
from portal.accounts.models import MunicipalRole, User
from portal.accounts.selectors import has_national_identity, password_login_refusal
from portal.accounts.sessions import offer_binding


def _helper(submit_label, form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.add_input(Submit("submit", submit_label))
    return helper


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("User name or e-mail address"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed attempts to log in. Wait %(minutes)s minutes and try again, or "
            "reset your password."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Log in"))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        reason = password_login_refusal(user)
        if reason is None:
            return
        if reason == "everyone":
            message = _(
                "Logging in with a password is turned off for everyone: log in with ID-porten."
            )
        else:
            message = _(
                "Logging in with a password is turned off for the members of %(organisations)s: "
                "log in with ID-porten."
            ) % {"organisations": reason}
        if not has_national_identity(user) and self.request is not None:
            offer_binding(self.request, user)
            first_time = _(
                "The first time, your ID-porten login is connected to this account; after "
                "that ID-porten alone is enough."
            )
            message = f"{message} {first_time}"
        raise forms.ValidationError(message, code="national_login_required")

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and throttle.login_locked(self.request, username):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            # A right password refused because ID-porten is required is no failed guess.
            if username and getattr(exc, "code", None) != "national_login_required":
                throttle.login_failed(self.request, username)
            raise
        throttle.login_succeeded(username)
        return cleaned


class ResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = _helper(_("Send me a link"))


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Set password"))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(MunicipalRole.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]
        self.fields["role"].help_text = _(
            "Editors fill in forms, viewers read, signatories submit on behalf of the head of administration."
        )
        self.helper = _helper(_("Send invitation"))


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        help_text=_(
            "Letters, digits and . - _ only. You can also log in with your e-mail address."
        ),
        validators=[User.username_validator],
    )
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = _helper(_("Create account and join"))

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken. Choose another."))
        return username

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            probe = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=self.email,
            )
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class CodeForm(forms.Form):
    """The six digits from the authenticator app."""

    code = forms.CharField(
        label=_("Code from the authenticator app"),
        help_text=_("Six digits. A new code appears every 30 seconds."),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Enter the six digits shown in the app.")},
    )

    def __init__(self, *args, submit_label=None, autofocus=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not autofocus:
            self.fields["code"].widget.attrs.pop("autofocus", None)
        self.helper = _helper(submit_label or _("Continue"), form_tag=False)

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("Enter the six digits shown in the app."), code="format")
        return code


class RecoveryCodeForm(forms.Form):
    """One of the printed recovery codes, instead of the app's code."""

    code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("Ten letters and digits, as on your list, for example abcde-23456."),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": _("Enter one of your recovery codes.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Log in with the recovery code"), form_tag=False)

    def clean_code(self):
        code = services.recovery_code_normalise(self.cleaned_data["code"])
        if not services.recovery_code_well_formed(code):
            raise forms.ValidationError(
                _(
                    "That is not a recovery code. A recovery code has ten letters and digits "
                    "(never 0, 1, i, l or o), for example abcde-23456."
                ),
                code="format",
            )
        return code


class NewRecoveryCodesForm(forms.Form):
    """Make a new set of recovery codes: a button; the old codes stop working."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Make new recovery codes"), form_tag=False)
