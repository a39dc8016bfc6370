"""The deployment recipes in deploy/ agree with the code: the settings they name exist,
the commands they run exist and accept their options, the files they refer to exist.
"""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "env.example"
COMPOSE = DEPLOY / "compose.yaml"
CONTAINERFILE = DEPLOY / "Containerfile"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
# Services of compose.yaml that run the Wegweiser image (the others are third-party
# images with their own variables).
APP_SERVICES = ("migrate", "web", "worker")
COMPOSE_ONLY_HEADING = "# --- Only for deploy/compose.yaml"

try:
    import yaml
except ImportError:  # PyYAML arrives with openapi-spec-validator ("test" extra) only
    yaml = None  # type: ignore[assignment]
needs_yaml = pytest.mark.skipif(
    yaml is None, reason="PyYAML is not installed: compose.yaml cannot be parsed"
)


def _env_example() -> tuple[dict[str, str], set[str]]:
    """Wegweiser's variables (name → example value, commented-out ones included) and
    the names of the section only compose.yaml reads."""
    ours: dict[str, str] = {}
    compose_only: set[str] = set()
    section = ours
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith(COMPOSE_ONLY_HEADING):
            section = {}
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            section[match[1]] = match[2]
            if section is not ours:
                compose_only.add(match[1])
    return ours, compose_only


def _read_by_the_code(name: str) -> bool:
    """The settings, the gunicorn settings or a script reads the variable."""
    python = (ROOT / "config" / "settings.py").read_text() + (
        ROOT / "config" / "gunicorn.py"
    ).read_text()
    if re.search(rf"""["']{name}["']""", python):
        return True
    scripts = "".join(
        path.read_text(errors="replace")
        for path in (ROOT / "scripts").iterdir()
        if path.is_file()
    )
    return bool(re.search(rf"\$\{{?{name}\b", scripts))


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _manage_calls() -> list[tuple[str, list[str]]]:
    """Every `manage.py COMMAND ARGS…` the systemd units and compose.yaml run."""
    lines = []
    for unit in UNITS:
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                lines.append(line.removeprefix("ExecStart=").lstrip("-@+!:"))
    if yaml is not None:
        for name in APP_SERVICES:
            command = _compose()["services"][name].get("command")
            if isinstance(command, list) and command[:2] == ["sh", "-c"]:
                lines += re.split(r"&&|\|\||[{};]", command[2])
            elif isinstance(command, list):
                lines.append(shlex.join(command))
    calls = []
    for line in lines:
        words = shlex.split(line)
        if "manage.py" in words:
            rest = words[words.index("manage.py") + 1 :]
            calls.append((rest[0], rest[1:]))
    return calls


def test_every_variable_in_env_example_is_read_by_the_code():
    ours, _compose_only = _env_example()
    assert len(ours) > 40  # the parser found the file's variables
    unknown = sorted(name for name in ours if not _read_by_the_code(name))
    assert not unknown, f"deploy/env.example names settings nobody reads: {unknown}"


def test_compose_only_variables_are_used_by_compose():
    _ours, compose_only = _env_example()
    text = COMPOSE.read_text()
    assert compose_only == {"POSTGRES_PASSWORD"}
    for name in compose_only:
        assert "${" + name in text


@needs_yaml
def test_every_variable_compose_gives_the_app_is_read_by_the_code():
    services = _compose()["services"]
    names = {
        name
        for service in APP_SERVICES
        for name in (services[service].get("environment") or {})
    }
    assert {"DATABASE_URL", "SEARCH_URL", "REDIS_URL", "WEB_BIND"} <= names
    unknown = sorted(name for name in names if not _read_by_the_code(name))
    assert not unknown, f"compose.yaml sets variables nobody reads: {unknown}"


def test_compose_interpolates_only_variables_env_example_defines():
    ours, compose_only = _env_example()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    assert used <= set(ours) | compose_only


