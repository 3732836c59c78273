"""Error pages in the portal's own layout and language."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader

# How long a client is asked to wait when the database is unavailable (a restart, say).
RETRY_AFTER_SECONDS = 30


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the database or a context processor may be what failed.
    response = HttpResponse(loader.get_template("errors/500.html").render(), status=500)
    # Django calls this while handling the exception. The database being unreachable (down,
    # restarting) is temporary: 503 with Retry-After, so clients and load balancers know.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
