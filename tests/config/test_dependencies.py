"""Declared dependencies: what the production code imports is in pyproject.toml.

A quick static check reads every module's imports; the slow one installs the project
without extras into a fresh virtualenv and imports every module there.
"""

import ast
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "config",
    "api",
    "directory",
    "hsds",
    "search",
    "newsletter",
    "operations",
    "accounts",
    "demo",
)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Extras a deployment may choose. Their packages may only be imported inside the
# function that needs them, so a site without the extra still starts.
RUNTIME_EXTRAS = ("local", "redis", "s3")


def production_files() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level name, imported at module level) of every absolute import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nested = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(name.partition(".")[0], id(node) not in nested) for name in names]
    return found


def closure(requirements: list[str]) -> set[str]:
    """The distributions these requirements pull in, transitively, as installed here."""
    environment = default_environment()
    wanted: dict[str, set[str]] = {}
    queue = [Requirement(line) for line in requirements]
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        new = set(requirement.extras) - wanted.get(name, set())
        if name in wanted and not new:
            continue
        extras = wanted.setdefault(name, set())
        extras |= new
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not for this platform, or not installed here
        for line in requires:
            nested = Requirement(line)
            if nested.marker is None or any(
                nested.marker.evaluate({**environment, "extra": extra})  # type: ignore[dict-item]
                for extra in {"", *extras}
            ):
                queue.append(nested)
    return set(wanted)


def test_every_imported_package_is_a_declared_dependency():
    runtime = closure(PYPROJECT["project"]["dependencies"])
    optional = PYPROJECT["project"]["optional-dependencies"]
    with_extras = runtime | closure(
        [line for extra in RUNTIME_EXTRAS for line in optional[extra]]
    )
    distributions = importlib.metadata.packages_distributions()
    stdlib = sys.stdlib_module_names
    problems = []
    checked = set()
    for path in production_files():
        where = path.relative_to(ROOT)
        for name, top_level in imports(path):
            if name in stdlib or name in PACKAGES:
                continue
            checked.add(name)
            provided_by = {canonicalize_name(d) for d in distributions.get(name, [])}
            allowed = runtime if top_level else with_extras
            if not provided_by:
                problems.append(f"{where}: {name} comes from no installed package")
            elif not provided_by & allowed:
                kind = "at module level " if provided_by & with_extras else ""
                problems.append(
                    f"{where}: imports {name} {kind}from "
                    f"{', '.join(sorted(provided_by))}, which [project.dependencies] "
                    "does not require"
                )
    assert {"django", "wagtail", "elasticsearch"} <= checked  # the walk saw the code
    assert not problems, "\n".join(sorted(set(problems)))


# Our apps each may not import, also not inside a function: the catalogue is the base
# the others read; the shared API plumbing knows no domain.
FORBIDDEN_IMPORTS = {
    "directory": {"search", "newsletter", "hsds", "demo"},
    "api": {"directory", "search", "newsletter", "hsds", "demo"},
}


def test_dependencies_between_our_apps_run_one_way():
    problems = []
    for package, forbidden in FORBIDDEN_IMPORTS.items():
        files = [
            path
            for path in (ROOT / package).rglob("*.py")
            if "__pycache__" not in path.parts
        ]
        assert len(files) > 3, package  # the walk saw the code
        for path in sorted(files):
            for name, _top_level in imports(path):
                if name in forbidden:
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not problems, "\n".join(problems)


IMPORT_ALL = """
import importlib, importlib.util, json, sys, traceback
import django

venv = sys.argv[1]
stdlib = sys.base_prefix
outside = [p for p in sys.path if p not in ("", sys.argv[2]) and not p.startswith(venv)
           and not (p.startswith(stdlib) and "site-packages" not in p)]
print(json.dumps({"prefix": sys.prefix, "outside": outside,
                  "noida_db": importlib.util.find_spec("noida_db") is not None}))
django.setup()
names = sys.stdin.read().split()
failed = 0
for name in names:
    try:
        importlib.import_module(name)
    except BaseException:
        failed += 1
        lines = traceback.format_exc().splitlines()
        lines = [line for line in lines if "<frozen importlib" not in line]
        print(f"--- {name}", *lines, sep="\\n", file=sys.stderr)
print(f"{len(names) - failed} of {len(names)} modules imported")
sys.exit(1 if failed else 0)
"""


def pip_environment() -> dict[str, str]:
    """This process's environment (pip's configuration, proxies, cache) without what
    would point Python at our own venv."""
    leaking = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    return {key: value for key, value in os.environ.items() if key not in leaking}


def settings_environment(var: Path) -> dict[str, str]:
    """Only what the settings need: nothing the test run or the shell configured."""
    basics = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return {
        **basics,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "SECRET_KEY": "x",
        "WEGWEISER_VAR_DIR": str(var),
        "CACHE_URL": "locmem://",
        "DATABASE_URL": f"sqlite:///{var}/x.sqlite3",
        "SEARCH_URL": "",
    }


def test_the_project_installs_without_extras_and_every_module_imports():
    modules = [module_name(path) for path in production_files()]
    with tempfile.TemporaryDirectory(prefix="wegweiser-deps-") as tmp:
        venv, source, var = Path(tmp, "venv"), Path(tmp, "source"), Path(tmp, "var")
        python = venv / "bin" / "python"
        # pip builds a local project inside it (build/, *.egg-info), and the checkout
        # must stay clean. With `packages = []` the metadata is the whole install.
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, source / name)
        subprocess.run(
            [sys.executable, "-m", "venv", venv],
            check=True,
            env=pip_environment(),
            timeout=120,
        )
        pip = subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--prefer-binary", source],
            env=pip_environment(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert pip.returncode == 0, pip.stdout + pip.stderr
        result = subprocess.run(
            [python, "-c", IMPORT_ALL, str(venv), str(ROOT)],
            input="\n".join(modules),
            cwd=ROOT,
            env=settings_environment(var),
            capture_output=True,
            text=True,
            timeout=300,
        )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    checks = json.loads(lines[0])
    assert Path(checks["prefix"]).resolve() == venv.resolve()
    assert not checks["outside"], "the fresh venv sees other folders on sys.path"
    assert not checks["noida_db"], "noida-db is installed without the `local` extra"
    assert len(modules) > 100
    assert lines[-1] == f"{len(modules)} of {len(modules)} modules imported"
