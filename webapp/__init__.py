"""The application factory."""
import os
import secrets

from flask import Flask
from jinja_partials import register_extensions as register_partials

from config import Config

from .database import configure_sqlite, default_database_uri, normalize_database_uri
from .extensions import csrf, db, limiter, login_manager, migrate
from .wrappers import AppRequest

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config_class: type = Config) -> Flask:
    """Build the app: load config, bind extensions, register blueprints and commands."""
    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(PROJECT_ROOT, "instance"),
    )
    app.request_class = AppRequest
    app.config.from_object(config_class)
    load_instance_settings(app)
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    from . import cli

    cli.register(app)
    return app


def load_instance_settings(app: Flask) -> None:
    """Fill in the secret key and database URI from the instance folder when not configured."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or default_database_uri(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_uri(uri)


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


def register_extensions(app: Flask) -> None:
    """Bind every extension to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    register_partials(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def register_blueprints(app: Flask) -> None:
    """One blueprint per area of the domain."""
    from .auth.routes import bp as auth_bp
    from .messages.routes import bp as messages_bp
    from .notifications.routes import bp as notifications_bp
    from .posts.routes import bp as posts_bp
    from .users.routes import bp as users_bp

    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(posts_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(notifications_bp)


def register_hooks(app: Flask) -> None:
    """Request hooks, template helpers, error handlers and security headers."""
    from . import auth, templating
    from .activity import record_last_seen
    from .errors import register_error_handlers
    from .security import init_security

    auth.init_login(app)
    templating.init_templating(app)
    register_error_handlers(app)
    init_security(app)
    app.before_request(record_last_seen)
