"""The local mailbox of `make run`: the SMTP sink keeps what the site sends, the
command stops when told, and the admin page shows it to superusers only."""

import os
import selectors
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives, get_connection
from django.test import RequestFactory

from newsletter.mailbox import (
    MailboxMessageNotFound,
    MailboxServer,
    MailboxStore,
    mailbox_list,
    mailbox_names,
    mailbox_read,
)
from newsletter.mailbox_hooks import menu_item
from tests.newsletter.smtp import free_port

UNSUBSCRIBE = (
    "<http://127.0.0.1:8000/newsletter/unsubscribe/abc/>, <mailto:u@example.org>"
)


def newsletter_mail(subject: str, *, to: str = "leser@example.org", **extra):
    mail = EmailMultiAlternatives(
        subject=subject,
        body=f"{subject}\n\nAbmelden: http://127.0.0.1:8000/newsletter/unsubscribe/abc/",
        from_email="wegweiser@localhost",
        to=[to],
        headers={
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        **extra,
    )
    mail.attach_alternative(
        f'<style>body {{ color: red }}</style><p class="mail-body">{subject}</p>',
        "text/html",
    )
    return mail


def smtp_connection(port: int):
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=port,
        username="",
        password="",
        use_tls=False,
        use_ssl=False,
        timeout=10,
    )


# --- the sink ----------------------------------------------------------------------


def test_sink_keeps_each_message_sent_over_smtp(tmp_path):
    port = free_port()
    with MailboxServer(directory=tmp_path, port=port):
        sent = smtp_connection(port).send_messages(
            [
                newsletter_mail("Neues im November"),
                newsletter_mail("Bitte bestätigen", bcc=["still@example.org"]),
            ]
        )
    assert sent == 2

    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    listing = mailbox_list(directory=tmp_path)
    assert [entry.subject for entry in listing] == [
        "Bitte bestätigen",
        "Neues im November",
    ]
    newest = listing[0]
    assert newest.sender == "wegweiser@localhost"
    # The envelope: a Bcc recipient got the message too.
    assert "still@example.org" in newest.recipients
    assert newest.size == files[1].stat().st_size

    message = mailbox_read(directory=tmp_path, name=listing[1].name)
    assert message.entry.subject == "Neues im November"
    assert message.list_unsubscribe == UNSUBSCRIBE
    assert message.list_unsubscribe_post == "List-Unsubscribe=One-Click"
    assert ("List-Unsubscribe", UNSUBSCRIBE) in message.headers
    assert '<p class="mail-body">Neues im November</p>' in message.html
    assert "Abmelden: http://127.0.0.1:8000/newsletter/unsubscribe/abc/" in message.text


def test_sink_keeps_only_the_newest_messages(tmp_path):
    store = MailboxStore(tmp_path, keep=3)
    names = [
        store.add(
            f"Subject: {n}\r\n\r\nhi\r\n".encode(), mail_from="a@x", rcpt_tos=["b@x"]
        )
        for n in range(5)
    ]
    assert mailbox_names(directory=tmp_path) == names[:1:-1]
    assert [e.subject for e in mailbox_list(directory=tmp_path)] == ["4", "3", "2"]

    # A smaller limit applies to what is already there when the sink starts.
    MailboxStore(tmp_path, keep=1)
    assert mailbox_names(directory=tmp_path) == [names[-1]]


@pytest.mark.parametrize(
    "name", ["../secret_key", "01796099091815842018-609e97.eml", "x.eml", ""]
)
def test_reading_a_name_that_is_not_a_stored_message_fails(tmp_path, name):
    (tmp_path / "x.eml").write_bytes(b"Subject: x\r\n\r\n")
    with pytest.raises(MailboxMessageNotFound):
        mailbox_read(directory=tmp_path, name=name)


def test_command_serves_until_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "1", "SECRET_KEY": "test-mailbox"}
    env.pop("NEWSLETTER_MAILBOX_DIR", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "newsletter_mailbox",
            "--port",
            str(port),
            "--dir",
            str(tmp_path),
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = _read_line(process, timeout=30)
        assert f"listening on smtp://127.0.0.1:{port}" in line, line

        smtp_connection(port).send_messages([newsletter_mail("Über den Befehl")])
        assert [e.subject for e in mailbox_list(directory=tmp_path)] == [
            "Über den Befehl"
        ]

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
        assert time.monotonic() - started < 5
        assert "Mailbox stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _read_line(process, *, timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no output from the command in {timeout} s")
    return process.stdout.readline()


