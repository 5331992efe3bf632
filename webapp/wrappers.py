"""The app's request class: `request.htmx`, and a form body that is not UTF-8 refused, not mangled."""
from functools import cached_property
from urllib.parse import unquote_to_bytes

from flask import Request
from werkzeug.exceptions import BadRequest

from .htmx import HtmxDetails

URLENCODED = "application/x-www-form-urlencoded"


class AppRequest(Request):
    """Werkzeug's request, with htmx's details and a strict reading of url-encoded forms."""

    @cached_property
    def htmx(self) -> HtmxDetails:
        """What htmx says about this request (see webapp.htmx)."""
        return HtmxDetails(self.headers)

    def _load_form_data(self) -> None:
        """Werkzeug keeps undecodable %-escapes as literal text ("%FF"); we answer 400 instead."""
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
