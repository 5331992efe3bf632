"""The application factory: the one place that knows every module and every feature."""
import os
from collections.abc import Mapping

from flask import Flask

from config import Config, from_environment

from . import activity, cli, database, doorbells, errors, mail, security, templating
from .auth import login
from .auth.routes import bp as auth_bp
from .extensions import csrf, limiter
from .live import subscribers as live_subscribers
from .live.routes import bp as live_bp
from .messages.routes import bp as messages_bp
from .notifications import subscribers as notification_subscribers
from .notifications.routes import bp as notifications_bp
from .posts.routes import bp as posts_bp
from .users.routes import bp as users_bp
from .wrappers import AppRequest

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLUEPRINTS = (auth_bp, posts_bp, users_bp, messages_bp, notifications_bp, live_bp)


def create_app(config: type | Mapping | None = None, /, **overrides) -> Flask:
    """Build the app from Config, then `config` (the environment when None), then the overrides."""
    app = Flask(
        __name__,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(PROJECT_ROOT, "instance"),
    )
    app.request_class = AppRequest
    app.jinja_environment = templating.AppEnvironment
    load_config(app, config, overrides)
    csrf.init_app(app)
    for module in (security, database, login, templating, errors, activity, cli, doorbells, mail,
                   notification_subscribers, live_subscribers):
        module.init_app(app)
    limiter.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def load_config(app: Flask, config: type | Mapping | None, overrides: Mapping) -> None:
    """Defaults first, then the given settings (or the environment's), then the overrides."""
    app.config.from_object(Config)
    if config is None:
        app.config.update(from_environment())
    elif isinstance(config, Mapping):
        app.config.update(config)
    else:
        app.config.from_object(config)
    app.config.update(overrides)
