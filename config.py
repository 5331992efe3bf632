"""Configuration: the environment first, development defaults second."""
import os


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable, falling back to the default."""
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Settings for development and production; every tunable is a key here."""

    # None means: generate one into the instance folder on first start and keep it,
    # so a restart of the development server does not sign everyone out.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means: an SQLite file in the instance folder (see webapp.database).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # Connections are recycled rather than pinged before each use: a ping is one more round trip
    # on every request, and the badge poll's budget is two queries.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": env_int("DATABASE_POOL_RECYCLE_SECONDS", 1800)}
    SQLITE_BUSY_TIMEOUT_MS = env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    POSTS_PER_PAGE = env_int("POSTS_PER_PAGE", 10)
    MESSAGES_PER_PAGE = env_int("MESSAGES_PER_PAGE", 10)
    NOTIFICATION_POLL_SECONDS = env_int("NOTIFICATION_POLL_SECONDS", 10)
    # The badge counts at most this many unread messages ("99+" beyond), so its cost is bounded.
    UNREAD_COUNT_CAP = 100
    LAST_SEEN_INTERVAL_SECONDS = env_int("LAST_SEEN_INTERVAL_SECONDS", 300)
    POPOVER_CACHE_SECONDS = env_int("POPOVER_CACHE_SECONDS", 60)

    # CSRF tokens live as long as the session: a tab left open all day still posts.
    WTF_CSRF_TIME_LIMIT = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    # Behind a reverse proxy: how many proxies' X-Forwarded-* headers to trust (0: none), so that
    # rate limits count real client addresses and the app knows its public host and scheme.
    TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Only real changes rewrite the session cookie: a badge poll must not.
    SESSION_REFRESH_EACH_REQUEST = False

    # Argon2id, above OWASP's minimum (19 MiB, 2 iterations, 1 lane).
    ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_KIB = env_int("ARGON2_MEMORY_KIB", 65536)
    ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 4)

    # Flask-Limiter reads the RATELIMIT_* keys itself.
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Each registration costs a deliberately slow password hash: limit it too.
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per hour")
    SEND_RATE_LIMIT = os.environ.get("SEND_RATE_LIMIT", "30 per minute")


class TestConfig(Config):
    """Settings for the test suite: a throwaway database, cheap hashing, no limits."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    LAST_SEEN_INTERVAL_SECONDS = 300
    NOTIFICATION_POLL_SECONDS = 10