# --- the admin page ----------------------------------------------------------------


@pytest.fixture
def mailbox(settings, tmp_path):
    """The mailbox page on, with two messages in it."""
    settings.NEWSLETTER_MAILBOX_DIR = str(tmp_path)
    store = MailboxStore(tmp_path)
    for subject in ("Neues im November", "Bitte bestätigen"):
        store.add(
            newsletter_mail(subject).message().as_bytes(),
            mail_from="wegweiser@localhost",
            rcpt_tos=["leser@example.org"],
        )
    return tmp_path


def test_superuser_sees_the_messages(admin_client, mailbox):
    body = admin_client.get("/admin/mailbox/").content.decode()
    assert "Neues im November" in body
    assert "Bitte bestätigen" in body
    assert body.index("Bitte bestätigen") < body.index("Neues im November")


def test_message_page_shows_the_html_part_sandboxed_and_the_headers(
    admin_client, mailbox
):
    name = mailbox_names(directory=mailbox)[-1]
    response = admin_client.get(f"/admin/mailbox/{name}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Neues im November" in body
    # The mail's markup only ever reaches the browser inside the sandboxed frame.
    assert (
        '<iframe sandbox srcdoc="&lt;style&gt;body { color: red }&lt;/style&gt;'
        "&lt;p class=&quot;mail-body&quot;&gt;Neues im November&lt;/p&gt;"
    ) in body
    assert '<p class="mail-body">' not in body
    assert "List-Unsubscribe-Post" in body
    assert 'href="http://127.0.0.1:8000/newsletter/unsubscribe/abc/"' in body
    assert "Abmelden:" in body

    raw = admin_client.get(f"/admin/mailbox/{name}/raw/")
    assert raw["Content-Type"] == "message/rfc822"
    assert raw.content == (mailbox / name).read_bytes()


def test_unknown_message_is_404(admin_client, mailbox):
    assert admin_client.get("/admin/mailbox/..%2Fsecret_key/").status_code == 404
    missing = "01796099091815842018-609e97.eml"
    assert admin_client.get(f"/admin/mailbox/{missing}/").status_code == 404


def _editor():
    user = get_user_model().objects.create_user("redaktion", "r@example.org", "x")
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    return user


@pytest.mark.parametrize(
    ("role", "on", "status"),
    [
        ("anonymous", True, 302),  # to the login page
        ("anonymous", False, 302),
        ("editor", True, 302),  # Wagtail's "no permission" redirect to the dashboard
        ("editor", False, 404),
        ("superuser", True, 200),
        ("superuser", False, 404),
    ],
)
@pytest.mark.parametrize("page", ["list", "message", "raw"])
def test_who_may_open_the_mailbox(
    client, admin_user, db, settings, tmp_path, role, on, status, page
):
    store = MailboxStore(tmp_path)
    name = store.add(b"Subject: x\r\n\r\nx\r\n", mail_from="a@x", rcpt_tos=["b@x"])
    settings.NEWSLETTER_MAILBOX_DIR = str(tmp_path) if on else ""
    if role == "editor":
        client.force_login(_editor())
    elif role == "superuser":
        client.force_login(admin_user)
    url = {
        "list": "/admin/mailbox/",
        "message": f"/admin/mailbox/{name}/",
        "raw": f"/admin/mailbox/{name}/raw/",
    }[page]
    response = client.get(url)
    assert response.status_code == status
    if role == "editor" and on:
        assert response["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("superuser", "on", "shown"),
    [(True, True, True), (True, False, False), (False, True, False)],
)
def test_menu_item_only_for_superusers_while_the_mailbox_is_on(
    settings, tmp_path, admin_user, db, superuser, on, shown
):
    settings.NEWSLETTER_MAILBOX_DIR = str(tmp_path) if on else ""
    request = RequestFactory().get("/admin/")
    request.user = admin_user if superuser else _editor()
    assert menu_item().is_shown(request) is shown