@needs_yaml
def test_compose_runs_migrations_before_web_and_workers():
    services = _compose()["services"]
    assert set(APP_SERVICES) | {"proxy", "postgres", "elasticsearch", "redis"} <= set(
        services
    )
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert services["worker"]["deploy"]["replicas"] >= 2
    steps = [command for command, _args in _manage_calls()]
    assert {"migrate", "newsletter_setup", "search_rebuild", "db_worker"} <= set(steps)
    build = services["web"]["build"]
    dockerfile = COMPOSE.parent / build["context"] / build["dockerfile"]
    assert dockerfile.resolve() == CONTAINERFILE
    mounted = [
        volume.split(":")[0]
        for volume in services["proxy"]["volumes"]
        if volume.startswith("./")
    ]
    assert (DEPLOY / "nginx.conf").is_file() and "./nginx.conf" in mounted


@pytest.mark.parametrize(("command", "args"), _manage_calls())
def test_deploy_files_run_existing_commands_with_valid_options(command, args, settings):
    # As deployed (the tests run tasks at once): db_worker checks its backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    commands = get_commands()
    assert command in commands, f"no manage.py command {command!r}"
    parser = load_command_class(commands[command], command).create_parser(
        "manage.py", command
    )
    try:
        parser.parse_args(args)
    except CommandError as error:  # unknown option or bad value
        pytest.fail(f"manage.py {command} {shlex.join(args)}: {error}")


def test_guide_names_only_existing_commands():
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"(?:manage\.py|wegweiser-manage) ([a-z_]+)", guide))
    assert {"migrate", "db_worker", "search_rebuild", "backup", "restore"} <= named
    assert not named - set(get_commands())


def test_containerfile_serves_with_the_gunicorn_settings():
    text = CONTAINERFILE.read_text()
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd, "the Containerfile has no CMD in exec form"
    assert cmd[1] == '["gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]'
    assert (ROOT / "config" / "gunicorn.py").is_file()
    assert (ROOT / "config" / "wsgi.py").is_file()
    assert "USER wegweiser" in text and "EXPOSE 8000" in text
    assert "/healthz" in text


def test_containerfile_copies_every_part_of_the_site():
    """A new app or folder the settings read must be copied into the image too."""
    copied = set(re.findall(r"^COPY (\S+)/ ", CONTAINERFILE.read_text(), re.MULTILINE))
    local_apps = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (ROOT / app.split(".")[0]).is_dir()
    }
    folders = {"config", "templates", "static", "locales"} | local_apps
    assert folders <= copied, f"not copied into the image: {folders - copied}"


def test_containerfile_installs_production_extras_only():
    text = CONTAINERFILE.read_text()
    extras = re.search(r'pip install "\.\[([a-z0-9,]+)\]"', text)
    assert extras and set(extras[1].split(",")) == {"redis", "s3"}
    pyproject = (ROOT / "pyproject.toml").read_text()
    for extra in ("redis", "s3"):
        assert re.search(rf"^{extra} = \[", pyproject, re.MULTILINE)


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_systemd_units_share_user_folder_and_settings(unit):
    text = unit.read_text()
    for line in (
        "User=wegweiser",
        "WorkingDirectory=/srv/wegweiser",
        "EnvironmentFile=/etc/wegweiser/env",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
    ):
        assert line in text.splitlines(), f"{unit.name} lacks {line}"


def test_every_timer_starts_a_service():
    timers = sorted((DEPLOY / "systemd").glob("*.timer"))
    assert timers
    for timer in timers:
        assert timer.with_suffix(".service") in UNITS, timer.name


def test_web_unit_runs_gunicorn_with_the_gunicorn_settings():
    text = (DEPLOY / "systemd" / "wegweiser-web.service").read_text()
    assert "gunicorn -c config/gunicorn.py config.wsgi" in text
    assert "ReadWritePaths=/srv/wegweiser/var/media" in text


def test_nginx_accepts_the_largest_admin_upload():
    text = (DEPLOY / "nginx.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", text)
    assert size and int(size[1]) * 1024 * 1024 > settings.HSDS_ADMIN_IMPORT_MAX_BYTES
    for header in ("X-Forwarded-Proto $scheme", "X-Request-ID $request_id"):
        assert f"proxy_set_header {header};" in text
    assert "location /media/documents/" in text


def test_env_example_passes_the_deployment_checks():
    """Filled in (a real key), the example is a configuration Django accepts."""
    ours, _compose_only = _env_example()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECURE_", "DJANGO_", "CACHE_"))
    }
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match and match[1] in ours:
            environment[match[1]] = match[2].strip('"')
    environment["SECRET_KEY"] = secrets.token_urlsafe(50)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
