"""Security in one place: the secret key, the headers, trusted proxies, safe redirects, rate limits,
and secrets kept out of the request log."""
import logging
import os
import re
import secrets
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for Bootstrap's own form icons (validation marks, checkboxes), which are data: SVGs.
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    """Fill in the secret key, attach the security headers, and trust the configured proxies only."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app)
    https_only = app.config["SESSION_COOKIE_SECURE"]
    app.after_request(lambda response: add_security_headers(response, https_only))
    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.getLogger("werkzeug").addFilter(redact_link_tokens)  # the development server's request log


# A link's token in a path (a password reset, an address to confirm), which a request log must not keep.
TOKEN_IN_PATH = re.compile(r"(/auth/(?:reset-password|verify)/)(?!resend\b)[^\s?\"]+")


def redact_link_tokens(record: logging.LogRecord) -> bool:
    """Rewrite a log line that carries a link's token with the token left out (and keep the line)."""
    message = record.getMessage()
    redacted = TOKEN_IN_PATH.sub(r"\1[redacted]", message)
    if redacted != message:
        record.msg, record.args = redacted, ()
    return True


def instance_secret_key(app: Flask) -> str:
    """A secret generated once into the instance folder, so restarts keep people signed in."""
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        # Written whole to a private file, then linked into place: when several workers start
        # at once, one link wins and nobody ever reads a half-written key.
        draft = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        with open(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    with open(path, encoding="ascii") as existing:
        return existing.read().strip()


# What a document needs (a page, a fragment, an image): it could be framed, sniffed, run scripts
# or leak a referrer. A bodyless answer (204, 304) has none of that to guard, and the badge poll's
# 204 is the app's most frequent answer, so it carries only what applies to any response.
DOCUMENT_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
BODYLESS = (204, 304)


def add_security_headers(response: Response, https_only: bool) -> Response:
    """Set the security headers the kind of answer needs; HTML is private and revalidated."""
    headers = response.headers
    if https_only:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.status_code in BODYLESS:
        headers.pop("Content-Type", None)  # no body, so no type (Flask adds one by default)
        return response
    # One pass over what the view set (Headers.setdefault would scan the list once per name).
    present = {name.lower() for name in headers.keys()}
    headers.extend([(name, value) for name, value in DOCUMENT_HEADERS.items() if name.lower() not in present])
    if response.mimetype == "text/html" and "cache-control" not in present:
        # Pages hold private data (messages): browsers may keep them but must ask again.
        headers["Cache-Control"] = "private, no-cache"
    return response


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None (no open redirect, no crash)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target) or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # "http://[::1" and the like: unreadable means unsafe
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target


def configured_limit(key: str) -> Callable[[], str]:
    """A rate limit read from the config when a request needs it, for `limiter.limit(...)`."""
    return lambda: current_app.config[key]


def signed_in_user_key() -> str:
    """What a rate limit on writing counts per (sending, commenting): the signed-in user, not the address."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"
