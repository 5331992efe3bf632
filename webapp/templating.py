"""What every template gets besides its arguments: time filters, the limits, the htmx configuration."""
import json
from types import SimpleNamespace

from flask import Flask

from . import models
from .pagination import Cursor
from .timefmt import full_utc, iso_utc, relative_time

HTMX_VERSION = "2.0.11"
BOOTSTRAP_VERSION = "5.3.9"

# htmx 2 swaps 2xx answers and 422 form errors in place. Other errors swap only where the
# server placed them with HX-Retarget or HX-Reswap (static/app.js): the app's own error
# answers go to the #alerts region (webapp.errors), while a proxy's 502 leaves the page alone.
HTMX_CONFIG = {
    "historyCacheSize": 0,  # private messages never sit in the browser's history storage
    "includeIndicatorStyles": False,  # no inline <style>: the CSP forbids it
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "defaultFocusScroll": False,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}

# The models' limits, for hints and counters: templates never write a number of their own.
LIMITS = SimpleNamespace(
    body=models.BODY_MAX_LENGTH,
    about_me=models.ABOUT_ME_MAX_LENGTH,
    username_min=models.USERNAME_MIN_LENGTH,
    username_max=models.USERNAME_MAX_LENGTH,
    password_min=models.PASSWORD_MIN_LENGTH,
)


def init_app(app: Flask) -> None:
    """Register the template filters and globals."""
    app.add_template_filter(relative_time, "relative_time")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(full_utc, "full_utc")
    app.add_template_filter(lambda row: Cursor.of(row).encode(), "cursor")
    app.jinja_env.globals.update(
        htmx_config=json.dumps(HTMX_CONFIG, separators=(",", ":")),
        htmx_version=HTMX_VERSION,
        bootstrap_version=BOOTSTRAP_VERSION,
        limits=LIMITS,
    )
