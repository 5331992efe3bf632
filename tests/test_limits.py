"""Bounded requests: no body, field or form can make a worker hold more than a few megabytes."""
import io
import tracemalloc

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Message

from .conftest import HTMX, soup

TWENTY_MB = 20 * 1024 * 1024


def escaped_body(size: int) -> bytes:
    """A url-encoded form of `size` bytes made of percent-escapes, the costliest kind to parse."""
    return b"message=" + b"%41" * ((size - 8) // 3)


def post_stream(client, path: str, body: bytes, headers=None, with_length: bool = True):
    """POST a body from a stream, so the test itself holds one copy and the app reads it as a server would."""
    return client.post(path, input_stream=io.BytesIO(body), headers=headers or {},
                       content_type="application/x-www-form-urlencoded",
                       content_length=len(body) if with_length else None)


def peak_allocation(action) -> int:
    """The most memory Python allocated while `action` ran, in bytes."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def message_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Message.id)))


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "no-length"])
def test_a_20_mb_form_is_refused_with_413_and_little_memory(app, client, alice, with_length):
    body = escaped_body(TWENTY_MB)
    responses = []
    peak = peak_allocation(lambda: responses.append(post_stream(client, "/send-message/bob", body,
                                                                with_length=with_length)))
    (response,) = responses
    assert response.status_code == 413
    assert "more than this site accepts" in soup(response).select_one("main").get_text()
    assert peak < 4 * 1024 * 1024, f"the request made Python allocate {peak / 1e6:.1f} MB"
    assert message_count(app) == 0


def test_htmx_gets_the_413_as_an_alert(client, alice):
    response = post_stream(client, "/send-message/bob", escaped_body(TWENTY_MB), headers=HTMX)
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#alerts"
    assert "more than this site accepts" in soup(response).select_one("[role=alert]").get_text()


def test_one_oversized_multipart_field_is_refused(app, client, alice):
    # (A url-encoded body is bounded as a whole by MAX_CONTENT_LENGTH; this is multipart's field bound.)
    response = client.post("/send-message/bob", data={"message": "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and message_count(app) == 0


def test_too_many_form_parts_are_refused(app, client, alice):
    parts = app.config["MAX_FORM_PARTS"] + 1
    response = client.post("/send-message/bob", data={f"f{i}": "x" for i in range(parts)},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and message_count(app) == 0


def test_a_real_form_is_well_inside_the_limits(app, client, alice):
    response = client.post("/send-message/bob", data={"message": "\U0001F600" * 140})
    assert response.status_code == 303 and message_count(app) == 1
