"""The bokmål, nynorsk and English catalogs are complete, and the compiled files match them."""

import ast
import gettext
import os
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["nb", "nn", "en"]


def _entries(po: Path):
    """(msgid, msgid_plural, [msgstr…], flags) for every entry of a .po file."""
    entries, current, field = [], None, None

    def flush():
        if current is not None and current["msgid"] is not None:
            entries.append(current)

    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
            current, field = None, None
            continue
        if current is None:
            current = {
                "msgid": None,
                "context": None,
                "plural": None,
                "msgstr": {},
                "flags": set(),
                "obsolete": False,
            }
        if line.startswith("#~"):
            current["obsolete"] = True
            continue
        if line.startswith("#,"):
            current["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith("msgid_plural "):
            field, current["plural"] = "plural", ast.literal_eval(line[13:])
        elif line.startswith("msgctxt "):
            field, current["context"] = "context", ast.literal_eval(line[8:])
        elif line.startswith("msgid "):
            field, current["msgid"] = "msgid", ast.literal_eval(line[6:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            field = ("msgstr", index)
            current["msgstr"][index] = ast.literal_eval(line[line.index("]") + 2 :])
        elif line.startswith("msgstr "):
            field = ("msgstr", 0)
            current["msgstr"][0] = ast.literal_eval(line[7:])
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if isinstance(field, tuple):
                current["msgstr"][field[1]] += text
            else:
                current[field] += text
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    entries = _entries(po)
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_the_source(language):
    directory = LOCALE / language / "LC_MESSAGES"
    with (directory / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in _entries(directory / "django.po"):
        if entry["context"] is not None:
            assert compiled.pgettext(entry["context"], entry["msgid"]) == entry["msgstr"][0], (
                f"{language}: run `make messages`; {entry['msgid']!r} differs"
            )
        elif entry["plural"] is None:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], (
                f"{language}: run `make messages`; {entry['msgid']!r} differs"
            )
        else:
            assert compiled.ngettext(entry["msgid"], entry["plural"], 1) == entry["msgstr"][0]


def test_every_source_string_is_in_the_catalogs(tmp_path):
    """makemessages would add nothing: every translatable string in the code is in the catalogs."""
    import shutil
    import subprocess
    import sys

    root = LOCALE.parent
    copy = tmp_path / "src"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", "locale", "tests", "bench", "node_modules", ".git", "__pycache__"
        ),
    )
    (copy / "locale" / "nb" / "LC_MESSAGES").mkdir(parents=True)
    result = subprocess.run(  # noqa: S603 - our own manage.py on a copy of the tree
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--ignore=.venv", "-v0"],
        cwd=copy,
        env={**os.environ, "DEBUG": "1", "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    extracted = {e["msgid"] for e in _entries(copy / "locale" / "nb" / "LC_MESSAGES" / "django.po")}
    shipped = {e["msgid"] for e in _entries(LOCALE / "nb" / "LC_MESSAGES" / "django.po")}
    assert len(extracted) > 100
    missing = extracted - shipped
    assert not missing, f"strings not in the catalogs (run `make messages`): {sorted(missing)[:10]}"


def test_default_language_is_bokmal(client, db):
    response = client.get("/konto/login/")
    assert '<html lang="nb">' in response.content.decode()
    assert "Logg inn" in response.content.decode()


@pytest.mark.parametrize(("language", "expected"), [("nn", "Logg inn"), ("en", "Log in")])
def test_other_languages(client, db, language, expected):
    client.cookies["django_language"] = language
    response = client.get("/konto/login/")
    assert f'<html lang="{language}">' in response.content.decode()
    assert expected in response.content.decode()


def test_nynorsk_differs_from_bokmal():
    with translation.override("nb"):
        nb = translation.gettext("The file is empty.")
    with translation.override("nn"):
        nn = translation.gettext("The file is empty.")
    assert nb != nn


def test_browser_language_does_not_override_bokmal(client, db):
    response = client.get("/konto/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="nb">' in response.content.decode()


def test_users_saved_language_applies_without_the_cookie(client, cast):
    cast.viewer_a.language = "en"
    cast.viewer_a.save()
    client.force_login(cast.viewer_a)
    assert '<html lang="en">' in client.get("/").content.decode()
