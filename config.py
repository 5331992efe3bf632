"""Configuration as data: defaults in `Config`, the environment read when an app is created.

Nothing here reads the environment at import time: `create_app()` calls `from_environment()`,
tests pass `TestConfig` and their overrides, and no module is ever reloaded.
"""
import os
from collections.abc import Mapping


class Config:
    """Defaults for development and production; every tunable is a key here."""

    # None means: generate one into the instance folder on first start and keep it,
    # so a restart of the development server does not sign everyone out.
    SECRET_KEY = None
    # None means: an SQLite file in the instance folder (see webapp.database).
    SQLALCHEMY_DATABASE_URI = None
    # Connections are recycled after this long. They are not pinged before each use (a round trip
    # on every request); a connection the server closed is noticed on its socket instead, at no
    # cost (webapp.database), and replaced before the request sees it.
    DATABASE_POOL_RECYCLE_SECONDS = 1800
    # A database that is down or silent fails a request within seconds, never hangs it:
    # connecting, waiting for a pooled connection, and each statement have a deadline (PostgreSQL).
    DATABASE_CONNECT_TIMEOUT_SECONDS = 3
    DATABASE_POOL_TIMEOUT_SECONDS = 5
    DATABASE_STATEMENT_TIMEOUT_SECONDS = 5
    SQLITE_BUSY_TIMEOUT_MS = 5000

    POSTS_PER_PAGE = 10
    MESSAGES_PER_PAGE = 10
    COMMENTS_PER_PAGE = 20
    NOTIFICATIONS_PER_PAGE = 20
    # The home timeline's "N new posts" counts up to this many ("20+" beyond).
    NEW_POSTS_CAP = 20
    # How many people the search for someone to write to (/messages/new) shows.
    PEOPLE_SEARCH_RESULTS = 10
    # How many of the most active people the home page suggests to someone who follows nobody.
    SUGGESTED_PEOPLE = 5
    NOTIFICATION_POLL_SECONDS = 10
    # Live updates: pages hold an event stream (/events) and poll only while it is down.
    LIVE_UPDATES = True
    # Redis for what several workers or hosts share: the doorbells of live updates (pub/sub).
    # None: an in-process broker (one process, as `make run` serves).
    REDIS_URL = None
    # The pub/sub channel of the doorbells (apps sharing one Redis each keep their own).
    REDIS_CHANNEL = "webapp:doorbells"
    # A comment line this often keeps proxies from closing a quiet stream.
    LIVE_KEEPALIVE_SECONDS = 15
    # A stream checks its session this often (besides at once when one of its person's ends).
    LIVE_SESSION_CHECK_SECONDS = 300
    # The reconnect delay a stream suggests to a plain EventSource (jittered up to half again).
    LIVE_RETRY_MS = 5000
    # A poll that takes longer than this is abandoned; the next one starts afresh.
    POLL_TIMEOUT_MS = 8000
    # A pointer must rest this long on a name before its popover card is fetched.
    POPOVER_DELAY_MS = 300
    # The badge counts at most this many unread messages ("99+" beyond), so its cost is bounded.
    UNREAD_COUNT_CAP = 100
    LAST_SEEN_INTERVAL_SECONDS = 300
    POPOVER_CACHE_SECONDS = 60

    # No request can make a worker hold more than a few megabytes: the largest real form is
    # about 2 KB, so a body is at most 64 KiB, a field 16 KiB, and a form 50 fields (413 beyond).
    MAX_CONTENT_LENGTH = 64 * 1024
    MAX_FORM_MEMORY_SIZE = 16 * 1024
    MAX_FORM_PARTS = 50

    # CSRF tokens live as long as the session: a tab left open all day still posts.
    WTF_CSRF_TIME_LIMIT = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # Only real changes rewrite the session cookie: a badge poll must not.
    SESSION_REFRESH_EACH_REQUEST = False
    # A signed-in session ends on the server after this long unused, and after this long at all
    # (the remember-me cookie lasts as long). "Last used" is written at most every
    # LAST_SEEN_INTERVAL_SECONDS, so idleness is measured to within that.
    SESSION_IDLE_TIMEOUT_SECONDS = 14 * 86400
    SESSION_LIFETIME_SECONDS = 30 * 86400
    # Behind a reverse proxy: how many proxies' X-Forwarded-* headers to trust (0: none), so that
    # rate limits count real client addresses and the app knows its public host and scheme.
    TRUSTED_PROXY_COUNT = 0
    # The host names this app answers to (Flask checks every request's Host, or X-Forwarded-Host
    # behind a trusted proxy, against them: 400 otherwise). Links in mails are built on the
    # request's host, so a forged one must never get that far: a reset link on someone else's
    # host would hand them its token. A name with a leading dot admits its subdomains.
    TRUSTED_HOSTS = ["localhost", "127.0.0.1"]

    # Argon2id, above OWASP's minimum (19 MiB, 2 iterations, 1 lane).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 65536
    ARGON2_PARALLELISM = 4

    # Flask-Limiter reads the RATELIMIT_* keys itself.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    # Each registration costs a deliberately slow password hash: limit it too.
    REGISTER_RATE_LIMIT = "10 per hour"
    SEND_RATE_LIMIT = "30 per minute"
    # Asking for a password reset link: per address asked for, and per client.
    RESET_RATE_LIMIT = "5 per hour"
    # Sending the confirmation link of one's address again, per person.
    CONFIRM_RATE_LIMIT = "5 per hour"

    # Mail through SMTP when MAIL_SERVER is set; otherwise printed to the console and written
    # under instance/mail/ (webapp/mail.py). A send never waits longer than the timeout.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    # None: "Microblog <no-reply@localhost>".
    MAIL_DEFAULT_SENDER = None
    MAIL_TIMEOUT_SECONDS = 10
    # How long a link sent by mail (a password reset) works.
    ACCOUNT_TOKEN_SECONDS = 3600


