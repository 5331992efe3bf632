"""Template helpers: the remembered url_for gives exactly what url_for gives."""
from flask import render_template_string, url_for

from webapp import templating
from webapp.templating import REMEMBERED_URLS


def test_remembered_urls_are_the_urls_url_for_builds(app):
    template = "{{ url_for('users.profile', username=name) }} {{ url_for('users.avatar', username=name) }}"
    for root in ("", "/blog"):  # the same app mounted at two prefixes never mixes them
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for name in ("alice", "bob", "alice"):
                expected = f"{url_for('users.profile', username=name)} {url_for('users.avatar', username=name)}"
                assert render_template_string(template, name=name) == expected
                assert expected.startswith(f"{root}/user/{name}")


def test_external_and_anchored_urls_are_built_every_time(app):
    app.config["TRUSTED_HOSTS"] = ["example.test"]
    with app.test_request_context("/", base_url="http://example.test/"):
        assert render_template_string("{{ url_for('posts.index', _external=True) }}") == "http://example.test/"
        assert render_template_string("{{ url_for('posts.index', _anchor='top') }}") == "/#top"
        assert not any(key[1] == "posts.index" for key in app.extensions[REMEMBERED_URLS])


def test_the_memory_of_urls_is_bounded(app, monkeypatch):
    monkeypatch.setattr(templating, "REMEMBERED_URLS_MAX", 20)
    with app.test_request_context("/"):
        for index in range(45):
            render_template_string("{{ url_for('users.profile', username=name) }}", name=f"u{index}")
        assert 0 < len(app.extensions[REMEMBERED_URLS]) <= 20


def test_a_render_outside_a_request_builds_its_urls(app):
    app.config["SERVER_NAME"] = "example.test"
    with app.app_context():
        expected = url_for("users.profile", username="alice")  # Flask builds an absolute URL here
        assert render_template_string("{{ url_for('users.profile', username='alice') }}") == expected


def test_templates_take_a_plain_copy_of_the_globals(app):
    # Jinja's default chains them to the environment's (a ChainMap walked in Python at every render).
    template = app.jinja_env.get_template("base.html")
    assert type(template.globals) is dict
    assert template.globals["url_for"] is app.jinja_env.globals["url_for"]
    assert template.globals["csrf_token"] is app.jinja_env.globals["csrf_token"]
