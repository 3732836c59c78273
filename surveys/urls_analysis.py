from django.urls import path  # noqa: F401

from surveys.analysis import export_views
from surveys.analysis import views as analysis_views

# Analysis and export pages (surveys/analysis/views.py, surveys/analysis/export_views.py).
urlpatterns: list = []

# Analysis (surveys/analysis/views.py).
urlpatterns += [
    path(
        "direktoratet/undersokelser/<int:year>/analyse/",
        analysis_views.edition_analysis,
        name="edition_analysis",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/analyse/<slug:key>/",
        analysis_views.question_analysis,
        name="question_analysis",
    ),
    path(
        "direktoratet/undersokelser/<int:year>/analyse/<slug:key>/temaer/",
        analysis_views.question_themes,
        name="question_themes",
    ),
]

# Data export (surveys/analysis/export_views.py).
urlpatterns += [
    path(
        "direktoratet/undersokelser/<int:year>/eksport/",
        export_views.edition_export_data,
        name="edition_export_data",
    ),
]