class TestConfig(Config):
    """Settings for the test suite: a throwaway database, cheap hashing, no limits."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_ENABLED = False


# The environment variables the app reads and the keys each one sets; a value is parsed
# by the type of the key's default (an integer, a yes/no, or text).
ENVIRONMENT = {
    "SECRET_KEY": ["SECRET_KEY"],
    "DATABASE_URL": ["SQLALCHEMY_DATABASE_URI"],
    "DATABASE_POOL_RECYCLE_SECONDS": ["DATABASE_POOL_RECYCLE_SECONDS"],
    "DATABASE_CONNECT_TIMEOUT_SECONDS": ["DATABASE_CONNECT_TIMEOUT_SECONDS"],
    "DATABASE_POOL_TIMEOUT_SECONDS": ["DATABASE_POOL_TIMEOUT_SECONDS"],
    "DATABASE_STATEMENT_TIMEOUT_SECONDS": ["DATABASE_STATEMENT_TIMEOUT_SECONDS"],
    "SQLITE_BUSY_TIMEOUT_MS": ["SQLITE_BUSY_TIMEOUT_MS"],
    "POSTS_PER_PAGE": ["POSTS_PER_PAGE"],
    "MESSAGES_PER_PAGE": ["MESSAGES_PER_PAGE"],
    "COMMENTS_PER_PAGE": ["COMMENTS_PER_PAGE"],
    "NOTIFICATIONS_PER_PAGE": ["NOTIFICATIONS_PER_PAGE"],
    "PEOPLE_SEARCH_RESULTS": ["PEOPLE_SEARCH_RESULTS"],
    "SUGGESTED_PEOPLE": ["SUGGESTED_PEOPLE"],
    "NOTIFICATION_POLL_SECONDS": ["NOTIFICATION_POLL_SECONDS"],
    "LIVE_UPDATES": ["LIVE_UPDATES"],
    "REDIS_URL": ["REDIS_URL"],
    "REDIS_CHANNEL": ["REDIS_CHANNEL"],
    "LIVE_KEEPALIVE_SECONDS": ["LIVE_KEEPALIVE_SECONDS"],
    "LIVE_SESSION_CHECK_SECONDS": ["LIVE_SESSION_CHECK_SECONDS"],
    "POLL_TIMEOUT_MS": ["POLL_TIMEOUT_MS"],
    "POPOVER_DELAY_MS": ["POPOVER_DELAY_MS"],
    "LAST_SEEN_INTERVAL_SECONDS": ["LAST_SEEN_INTERVAL_SECONDS"],
    "SESSION_IDLE_TIMEOUT_SECONDS": ["SESSION_IDLE_TIMEOUT_SECONDS"],
    "SESSION_LIFETIME_SECONDS": ["SESSION_LIFETIME_SECONDS"],
    "POPOVER_CACHE_SECONDS": ["POPOVER_CACHE_SECONDS"],
    # Secure cookies go together: the session's and the remember-me one.
    "SESSION_COOKIE_SECURE": ["SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"],
    "TRUSTED_PROXY_COUNT": ["TRUSTED_PROXY_COUNT"],
    "TRUSTED_HOSTS": ["TRUSTED_HOSTS"],
    "MAX_CONTENT_LENGTH": ["MAX_CONTENT_LENGTH"],
    "ARGON2_TIME_COST": ["ARGON2_TIME_COST"],
    "ARGON2_MEMORY_KIB": ["ARGON2_MEMORY_KIB"],
    "ARGON2_PARALLELISM": ["ARGON2_PARALLELISM"],
    "RATELIMIT_ENABLED": ["RATELIMIT_ENABLED"],
    "RATELIMIT_STORAGE_URI": ["RATELIMIT_STORAGE_URI"],
    "LOGIN_RATE_LIMIT": ["LOGIN_RATE_LIMIT"],
    "REGISTER_RATE_LIMIT": ["REGISTER_RATE_LIMIT"],
    "SEND_RATE_LIMIT": ["SEND_RATE_LIMIT"],
    "RESET_RATE_LIMIT": ["RESET_RATE_LIMIT"],
    "CONFIRM_RATE_LIMIT": ["CONFIRM_RATE_LIMIT"],
    "MAIL_SERVER": ["MAIL_SERVER"],
    "MAIL_PORT": ["MAIL_PORT"],
    "MAIL_USE_TLS": ["MAIL_USE_TLS"],
    "MAIL_USE_SSL": ["MAIL_USE_SSL"],
    "MAIL_USERNAME": ["MAIL_USERNAME"],
    "MAIL_PASSWORD": ["MAIL_PASSWORD"],
    "MAIL_DEFAULT_SENDER": ["MAIL_DEFAULT_SENDER"],
    "MAIL_TIMEOUT_SECONDS": ["MAIL_TIMEOUT_SECONDS"],
    "ACCOUNT_TOKEN_SECONDS": ["ACCOUNT_TOKEN_SECONDS"],
}

YES = {"1", "true", "yes", "on"}
NO = {"0", "false", "no", "off"}


def parse_setting(name: str, text: str, default):
    """Read one variable's text as the type of its default; a clear error for a wrong value."""
    text = text.strip()
    if isinstance(default, list):  # comma-separated
        return [item.strip() for item in text.split(",") if item.strip()]
    if isinstance(default, bool):
        if text.lower() not in YES | NO:
            raise ValueError(f"{name} must be one of {sorted(YES | NO)}, not {text!r}")
        return text.lower() in YES
    if isinstance(default, int):
        if not text.isdigit():
            raise ValueError(f"{name} must be a whole number, not {text!r}")
        return int(text)
    return text


def from_environment(environ: Mapping[str, str] | None = None) -> dict:
    """The settings the environment gives; variables that are unset or empty keep their default."""
    environ = os.environ if environ is None else environ
    settings = {}
    for name, keys in ENVIRONMENT.items():
        if environ.get(name, "").strip():
            for key in keys:
                settings[key] = parse_setting(name, environ[name], getattr(Config, key))
    return settings
