from django import template

from portal.accounts.national_login import providers

register = template.Library()


@register.simple_tag
def national_login_providers():
    """The configured ID-porten / Ansattporten providers, for their buttons."""
    return providers.configured()
