from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def figure(value):
    """A number for a table: thousands separated in the active language, a dash when unknown."""
    if value is None or value == "":
        return "–"
    return intcomma(value)
