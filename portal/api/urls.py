"""``/api/v1/``: the API's operations. Each view is wrapped so that a query parameter the
operation does not take answers 400 naming it, and a GET's answer carries an ETag
(portal/api/conditional.py)."""

import re

from django.urls import URLPattern, include, path

from portal.api.api import api
from portal.api.conditional import refuse_unknown_parameters, with_etag

PREFIX = "api/v1/"
_patterns, _app_name, _namespace = api.urls


def _query_parameters() -> dict[str, frozenset[str]]:
    """The query parameters of each path of the OpenAPI document."""
    document = api.get_openapi_schema(path_prefix=f"/{PREFIX}")
    return {
        path: frozenset(
            p["name"]
            for operation in item.values()
            if isinstance(operation, dict)
            for p in operation.get("parameters", [])
            if p.get("in") == "query"
        )
        for path, item in document["paths"].items()
    }


def _wrap(pattern: URLPattern, parameters: dict[str, frozenset[str]]) -> URLPattern:
    template = "/" + PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
    view = with_etag(pattern.callback)
    if template in parameters:
        view = refuse_unknown_parameters(view, parameters[template])
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


_parameters = _query_parameters()
urlpatterns = [_wrap(p, _parameters) for p in _patterns if isinstance(p, URLPattern)]
assert len(urlpatterns) == len(_patterns), "the API's URLs are all plain patterns"

api_urls = path(PREFIX, include((urlpatterns, _app_name), namespace=_namespace))
