"""The bare extension objects; the factory binds them to an app."""
from flask import current_app, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for the typed models."""


# Where database.init_app keeps, on PostgreSQL, the app's engine in autocommit (the same pool).
AUTOCOMMIT_ENGINE = "webapp.autocommit_engine"
SAFE_METHODS = frozenset({"GET", "HEAD"})


class RequestSession(Session):
    """The ORM session, which on PostgreSQL runs a GET or HEAD in autocommit: such a request reads,
    and its rare writes (a read marker, 'last seen') are single statements, atomic on their own,
    so a transaction would only add a BEGIN and a ROLLBACK round trip to every page. Requests
    that change things (POST) keep their transaction."""

    def get_bind(self, *args, **kwargs):
        if has_request_context() and request.method in SAFE_METHODS:
            engine = current_app.extensions.get(AUTOCOMMIT_ENGINE)  # none on SQLite (see database.py)
            if engine is not None:
                return engine
        return super().get_bind(*args, **kwargs)


# Objects stay readable after a commit: a view that commits then renders costs no reloads.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": RequestSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# No default limits: each route that needs one says so.
limiter = Limiter(key_func=get_remote_address)
