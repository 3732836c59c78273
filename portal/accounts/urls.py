from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from portal.accounts import forms, views
from portal.accounts.national_login import policy_views
from portal.accounts.national_login import views as national_login
from portal.core.urls import organisation

app_name = "accounts"

konto = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=forms.LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", national_login.logout_view, name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=forms.ResetForm,
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            form_class=forms.NewPasswordForm,
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("language/", views.language_set, name="language_set"),
    path("keep-alive/", views.keep_alive, name="keep_alive"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery/", views.two_factor_recovery, name="two_factor_recovery"),
    path(
        "two-factor/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "two-factor/recovery-codes/new/",
        views.two_factor_recovery_codes_new,
        name="two_factor_recovery_codes_new",
    ),
    # Logging in with ID-porten / Ansattporten (docs/id-porten.md).
    path("national-login/", national_login.account, name="national_login_account"),
    path(
        "national-login/remove/",
        national_login.account_disconnect,
        name="national_login_account_disconnect",
    ),
    path(
        "national-login/<slug:provider>/start/",
        national_login.start,
        name="national_login_start",
    ),
    path(
        "national-login/<slug:provider>/callback/",
        national_login.callback,
        name="national_login_callback",
    ),
    path(
        "national-login/<slug:provider>/frontchannel-logout/",
        national_login.frontchannel_logout,
        name="national_login_frontchannel_logout",
    ),
]

urlpatterns = [
    path("konto/", include(konto)),
    # The people of one municipality or city district: invitations and who may do what.
    organisation(
        path("personer/", views.members, name="members"),
        path(
            "personer/invitasjon/<int:pk>/trekk-tilbake/",
            views.invitation_revoke,
            name="invitation_revoke",
        ),
        path("personer/<int:pk>/fjern/", views.membership_remove, name="membership_remove"),
        # Requiring ID-porten for the organisation's members (docs/id-porten.md).
        path(
            "innlogging/krev-id-porten/",
            policy_views.organisation_require,
            name="national_login_organisation_require",
        ),
        path(
            "innlogging/ikke-krev-id-porten/",
            policy_views.organisation_release,
            name="national_login_organisation_release",
        ),
    ),
    # Requiring ID-porten for everyone: the directorate's administrators.
    path("direktoratet/innlogging/", policy_views.site, name="national_login_site"),
    path(
        "direktoratet/innlogging/krev-id-porten/",
        policy_views.site_require,
        name="national_login_site_require",
    ),
    path(
        "direktoratet/innlogging/ikke-krev-id-porten/",
        policy_views.site_release,
        name="national_login_site_release",
    ),
]
