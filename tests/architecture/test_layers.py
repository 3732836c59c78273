"""The layering in pyproject.toml's import-linter contracts holds, and breaking it fails with the
rule's name; no module dodges an import circle by importing inside a function."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "surveys", "housing")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Imports inside a function that are not about a circle: Django's documented way to register
# system checks when the app is ready.
ALLOWED_LOCAL_IMPORTS = {("portal/accounts/apps.py", "ready", "portal.core")}


def _contracts() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c["name"] for c in config["contracts"]}


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own fixed command
        [str(LINT_IMPORTS), "--no-cache", str(cwd / "pyproject.toml")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("code")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, where / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def _break(where: Path, module: str, line: str) -> Path:
    path = where / module
    original = path.read_text()
    path.write_text(f"{original}\n{line}\n")
    return path


def test_the_code_keeps_every_contract(copy_of_the_code):
    result = _lint(copy_of_the_code)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in _contracts().values():
        assert f"{name} KEPT" in " ".join(result.stdout.split()), name


@pytest.mark.parametrize(
    "contract, module, line",
    [
        ("layers", "portal/core/svg.py", "import surveys.models  # noqa"),
        ("layers", "surveys/respondent/routing.py", "from housing import models  # noqa"),
        ("layers", "portal/municipalities/selectors.py", "import portal.benchmark.peers  # noqa"),
        (
            "survey-wings",
            "surveys/analysis/results.py",
            "import surveys.followup.status  # noqa",
        ),
        (
            "survey-wings",
            "surveys/respondent/selectors.py",
            "import surveys.editions.services  # noqa",
        ),
        ("tasks-call-services", "housing/services.py", "import housing.tasks  # noqa"),
        (
            "analysis-counting",
            "surveys/analysis/results.py",
            "import surveys.analysis.tables  # noqa",
        ),
    ],
)
def test_a_forbidden_import_fails_with_the_rule_name(copy_of_the_code, contract, module, line):
    path = copy_of_the_code / module
    original = path.read_text()
    _break(copy_of_the_code, module, line)
    try:
        result = _lint(copy_of_the_code)
    finally:
        path.write_text(original)
    output = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert f"{_contracts()[contract]} BROKEN" in output
    imported = line.split()[1]
    assert imported.replace("housing import models", "housing.models") in output or (
        imported in output
    )


def _project_module(node: ast.Import | ast.ImportFrom) -> str | None:
    names = (
        [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
    )
    for name in names:
        if name.split(".")[0] in PACKAGES:
            return name
    return None


def _function_local_imports(source: str):
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom) and (name := _project_module(node)):
                yield function.name, name, node.lineno


def test_no_project_import_inside_a_function():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            for function, name, line in _function_local_imports(path.read_text()):
                if (relative, function, name) not in ALLOWED_LOCAL_IMPORTS:
                    found.append(f"{relative}:{line} {function}() imports {name}")
    assert not found, "imports inside functions (move them to the top):\n" + "\n".join(found)


def test_the_function_local_import_scan_sees_one():
    source = "def f():\n    from surveys.models import Answer\n    import json\n"
    assert list(_function_local_imports(source)) == [("f", "surveys.models", 2)]
