"""What the account pages share (registering, changing one's address): asking a person to confirm
an e-mail address without telling anyone whether it already has an account here.

The answer and the work are the same either way: a confirmation link is recorded for the address
(so the person's settings show it waiting), and one mail is sent. To a free address it carries
the link; to an address that is another account's it goes to that owner and says someone tried
to use it, with no link (a link for it could only fail).
"""
from email.message import EmailMessage

from flask import current_app, url_for
from werkzeug.wrappers import Response

from .extensions import db
from .htmx import form_succeeded
from .mail import compose, send
from .models import CONFIRM_EMAIL, AccountToken, User


def confirmation_asked(user: User, address: str, notice: str, location: str) -> Response:
    """Record a confirmation link of `address` for `user` (so their settings show it waiting),
    mail it (or the owner's warning), and end the form with `notice`; or, when the mail could not
    be sent, with a warning that says so and how to send it again."""
    token = AccountToken.issue(user, CONFIRM_EMAIL, email=address)
    links = {"url": url_for("auth.confirm_email", token=token, _external=True),
             "reset_url": url_for("auth.reset_password_request", _external=True)}
    user_id = user.id
    if send(lambda: confirmation_mail(user_id, address, **links)) is False:
        return form_succeeded(f"We could not send the confirmation link to {address} just now. Send it again "
                              f"from your settings in a few minutes.", location, category="warning")
    return form_succeeded(notice, location)


def confirmation_mail(user_id: int, address: str, url: str, reset_url: str) -> EmailMessage:
    """The mail to `address`: its confirmation link, or, when it is another account's, a note
    to that owner (with no link: one could only fail)."""
    user, owner = db.session.get(User, user_id), User.by_email(address)
    if owner is not None and owner.id != user_id:
        return compose(address, "Someone tried to use your address", "address_taken", owner=owner,
                       reset_url=reset_url)
    return compose(address, "Confirm your e-mail address", "confirm_email", user=user, url=url,
                   minutes=current_app.config["ACCOUNT_TOKEN_SECONDS"] // 60)
