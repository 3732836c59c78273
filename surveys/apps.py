from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

# Signals only (no models): safe to import while the apps are being loaded.
from portal.municipalities.signals import facts_changed


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        facts_changed.connect(forget_save_states, dispatch_uid="surveys.forget_save_states")


def forget_save_states(sender, **kwargs) -> None:
    """Key figures or successions changed: the settlement categories and key figures kept in
    the open responses' save states may be out of date (surveys/respondent/save_state.py)."""
    response = apps.get_model("surveys", "Response")
    response.objects.filter(edition__status="open").forget_save_states()
