"""What gunicorn serves in the benchmark: the app, and the two floors every figure is divided by.

- /bench/floor: a route of this app that reads the signed session and nothing else (no database):
  what any request of this app costs before it does its own work.
- /bench/bare: a bare WSGI callable under the same gunicorn: what the server alone costs.
And one reference that is not a floor:
- /bench/layout: the signed-in layout with no content (the user loaded, the navbar with its badge
  and account menu): what every page costs before it shows anything of its own.
They exist only here; the app that `make run` and production serve has none of them.
"""
from flask import render_template, session
from flask_login import login_required

from webapp import create_app
from webapp.activity import passive

app = create_app()

FLOOR_PATH = "/bench/floor"
BARE_PATH = "/bench/bare"
LAYOUT_PATH = "/bench/layout"


@passive
def floor():
    """Answer from the signed session alone: 'ok' for a signed-in cookie."""
    return "ok" if session.get("_user_id") else "anonymous"


app.add_url_rule(FLOOR_PATH, "bench_floor", floor)


@login_required
def layout():
    """The signed-in layout with an empty content block."""
    return render_template("base.html")


app.add_url_rule(LAYOUT_PATH, "bench_layout", layout)


def bare(environ, start_response):
    """The smallest WSGI answer."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def application(environ, start_response):
    """The bare floor on its path, the app everywhere else."""
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare(environ, start_response)
    return app(environ, start_response)
