"""Configuration from the environment:
production checks, required secrets, email URLs.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The least a production environment sets (deploy/env.example): HTTPS redirect, HSTS
# and secure cookies are the defaults without debugging.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "wegweiser.example",
    "BEHIND_HTTPS_PROXY": "1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    skip = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_SSL_REDIRECT"}
    skip |= {name for name in os.environ if name.startswith("SECURE_")}
    environment = {k: v for k, v in os.environ.items() if k not in skip}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_with_a_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_production_without_secret_key_refuses_to_start():
    env = dict(PRODUCTION, SECRET_KEY="")
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp+tls://user:p%40ss@mail.example:587", "smtp 587 user p@ss True"),
        ("console:", "console"),
    ],
)
def test_email_url_is_understood(url, expected):
    code = (
        "from django.conf import settings as s; b = s.EMAIL_BACKEND.split('.')[-2];"
        "print(b if b != 'smtp' else f'{b} {s.EMAIL_PORT} {s.EMAIL_HOST_USER} "
        "{s.EMAIL_HOST_PASSWORD} {s.EMAIL_USE_TLS}')"
    )
    result = manage("shell", "-c", code, DJANGO_DEBUG="1", EMAIL_URL=url)
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_unsupported_email_url_is_a_clear_error():
    result = manage("check", DJANGO_DEBUG="1", EMAIL_URL="pigeon://coop")
    assert result.returncode != 0 and "EMAIL_URL scheme 'pigeon'" in result.stderr


def test_migrations_are_complete():
    result = manage("makemigrations", "--check", "--dry-run", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_second_terminal_adopts_what_make_run_set(tmp_path):
    (tmp_path / "run.env").write_text(
        "DJANGO_DEBUG=1\nSITE_URL=http://127.0.0.1:8010\nEMAIL_URL=smtp://127.0.0.1:1030\n"
    )
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SITE_URL, s.EMAIL_PORT, s.NEWSLETTER_IMPRINT or '-')"
    )
    env = {"WEGWEISER_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "", "SECRET_KEY": ""}
    result = manage("shell", "-c", code, **env)
    assert result.stdout.strip().splitlines()[-1] == "True http://127.0.0.1:8010 1030 -"

    # What the terminal itself sets wins over the running site's state.
    result = manage("shell", "-c", code, **env, SITE_URL="https://wegweiser.example")
    assert "https://wegweiser.example" in result.stdout, result.stderr


def test_a_second_terminal_reads_the_local_env_file(tmp_path):
    """`python manage.py …` from the project root works without exporting anything:
    the .env that the first `make run` writes says DJANGO_DEBUG=1."""
    dotenv = tmp_path / "local.env"
    dotenv.write_text(
        "# written by make run\nDJANGO_DEBUG=1\nSITE_URL='https://from-dotenv.example'\n"
    )
    code = "from django.conf import settings as s; print(s.DEBUG, s.SITE_URL)"
    env = {
        "WEGWEISER_ENV_FILE": str(dotenv),
        "WEGWEISER_VAR_DIR": str(tmp_path),
        "DJANGO_DEBUG": "",
        "SECRET_KEY": "",
    }
    result = manage("shell", "-c", code, **env)
    assert result.stdout.strip().splitlines()[-1] == "True https://from-dotenv.example"

    # Without it, the same command refuses to start without a secret key.
    result = manage("shell", "-c", code, **dict(env, WEGWEISER_ENV_FILE="none.env"))
    assert "SECRET_KEY must be set" in result.stderr


def test_links_in_mails_survive_a_secret_key_rotation():
    """The old key in SECRET_KEY_FALLBACKS keeps signed links (unsubscribe,
    preferences) of mails already sent working."""
    old, new = "old-key-" + "o" * 50, "new-key-" + "n" * 50
    make = (
        "import uuid; from newsletter.tokens import subscriber_token;"
        "print(subscriber_token(uuid.UUID(int=7)))"
    )
    token = manage("shell", "-c", make, DJANGO_DEBUG="1", SECRET_KEY=old)
    token = token.stdout.strip().splitlines()[-1]
    read = (
        "from newsletter.tokens import subscriber_token_read as r, InvalidToken\n"
        f"try: print(r({token!r}))\nexcept InvalidToken: print('refused')"
    )
    rotated = manage(
        "shell", "-c", read, DJANGO_DEBUG="1", SECRET_KEY=new, SECRET_KEY_FALLBACKS=old
    )
    assert rotated.stdout.strip().splitlines()[-1] == f"{7:032x}", rotated.stderr
    forgotten = manage("shell", "-c", read, DJANGO_DEBUG="1", SECRET_KEY=new)
    assert forgotten.stdout.strip().splitlines()[-1] == "refused"
