from django.urls import path  # noqa: F401

# Analysis and export pages (surveys/analysis_views.py, surveys/export_views.py).
urlpatterns: list = []
