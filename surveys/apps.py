from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from portal.municipalities.signals import facts_changed

        facts_changed.connect(forget_save_states, dispatch_uid="surveys.forget_save_states")


def forget_save_states(sender, **kwargs) -> None:
    """Key figures or successions changed: the settlement categories and key figures kept in
    the open responses' save states may be out of date (surveys/respondent/save_state.py)."""
    from django.apps import apps

    response = apps.get_model("surveys", "Response")
    response.objects.filter(edition__status="open").exclude(save_state=None).update(save_state=None)
