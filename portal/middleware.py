from django.conf import settings
from django.utils import translation

# Everything the portal serves comes from its own origin: no CDN, no inline script.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds the Content Security Policy and headers Django does not set itself.

    Pages behind a login are never stored by the browser or a proxy cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.setdefault("Cache-Control", "private, no-store")
        return response


class LanguageMiddleware:
    """The portal speaks bokmål unless the person chose otherwise.

    The language is the one chosen with the language switch (a cookie), else the one kept on
    the logged-in user's account, else bokmål. The browser's Accept-Language is not used: many
    Norwegians run English browsers and still expect a Norwegian public service.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            user = getattr(request, "user", None)
            language = (
                getattr(user, "language", None)
                if user is not None and user.is_authenticated
                else None
            )
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class QueryCountMiddleware:
    """For the benchmarks only (BENCH_ENDPOINTS): the number of SQL statements a request sent,
    in the ``X-Queries`` header. A transaction counts its BEGIN and its COMMIT as two more,
    which the database driver sends without Django's cursor seeing them."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection, transaction

        count = 0

        def committed() -> None:
            nonlocal count
            count += 1  # COMMIT

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            conn = context["connection"]
            if conn.in_atomic_block and not any(
                entry[1] is committed for entry in conn.run_on_commit
            ):
                count += 1  # the BEGIN of a transaction not seen before
                transaction.on_commit(committed)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response
