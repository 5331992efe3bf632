"""The app's request class: a form body that is not valid UTF-8 is refused, not mangled."""
from urllib.parse import unquote_to_bytes

from flask import Request
from werkzeug.exceptions import BadRequest

URLENCODED = "application/x-www-form-urlencoded"


class AppRequest(Request):
    """Werkzeug keeps undecodable %-escapes as literal text ("%FF"); we answer 400 instead."""

    def _load_form_data(self) -> None:
        if self.mimetype == URLENCODED and not self._form_body_is_utf8():
            raise BadRequest("The form was not sent as valid UTF-8.")
        super()._load_form_data()

    def _form_body_is_utf8(self) -> bool:
        """Whether every field of the url-encoded body decodes as UTF-8 (the body stays readable)."""
        body = self.get_data(cache=True)  # the form parser reads the cached copy afterwards
        try:
            for pair in body.split(b"&"):
                unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
