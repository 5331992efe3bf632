"""E-mail: a plain-text and an HTML part rendered from templates/mail/, sent through SMTP
(MAIL_SERVER and the other MAIL_* settings) or, by default, printed to the console and written
under the instance folder (instance/mail/*.eml), so `make run` needs no mail server and a person
can follow a link locally.

A page sends a mail with `send`, which waits for it at most MAIL_TIMEOUT_SECONDS and tells
whether it went: a failure is logged (the error's class: never the address, the link or which
mail it was) and the page says it, with what to do next; a mail still going when the wait ends
goes on.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from email.message import EmailMessage
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


def send(make: Callable[[], EmailMessage]) -> bool | None:
    """Make a mail with `make` and send it, on a thread of its own in an app context of its own,
    waiting for it at most MAIL_TIMEOUT_SECONDS (a server that accepts a connection and then
    stalls cannot hold the page longer). True: sent. False: it could not be made or sent (logged),
    so the page can say so. None: still going when the wait ended; it goes on, and a failure then
    is only logged."""
    app = current_app._get_current_object()
    sending, outcome = app.extensions.setdefault(SENDING_KEY, set()), []

    def run():
        try:
            outcome.append(make_and_deliver(app, make))
        finally:
            sending.discard(thread)

    thread = threading.Thread(target=run, name="mail")
    sending.add(thread)
    thread.start()
    thread.join(app.config["MAIL_TIMEOUT_SECONDS"])
    return outcome[0] if outcome else None


def make_and_deliver(app: Flask, make: Callable[[], EmailMessage]) -> bool:
    """Make the mail (in an app context of its own: it may read and store rows) and deliver it;
    False when either fails, logged with the error's class only: its text may carry an address
    or a statement's parameters, and which mail it was (its subject) would say whether an
    address has an account."""
    try:
        with app.app_context():
            message = make()
        deliver(app, message)
    except Exception as error:  # the edge of a thread: nothing above it would log it
        log.error("a mail could not be sent: %s", type(error).__name__)
        return False
    return True


def wait_until_sent(app: Flask, timeout: float = 10.0) -> None:
    """Wait for the mails being sent (an orderly stop; tests)."""
    for thread in list(app.extensions.get(SENDING_KEY, ())):
        thread.join(timeout)


def deliver(app: Flask, message: EmailMessage) -> None:
    """Send now through the configured way (raises what the way raises)."""
    if app.config["MAIL_SERVER"]:
        send_smtp(app.config, message)
    else:
        keep_locally(app, message)


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
