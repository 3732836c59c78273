"""The forms of the coding of free-text answers: a new theme, the themes of one answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from surveys.models import Question, Theme


class ThemeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the new theme"), max_length=100)


class TagForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(queryset=Theme.objects.none(), required=False)

    def __init__(self, *args, question: Question, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["themes"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Theme.objects.filter(question=question)
