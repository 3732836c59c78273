"""Read settings from the environment, failing loudly on malformed values.

Every helper raises ``ImproperlyConfigured`` naming the variable and what was wrong,
so a typo in a deployment stops the process at start-up instead of running with a
silently different configuration.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def one_line(error: ImproperlyConfigured) -> str:
    """The message of a configuration error on one line: what manage.py, the web process and
    the Celery worker print instead of a traceback when they cannot start."""
    return " ".join(str(error).split())


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of a local env file; blank lines and ``#`` comments are skipped, and
    quotes around a value are removed. A line that is not an assignment raises
    ``ImproperlyConfigured`` naming the file and line. A missing file reads as empty."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ImproperlyConfigured(f"{path}:{number} is not a NAME=value line")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def load_local_env(path: Path, environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Fill in from the local env file (``var/local.env``, written by ``make migrate``) the
    variables the environment does not set, so that the documented ``manage.py`` commands run on
    a checkout where ``make run`` has been run. Returns what was taken from the file.

    The environment always wins. When it sets ``SECRET_KEY`` the file is not read at all: an
    environment with a key of its own (production, the test suite, the benchmarks) is complete,
    and a ``DEBUG=1`` from a developer's file must not switch it to development settings.
    """
    environ = os.environ if environ is None else environ
    if "SECRET_KEY" in environ:
        return {}
    taken = {name: value for name, value in read_env_file(path).items() if name not in environ}
    environ.update(taken)
    return taken


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


_DB_ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "sqlite": "django.db.backends.sqlite3",
}


def parse_database_url(name: str, url: str) -> dict:
    """``postgresql://user:pass@host:5432/dbname?sslmode=require`` or ``sqlite:///path``."""
    parts = urlsplit(url)
    engine = _DB_ENGINES.get(parts.scheme)
    if engine is None:
        raise ImproperlyConfigured(
            f"{name} has scheme {parts.scheme!r}; expected one of {', '.join(sorted(_DB_ENGINES))}"
        )
    if engine.endswith("sqlite3"):
        # sqlite:///relative.db -> relative.db; sqlite:////abs/path.db -> /abs/path.db
        path = unquote(parts.path)[1:]
        if not path:
            raise ImproperlyConfigured(
                f"{name} names no SQLite file (sqlite:///path/to/db.sqlite3)"
            )
        return {"ENGINE": engine, "NAME": path}
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise ImproperlyConfigured(f"{name} names no database (…/dbname)")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    config = {
        "ENGINE": engine,
        "NAME": dbname,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    if options:
        config["OPTIONS"] = options
    return config


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False


def parse_email_url(name: str, url: str) -> EmailConfig:
    """``smtp://user:pass@host:587?tls=1``, ``smtps://…`` (implicit TLS), ``console://``, ``memory://``."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return EmailConfig("django.core.mail.backends.console.EmailBackend")
    if scheme == "memory":
        return EmailConfig("django.core.mail.backends.locmem.EmailBackend")
    if scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(
            f"{name} has scheme {scheme!r}; expected smtp, smtps, console or memory"
        )
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} names no SMTP host (smtp://host:port)")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number") from None
    query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
    tls = query.get("tls", "0")
    if tls not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"{name} has tls={tls!r}; use tls=1 or tls=0")
    return EmailConfig(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname,
        port=port or (465 if scheme == "smtps" else 25),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=tls in _TRUE,
        use_ssl=scheme == "smtps",
    )


def check_redis_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name}={url!r} is not a redis:// URL")
    return url


@dataclass(frozen=True)
class OidcProviderConfig:
    """One OpenID provider the portal logs people in with (ID-porten, Ansattporten)."""

    slug: str
    label: str
    discovery_url: str
    client_id: str
    client_secret: str
    acr_values: tuple[str, ...]
    scope: str = "openid profile"


def env_oidc_provider(
    prefix: str, *, slug: str, label: str, default_acr: list[str]
) -> OidcProviderConfig | None:
    """``{prefix}_DISCOVERY_URL``, ``{prefix}_CLIENT_ID``, ``{prefix}_CLIENT_SECRET`` and
    ``{prefix}_ACR_VALUES`` (levels accepted, the first one asked for). None when the discovery
    URL is not set: the provider is off. A discovery URL without the client's id and secret, or
    one that is not an https URL (http only for a provider on this machine), is an error."""
    url = (os.environ.get(f"{prefix}_DISCOVERY_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ImproperlyConfigured(f"{prefix}_DISCOVERY_URL={url!r} is not an https:// URL")
    client_id = (os.environ.get(f"{prefix}_CLIENT_ID") or "").strip()
    client_secret = os.environ.get(f"{prefix}_CLIENT_SECRET") or ""
    if not client_id or not client_secret:
        raise ImproperlyConfigured(
            f"{prefix}_DISCOVERY_URL is set, so {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET "
            "must be set too (from Digdir's self-service portal)"
        )
    acr = env_list(f"{prefix}_ACR_VALUES", default_acr)
    if not acr:
        raise ImproperlyConfigured(f"{prefix}_ACR_VALUES names no level")
    return OidcProviderConfig(
        slug=slug,
        label=label,
        discovery_url=url,
        client_id=client_id,
        client_secret=client_secret,
        acr_values=tuple(acr),
    )
