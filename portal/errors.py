"""Error pages in the portal's own layout and language."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the database or a context processor may be what failed.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
