"""Browser tests: Playwright drives Debian's Chromium against the portal served by gunicorn in
its own process, on a throwaway SQLite database with the demo data.

``make e2e`` installs what they need (Chromium from Debian, Playwright from PyPI, axe-core from
npm). Where Chromium or axe-core is missing the tests are skipped with a message saying so,
unless ``E2E_REQUIRED=1`` (as in ``.ci/run``), which makes a missing piece an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "var" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "demo"
SERVER_ENV = {
    "SECRET_KEY": "e2e-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123",
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "BENCHMARK_IN_THREAD": "1",
}


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed ({CHROMIUM})"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE})"
    return ""


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if not reason:
        return
    if os.environ.get("E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"browser tests required but {reason}; run `make e2e-deps`")
    skip = pytest.mark.skip(reason=f"browser tests skipped: {reason} (run `make e2e-deps`)")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP_ENV: dict[str, str] = {}  # the served portal's database, for manage(): set by portal_url
SERVED_ENV: dict[str, str] = {}  # the served portal's environment: set by portal_url


def manage(*args: str) -> None:
    """A management command against the database the served portal uses."""
    assert SETUP_ENV, "the portal_url fixture sets up the database first"
    _manage(SETUP_ENV, *args)


def _manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


@pytest.fixture(scope="session")
def portal_url(tmp_path_factory):
    """The portal on a free port, with the demo data, until the session ends."""
    if _missing():
        pytest.skip(_missing())
    folder = tmp_path_factory.mktemp("e2e")
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE")
    }
    env = {**base, **SERVER_ENV, "SQLITE_PATH": str(folder / "portal.sqlite3")}
    setup = {**env, "DEBUG": "1"}
    SETUP_ENV.update(setup)
    SERVED_ENV.update(env)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_demo"],
        ["load_survey_editions"],
        ["load_survey_demo_answers"],
        ["load_housing_demo"],
        ["load_benchmark_defaults"],
    ):
        _manage(setup, *command)
    url, server = serve(env, folder / "gunicorn.log")
    yield url
    server.terminate()
    server.wait(timeout=20)


def serve(env: dict, log_path: Path) -> tuple[str, subprocess.Popen]:
    """gunicorn serving the portal with ``env`` (DEBUG off) on a free port, once it answers."""
    port = _free_port()
    log = log_path.open("w")
    server = subprocess.Popen(  # noqa: S603 - our own app
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=4",
            "--timeout=120",
        ],
        cwd=ROOT,
        env={**env, "DEBUG": "0"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2)  # noqa: S310 - localhost
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.terminate()
        raise RuntimeError(log_path.read_text())
    return url, server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, portal_url):
    # bypass_csp: the accessibility scanner is injected into the page; the portal's own CSP
    # would (rightly) refuse it.
    context = browser.new_context(base_url=portal_url, bypass_csp=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


_last_code_step: dict[str, int] = {}


def demo_code(username: str) -> str:
    """The demo directorate users' current authenticator code. A code is accepted once, so a
    second log-in of the same person within one 30-second step waits for the next one."""
    import time

    from django_otp.oath import TOTP

    from portal.accounts.demo import demo_totp_key

    step = int(time.time()) // 30
    if _last_code_step.get(username) == step:
        time.sleep(30 - time.time() % 30 + 0.5)
        step = int(time.time()) // 30
    _last_code_step[username] = step
    totp = TOTP(bytes.fromhex(demo_totp_key()))
    totp.time = step * 30 + 1
    return f"{totp.token():06d}"


def login(page, username: str) -> None:
    """Password, and for directorate staff the code from the authenticator app."""
    page.goto("/konto/login/")
    page.get_by_label("Brukernavn eller e-postadresse").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/konto/login/" not in url)
    if "/konto/two-factor/" in page.url:
        page.get_by_label("Kode fra autentiseringsappen").fill(demo_code(username))
        with page.expect_navigation():
            page.get_by_role("button", name="Fortsett").click()
        assert "/konto/two-factor/" not in page.url, page.locator("main").inner_text()


def logout(page) -> None:
    """Through the menu, which is collapsed behind its button on narrower screens."""
    button = page.get_by_role("button", name="Logg ut")
    if not button.is_visible():
        page.get_by_role("button", name="Vis meny").click()
        # Bootstrap adds "show" once the opening transition has ended: a click while the menu
        # still slides open can land beside the moving button and go nowhere.
        page.locator("#main-menu.collapse.show").wait_for()
        button.wait_for(state="visible")
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of the given impact on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, f"{page.url}: {violations}"


# A second portal with ID-porten configured (tests/e2e/test_national_login.py and the
# accessibility walk of the log-in pages).
NATIONAL_PID = "24079412345"
NATIONAL_HASH_KEY = "e2e-only-national-id-hash-key-0123456789abcdefghij"


@pytest.fixture(scope="module")
def provider_url():
    """oidc-provider-mock on a free port: the ID-porten of the served portal below."""
    from oidc_provider_mock import run_server_in_thread

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the provider on this machine speaks http
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def national_portal(portal_url, provider_url, tmp_path_factory):
    """A second gunicorn on the same demo database, with ID-porten configured."""
    extra = {
        "IDPORTEN_DISCOVERY_URL": f"{provider_url}/.well-known/openid-configuration",
        "IDPORTEN_CLIENT_ID": "portal-e2e",
        "IDPORTEN_CLIENT_SECRET": "portal-e2e-secret",
        "NATIONAL_ID_HASH_KEY": NATIONAL_HASH_KEY,
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }
    # The demo editor of Kristiansand is the person with this national identity number.
    code = (
        "from portal.accounts.models import NationalIdentity, User;"
        "from portal.accounts.national_login.providers import pid_hash;"
        "NationalIdentity.objects.get_or_create(user=User.objects.get(username="
        f"'kristiansand-editor'), defaults={{'pid_hash': pid_hash('{NATIONAL_PID}'), 'bound_with': 'idporten'}})"
    )
    _manage({**SETUP_ENV, **extra}, "shell", "-c", code)
    folder = tmp_path_factory.mktemp("national-login")
    url, server = serve({**SERVED_ENV, **extra}, folder / "gunicorn.log")
    yield url
    server.terminate()
    server.wait(timeout=20)
