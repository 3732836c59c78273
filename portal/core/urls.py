"""The one place the organisation prefix of the site's addresses is written.

Every page about one municipality or city district lives under ``kommune/<number>/``; an app's
``urls.py`` wraps those pages in :func:`organisation` instead of repeating the prefix.
"""

from django.urls import include, path

ORGANISATION = "kommune/<str:number>/"


def organisation(*patterns):
    """The given patterns, each under ``kommune/<number>/`` (their views take ``number``)."""
    return path(ORGANISATION, include(list(patterns)))
