"""``/api/v1/``: the API's operations, each answer of a GET with an ETag (portal/api/conditional)."""

from django.urls import URLPattern, include, path

from portal.api.api import api
from portal.api.conditional import with_etag

_patterns, _app_name, _namespace = api.urls
urlpatterns = [
    URLPattern(p.pattern, with_etag(p.callback), p.default_args, p.name)
    for p in _patterns
    if isinstance(p, URLPattern)
]
assert len(urlpatterns) == len(_patterns), "the API's URLs are all plain patterns"

api_urls = path("api/v1/", include((urlpatterns, _app_name), namespace=_namespace))
