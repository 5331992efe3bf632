"""E-mail: a plain-text and an HTML part rendered from templates/mail/, sent through SMTP
(MAIL_SERVER and the other MAIL_* settings) or, by default, printed to the console and written
under the instance folder (instance/mail/*.eml), so `make run` needs no mail server and a person
can follow a link locally.

A mail is made and sent beside the answer (`send_in_background`): a page never waits on a mail
server, nor on what making the mail costs. Sending is bounded by MAIL_TIMEOUT_SECONDS; a failure
is logged (never the address, never the link) and the page has said what it would say anyway.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from collections.abc import Callable
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app, render_template
log = logging.getLogger(__name__)

SENDING_KEY = "webapp.mail.sending"


def compose(to: str, subject: str, template: str, **context) -> EmailMessage:
    """The message: templates/mail/<template>.txt and .html rendered with `context`."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].strip(">") or None)
    message.set_content(render_template(f"mail/{template}.txt", **context))
    message.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    return message


def send_in_background(make: Callable[[], EmailMessage | None]) -> None:
    """Make a mail with `make` and send it, on a thread of its own in an app context of its own,
    so the answer never waits for it: neither what making it costs (a link stored, a render)
    nor the mail server. (Sending once the answer is closed would wait, under the development
    server, until the browser lets go of its connection.)"""
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            message = make()
        if message is not None:
            deliver(app, message)

    thread = threading.Thread(target=run, name="mail")
    sending = app.extensions.setdefault(SENDING_KEY, set())
    sending.add(thread)
    thread.start()


def wait_until_sent(app: Flask, timeout: float = 10.0) -> None:
    """Wait for the mails being sent (an orderly stop; tests)."""
    for thread in list(app.extensions.get(SENDING_KEY, ())):
        thread.join(timeout)
        app.extensions[SENDING_KEY].discard(thread)


def deliver(app: Flask, message: EmailMessage) -> bool:
    """Send now through the configured way; False (and a log line without its address) on failure."""
    try:
        if app.config["MAIL_SERVER"]:
            send_smtp(app.config, message)
        else:
            keep_locally(app, message)
        return True
    except (OSError, smtplib.SMTPException) as error:
        log.error("a mail (%s) could not be sent: %s", message["Subject"], type(error).__name__)
        return False


def send_smtp(config, message: EmailMessage) -> None:
    """Through the SMTP server of MAIL_SERVER, with TLS (STARTTLS or implicit) and login when set."""
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    if config["MAIL_USE_SSL"]:
        server = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    with server:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            server.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            server.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        server.send_message(message)


def keep_locally(app: Flask, message: EmailMessage) -> None:
    """The development default: the plain text on the console, the whole message in instance/mail/."""
    folder = Path(app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    name = message["Message-ID"].strip("<>").replace("@", "-at-").replace("/", "-")
    (folder / f"{name}.eml").write_bytes(message.as_bytes())
    text = message.get_body(("plain",)).get_content()
    print(f"\n---- mail to {message['To']}: {message['Subject']} ({folder / name}.eml)\n{text}----", flush=True)


def init_app(app: Flask) -> None:
    """A sender address that names this host when none is configured."""
    if not app.config.get("MAIL_DEFAULT_SENDER"):
        app.config["MAIL_DEFAULT_SENDER"] = "Microblog <no-reply@localhost>"
