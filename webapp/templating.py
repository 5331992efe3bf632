"""What every template gets besides its arguments: time filters, the limits, the htmx configuration."""
import json
from collections.abc import Callable
from types import SimpleNamespace

from flask import Flask, current_app, g, request, session, url_for
from flask.templating import Environment
from flask_wtf.csrf import generate_csrf
from jinja_partials import generate_render_partial
from markupsafe import Markup, escape

from . import models
from .mentions import with_mentions
from .timefmt import clock_tag, day_tag, full_utc, iso_utc, relative_time, time_tag, utc_day

HTMX_VERSION = "2.0.11"
# htmx 2's Server-Sent Events extension (npm htmx-ext-sse), for live updates.
HTMX_SSE_VERSION = "2.2.4"
REMEMBERED_URLS = "webapp.remembered_urls"
SIGNED_CSRF_TOKENS = "webapp.signed_csrf_tokens"
REMEMBERED_URLS_MAX = 10_000
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
    # Swapped-in content is processed in the swap itself, not 20 ms later: a form replaced by
    # its error answer handles the very next submit (Enter pressed at once) with htmx, never natively.
    "defaultSettleDelay": 0,
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


class AppEnvironment(Environment):
    """Flask's Jinja environment, whose templates take a copy of the globals when they are loaded.
    Jinja chains each template's globals to the environment's (a ChainMap), and then walks that
    chain in Python at every render and every {% from %} import: a list page paid for it dozens
    of times. The app sets all its globals while it is built, before any template is loaded
    (which is what Jinja asks of everyone anyway)."""

    def make_globals(self, d: dict | None) -> dict:
        return {**self.globals, **(d or {})}


def init_app(app: Flask) -> None:
    """Register the template filters and globals. Our csrf_token global replaces Flask-WTF's for
    macros and partials (a list's rows each have forms); Flask-WTF still passes its own to each
    render_template, and both give the one token Flask-WTF keeps for the request."""
    app.add_template_filter(relative_time, "relative_time")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(full_utc, "full_utc")
    app.add_template_filter(shown_name, "shown_name")
    remembered_url_for = remembering_url_for(app.extensions.setdefault(REMEMBERED_URLS, {}))
    app.jinja_env.globals.update(
        htmx_config=json.dumps(HTMX_CONFIG, separators=(",", ":")),
        htmx_version=HTMX_VERSION,
        htmx_sse_version=HTMX_SSE_VERSION,
        bootstrap_version=BOOTSTRAP_VERSION,
        limits=LIMITS,
        url_for=remembered_url_for,
        user_link=lambda username: user_link(remembered_url_for, username),
        with_mentions=lambda text, names: with_mentions(text, names, lambda name: user_link(
            remembered_url_for, name, f"@{name}", "user-link mention")),
        csrf_token=csrf_token,
        render_partial=generate_render_partial(render_in_place),
        time_tag=time_tag,
        clock_tag=clock_tag,
        day_tag=day_tag,
        utc_day=utc_day,
    )


# What a deleted account is called where its messages stay.
DELETED_ACCOUNT = "deleted account"


def shown_name(username: str) -> str:
    """A person's name as pages show it: "deleted account" for what stays of a deleted one."""
    return DELETED_ACCOUNT if models.is_tombstone_name(username) else username


def user_link(url_for_: Callable[..., str], username: str, text: str | None = None,
              classes: str = "user-link fw-semibold") -> Markup:
    """A name as a real link to the profile. With htmx it also loads the popover card into the
    span beside it, on the first hover (after a short delay) or keyboard focus; CSS shows the card
    on hover and focus, app.js loads it only once and closes it on Escape. Every row of a list has
    one, so it is built here rather than in a macro; the name and text are escaped."""
    if models.is_tombstone_name(username):  # no profile, no card
        return Markup(f'<span class="deleted-account">{DELETED_ACCOUNT}</span>')
    profile, card = url_for_("users.profile", username=username), url_for_("users.popover", username=username)
    delay = int(current_app.config["POPOVER_DELAY_MS"])
    return Markup(
        f'<span class="user-popover"><a class="{classes}" href="{escape(profile)}" hx-get="{escape(card)}"'
        f' hx-trigger="mouseenter delay:{delay}ms, focus" hx-target="next .popover-card" hx-swap="innerHTML"'
        f' hx-sync="this:drop" aria-keyshortcuts="ArrowDown">{escape(text or username)}</a>'
        f'<span class="popover-card"></span></span>')


def render_in_place(template_name: str, **context) -> str:
    """How jinja-partials renders a partial inside another template here: straight through Jinja.
    Flask's render_template would cost more than most partials themselves (62 us against 12): its
    signals, and context processors that give nothing the globals do not (request, session, g,
    and Flask-WTF's csrf_token, the same token as our global's)."""
    return current_app.jinja_env.get_template(template_name).render(context)


def csrf_token() -> str:
    """Flask-WTF's CSRF token, made once per request (a list asks for it in every row's form) and,
    while tokens never expire (WTF_CSRF_TIME_LIMIT None, the default here), signed once per
    session: signing costs a fifth of a popover card, and every page needs the token."""
    token = g.get("_csrf_token")
    if token is None:
        token = g._csrf_token = remembered_csrf_token()
    return token


def remembered_csrf_token() -> str:
    """The signed token of this session's CSRF secret, from the worker's memory when it signed it
    before; also what Flask-WTF's own forms use for this request (g.<field name>)."""
    config = current_app.config
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()  # a token that expires is signed anew each time
    remembered = current_app.extensions.setdefault(SIGNED_CSRF_TOKENS, {})
    secret = session.get(field_name)
    token = remembered.get(secret) if isinstance(secret, str) else None
    if token is None:
        token = generate_csrf()
        if len(remembered) >= REMEMBERED_URLS_MAX:
            remembered.clear()  # bounded, as the remembered URLs
        remembered[session[field_name]] = token
    setattr(g, field_name, token)
    return token


def remembering_url_for(remembered: dict) -> Callable[..., str]:
    """url_for for one app's templates, remembered in `remembered`: a list page builds the same
    few kinds of URL for every row (profile, card, avatar, conversation), and building one
    through the URL map costs more than rendering the row around it. A site-relative URL depends
    only on the app, the endpoint, the values and where the app is mounted; anything else
    (_external, _anchor, unhashable values, a render outside a request) is built every time."""

    def remembered_url_for(endpoint: str, /, **values) -> str:
        try:
            # The values in the order given: a template's call site always gives the same order.
            key = (request.script_root, endpoint, *values.items())
            url = remembered.get(key)
        except (RuntimeError, TypeError):  # outside a request; an unhashable value
            return url_for(endpoint, **values)
        if url is None:
            url = url_for(endpoint, **values)
            if not any(name[0] == "_" for name in values):
                if len(remembered) >= REMEMBERED_URLS_MAX:
                    remembered.clear()  # bounded: a flood of distinct names never grows the worker
                remembered[key] = url
        return url

    return remembered_url_for
