"""What the account pages share (registering, changing one's address): asking a person to confirm
an e-mail address without telling anyone whether it already has an account here.

The answer and the work are the same either way: a confirmation link is recorded for the address
(so the person's settings show it waiting), and one mail goes out after the answer. To a free
address it carries the link; to an address that is another account's it goes to that owner and
says someone tried to use it, with no link (a link for it could only fail).
"""
from flask import current_app, url_for
from werkzeug.wrappers import Response

from .mail import compose, send_after_response
from .models import CONFIRM_EMAIL, AccountToken, User


def ask_to_confirm(response: Response, user: User, address: str) -> Response:
    """Record a confirmation link of `address` for `user` and mail it (or the owner's warning)
    once `response` is out."""
    token = AccountToken.issue(user, CONFIRM_EMAIL, email=address)
    owner = User.by_email(address)
    minutes = current_app.config["ACCOUNT_TOKEN_SECONDS"] // 60
    if owner is not None and owner.id != user.id:
        message = compose(address, "Someone tried to use your address", "address_taken", owner=owner,
                          reset_url=url_for("auth.reset_password_request", _external=True))
    else:
        message = compose(address, "Confirm your e-mail address", "confirm_email", user=user, minutes=minutes,
                          url=url_for("auth.confirm_email", token=token, _external=True))
    return send_after_response(response, message)
