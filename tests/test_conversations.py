"""Conversations: the inbox, a thread with its own read position, replies, live updates, privacy."""
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Message, Participant, User, utcnow

from .conftest import HTMX, is_fragment, seed_user, soup


def bodies(page, selector="#thread-items .body-text") -> list[str]:
    return [node.get_text() for node in page.select(selector)]


def inbox_previews(page) -> list[str]:
    return [" ".join(node.get_text().split()) for node in page.select("#conversation-list li.conversation .conversation-preview")]


def badge_count(client) -> str:
    """What the badge says (its visible text), as a fresh poll answers."""
    return soup(client.get("/notifications/badge", headers=HTMX)).select_one("#unread-badge").get_text(" ", strip=True)


def unread(app, username: str) -> int:
    with app.app_context():
        return Participant.unread_count_of(User.by_username(username))


def seed_thread(add_message, sender, recipient, count, prefix="m", start=None):
    """`count` messages from sender to recipient, a minute apart, oldest first."""
    start = start or utcnow() - timedelta(hours=2)
    return [add_message(sender, recipient, f"{prefix}{index}", timestamp=start + timedelta(minutes=index))
            for index in range(count)]


# The inbox

def test_the_inbox_lists_conversations_latest_activity_first(client, alice, add_message, make_user):
    make_user("carol")
    now = utcnow()
    add_message("bob", "alice", "older", timestamp=now - timedelta(minutes=5))
    add_message("carol", "alice", "newer", timestamp=now - timedelta(minutes=1))
    add_message("alice", "bob", "my reply", timestamp=now)
    page = soup(client.get("/messages"))
    assert inbox_previews(page) == ["You: my reply", "newer"]
    first = page.select_one("#conversation-list li.conversation")
    # The whole row is one link, from a page that opens at the first unread message.
    link = first.select_one("a.conversation-link")
    assert link["href"] == "/messages/with/bob#new"
    assert link.select_one("img.avatar")["src"] == "/user/bob/avatar.svg"
    assert link.select_one(".conversation-name").get_text() == "bob"
    assert link.select_one("time")["datetime"]
    assert link.select_one(".badge").get_text(" ", strip=True) == "1 unread"
    assert first.select("a") == [link], "no link inside the row's link"
    # Read conversations open at their end.
    assert page.select("a.conversation-link")[1]["href"] == "/messages/with/carol#new"
    client.get("/messages/with/carol")
    assert soup(client.get("/messages")).select("a.conversation-link")[1]["href"] == "/messages/with/carol#thread-end"


def test_opening_the_inbox_marks_nothing_read(client, app, alice, add_message):
    seed_thread(add_message, "bob", "alice", 3)
    client.get("/messages")
    client.get("/messages", headers=HTMX)
    assert unread(app, "alice") == 3
    assert badge_count(client) == "3 unread messages"


def test_the_inbox_pager_swaps_in_place_and_pushes_the_url(client, app, alice, add_message):
    app.config["MESSAGES_PER_PAGE"] = 2
    start = utcnow() - timedelta(hours=1)
    for index in range(5):
        name = f"friend{index}"
        seed_user(app, name)
        add_message(name, "alice", f"from {name}", timestamp=start + timedelta(minutes=index))
    first = soup(client.get("/messages"))
    assert inbox_previews(first) == ["from friend4", "from friend3"]
    older = first.select_one("#conversation-list a[rel=next]")
    assert (older["hx-target"], older["hx-push-url"], older["hx-get"]) == ("#conversation-list", "true", older["href"])
    second = client.get(older["href"], headers=HTMX)
    assert is_fragment(second) and "HX-Request" in second.headers["Vary"]
    assert inbox_previews(soup(second)) == ["from friend2", "from friend1"]
    third = soup(client.get(soup(second).select_one("a[rel=next]")["href"]))
    assert inbox_previews(third) == ["from friend0"]
    assert not is_fragment(client.get(older["href"]))  # a reload of a pushed URL is the full page


@pytest.mark.parametrize("query", ["before=zzz", "after=1_x", "before=", "after=999999999999999999_9",
                                   "before=99999999999999999_999999999999999999", "after=1_2147483647",
                                   "before=1_2147483648", "before=%D9%A1%D9%A2_%D9%A3"])
def test_garbage_cursors_give_a_sensible_page(client, alice, add_message, query):
    add_message("bob", "alice", "hi")
    for path in ("/messages", "/messages/with/bob"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        assert "hi" in soup(response).select_one("main").get_text()


def test_mark_all_as_read_in_place_and_without_javascript(client, app, alice, add_message, make_user):
    make_user("carol")
    seed_thread(add_message, "bob", "alice", 2)
    add_message("carol", "alice", "hey")
    response = client.post("/messages/read-all", headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    page = soup(response)
    assert page.select_one("#conversation-list") is not None and page.select(".conversation-unread") == []
    assert page.select_one("#unread-badge[hx-swap-oob] input[name=shown]")["value"] == "0" and unread(app, "alice") == 0
    add_message("bob", "alice", "again")
    response = client.post("/messages/read-all")
    assert response.status_code == 303 and response.headers["Location"] == "/messages"
    assert unread(app, "alice") == 0


def test_the_inbox_costs_the_same_queries_for_1_and_50_conversations(client, app, alice, add_message,
                                                                      sql_statements):
    add_message("bob", "alice", "first")
    with sql_statements() as one:
        client.get("/messages")
    for index in range(49):
        seed_user(app, f"pal{index}")
        add_message(f"pal{index}", "alice", "hi")
    with sql_statements() as fifty:
        page = soup(client.get("/messages?"))
    assert len(page.select("li.conversation")) == app.config["MESSAGES_PER_PAGE"]
    assert len(one) == len(fifty) <= 2  # the user with their session and unread count, the page


# A conversation

def test_a_conversation_shows_both_sides_in_time_order_and_marks_them_read(client, app, alice, add_message):
    start = utcnow() - timedelta(minutes=10)
    add_message("bob", "alice", "hello", timestamp=start)
    add_message("alice", "bob", "hi bob", timestamp=start + timedelta(minutes=1))
    add_message("bob", "alice", "how are you?", timestamp=start + timedelta(minutes=2))
    page = soup(client.get("/messages/with/bob"))
    assert bodies(page) == ["hello", "hi bob", "how are you?"]
    mine = page.select("#thread-items li.thread-message.mine")
    assert [m.select_one(".body-text").get_text() for m in mine] == ["hi bob"]
    assert page.select_one("#thread-items time")["datetime"]
    assert page.select_one("form#reply-form textarea[name=message]") is not None
    assert unread(app, "alice") == 0
    assert page.select_one("#unread-badge").get_text(" ", strip=True).startswith("0")


def test_no_message_is_marked_read_unseen(client, app, alice, add_message):
    """More than a page unread: the conversation opens at the first unread, marks only what it
    showed, and paging on to the newest marks the rest."""
    app.config["MESSAGES_PER_PAGE"] = 5
    start = utcnow() - timedelta(hours=1)
    seed_thread(add_message, "bob", "alice", 3, prefix="old", start=start)
    client.get("/messages/with/bob")  # read the first three
    seed_thread(add_message, "bob", "alice", 12, prefix="new", start=start + timedelta(minutes=10))
    assert unread(app, "alice") == 12
    page = soup(client.get("/messages/with/bob"))
    assert bodies(page) == [f"new{i}" for i in range(5)]
    divider = page.select_one("#thread-items li.new-divider")
    assert divider is not None and divider.find_next_sibling("li").select_one(".body-text").get_text() == "new0"
    assert unread(app, "alice") == 7, "exactly the unseen ones are still unread"
    older = page.select_one("#thread a[rel=next]")
    assert bodies(soup(client.get(older["href"]))) == ["old0", "old1", "old2"]
    newer = page.select_one("#thread a[rel=prev]")
    second = soup(client.get(newer["href"], headers=HTMX))
    assert bodies(second) == [f"new{i}" for i in range(5, 10)]
    assert second.select_one("#unread-badge[hx-swap-oob]").get_text(" ", strip=True) == "2 unread messages"
    third = soup(client.get(second.select_one("#thread a[rel=prev]")["href"]))
    assert bodies(third) == ["new10", "new11"]
    assert unread(app, "alice") == 0
    # With nothing unread it opens at the newest messages, without a divider.
    again = soup(client.get("/messages/with/bob"))
    assert bodies(again)[-1] == "new11" and again.select_one("li.new-divider") is None


def test_the_marker_never_moves_back_even_from_a_stale_tab(app, alice, add_message):
    ids = seed_thread(add_message, "bob", "alice", 4)
    with app.app_context():
        side = Participant.of(User.by_username("alice"), User.by_username("bob"))
        side.mark_read_up_to(ids[3])
        side.mark_read_up_to(ids[1])  # a tab that showed an older page answers later
    with app.app_context():
        side = Participant.of(User.by_username("alice"), User.by_username("bob"))
        assert (side.last_read_message_id, side.unread_count) == (ids[3], 0)


def test_two_tabs_reading_at_once_leave_the_count_exact(app, alice, add_message):
    ids = seed_thread(add_message, "bob", "alice", 6)
    with app.app_context():
        alice_user, bob = User.by_username("alice"), User.by_username("bob")
        first, second = Participant.of(alice_user, bob), Participant.of(alice_user, bob)
        first.mark_read_up_to(ids[2])
        second.mark_read_up_to(ids[4])  # this tab's object still believes the marker is at 0
    assert unread(app, "alice") == 1


def test_replying_in_place_with_htmx(client, app, alice, add_message):
    add_message("bob", "alice", "ping")
    page = soup(client.get("/messages/with/bob"))
    token = page.select_one("input[name=submission_token]")["value"]
    assert page.select_one("form#reply-form")["hx-include"] == "#thread-after"
    after = page.select_one("#thread-poller #thread-after")["value"]
    add_message("bob", "alice", "meanwhile")  # arrives before the next poll
    data = {"message": "pong", "submission_token": token, "after": after}
    response = client.post("/messages/with/bob", data=data, headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    answer = soup(response)
    form = answer.select_one("form#reply-form")
    textarea = form.select_one("textarea[name=message]")
    assert textarea.get_text().strip() == "" and textarea.has_attr("autofocus")
    assert form.select_one("input[name=submission_token]")["value"] != token
    # Appended after the page's newest message: what arrived meanwhile (new, read once seen), then the reply.
    appended = answer.select_one("[hx-swap-oob='beforeend:#thread-items']")
    assert bodies(appended, ".body-text") == ["meanwhile", "pong"]
    assert appended.select_one("li.message-new")["hx-post"] == "/messages/with/bob/read"
    assert answer.select_one("#thread-poller[hx-swap-oob] #thread-after")["value"] != after
    assert unread(app, "alice") == 1, "the reply's answer shows it; it counts once it was in view"
    # The same form sent twice is one message.
    client.post("/messages/with/bob", data=data, headers=HTMX)
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 3


def test_replying_without_javascript_is_post_redirect_get(client, alice, add_message):
    response = client.post("/messages/with/bob", data={"message": "hello there"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/messages/with/bob#message-")
    assert bodies(soup(client.get("/messages/with/bob"))) == ["hello there"]


@pytest.mark.parametrize(("data", "message"), [({"message": ""}, "Write a message first."),
                                               ({"message": "   "}, "Write a message first."),
                                               ({"message": "x" * 141}, "140 characters"),
                                               ({"message": "a\x00b"}, "control characters")])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_bad_reply_gets_422_beside_the_field_and_stores_nothing(client, app, alice, add_message, data,
                                                                  message, headers):
    add_message("bob", "alice", "hi")
    response = client.post("/messages/with/bob", data=data, headers=headers)
    assert response.status_code == 422
    assert is_fragment(response) == bool(headers)
    assert message in soup(response).select_one("#message-errors").get_text()
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 1


@pytest.mark.parametrize("path", ["/messages/with/nobody", "/messages/with/%00", "/messages/with/nobody/updates",
                                  "/messages/with/" + "x" * 500])
def test_an_unknown_person_is_404(client, alice, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "There is nothing here" in soup(response).get_text()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_conversation_with_oneself_is_refused_clearly(client, app, alice, method):
    response = client.open("/messages/with/ALICE", method=method, data={"message": "me"})
    assert response.status_code == 403
    assert "you cannot write to yourself" in soup(response).get_text()
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 0


def test_a_user_never_reaches_a_conversation_of_two_other_people(client, app, alice, add_message, make_user):
    make_user("carol")
    add_message("bob", "carol", "for carol only")
    add_message("carol", "bob", "for bob only")
    for path in ("/messages", "/messages/with/bob", "/messages/with/carol", "/messages?before=99999999999999999_999",
                 "/messages/with/bob/updates?after=0_0"):
        assert "only" not in client.get(path, headers=HTMX).get_data(as_text=True), path


def test_hostile_text_is_escaped_in_the_preview_and_the_thread(client, alice, add_message):
    hostile = '<img src=x onerror=alert(1)> <div hx-get="/auth/logout" hx-trigger="load">"\'</div>'
    add_message("bob", "alice", hostile)
    preview = soup(client.get("/messages")).select_one(".conversation-preview")
    assert preview.find("img") is None and preview.find("div") is None and "<img" in preview.get_text()
    body = soup(client.get("/messages/with/bob")).select_one("#thread-items .body-text")
    assert body.get_text() == hostile and body.find("img") is None


def test_a_conversation_page_costs_the_same_queries_for_1_and_50_messages(client, app, alice, add_message,
                                                                           sql_statements):
    add_message("bob", "alice", "read before")
    client.get("/messages/with/bob")
    add_message("bob", "alice", "one new")
    with sql_statements() as one:
        client.get("/messages/with/bob")
    with sql_statements() as caught_up:
        client.get("/messages/with/bob")
    seed_thread(add_message, "bob", "alice", 50, start=utcnow())
    with sql_statements() as fifty:
        client.get("/messages/with/bob")
    # The viewer with their session and count, the other person with my side, the page, its
    # top-up (a short page shows what came before it), the marker moved, the count after that write.
    assert len(fifty) <= len(one) <= 6, one
    # Nothing new since: no question past the marker and no write; the page is the top-up alone.
    assert len(caught_up) == 3 and all(s.lstrip().startswith("SELECT") for s in caught_up), caught_up


# Live while open

def poll(client, page_or_update):
    """The poll an open conversation makes: its URL, with the newest message it shows (`after`)."""
    poller = page_or_update.select_one("#thread-poller")
    return client.get(poller["hx-get"], query_string={"after": poller.select_one("#thread-after")["value"]},
                      headers=HTMX)


def read_marker(client, message):
    """What htmx posts once an appended message has been in view."""
    return client.post(message["hx-post"], data=json.loads(message["hx-vals"]), headers=HTMX)


def test_the_poll_appends_new_messages_that_count_read_once_seen(client, app, alice, add_message):
    add_message("bob", "alice", "first")
    page = soup(client.get("/messages/with/bob"))
    poller = page.select_one("#thread-poller")
    assert "every" in poller["hx-trigger"] and poller["hx-include"] == "#thread-after"
    assert poll(client, page).status_code == 204
    add_message("bob", "alice", "second")
    response = poll(client, page)
    assert response.status_code == 200
    update = soup(response)
    assert bodies(update, ".thread-message .body-text") == ["second"]
    assert update.select_one("[hx-swap-oob='beforeend:#thread-items']") is not None
    assert unread(app, "alice") == 1, "appended is not seen: the reader may be scrolled up"
    appended = update.select_one("li.thread-message")
    assert "intersect once" in appended["hx-trigger"] and appended["hx-swap"] == "none"
    assert poll(client, update).status_code == 204, "the poller moved past it"
    answer = read_marker(client, appended)
    assert answer.status_code == 200 and unread(app, "alice") == 0
    assert soup(answer).select_one("#unread-badge[hx-swap-oob]").get_text(" ", strip=True).startswith("0")


def test_a_read_marker_counts_nothing_across_a_gap_or_another_conversation(client, app, alice, add_message,
                                                                             make_user):
    make_user("carol")
    add_message("bob", "alice", "seen")
    client.get("/messages/with/bob")
    first, second = add_message("bob", "alice", "unseen"), add_message("bob", "alice", "third")
    from_carol = add_message("carol", "alice", "carol's")
    post = lambda through, shown_after, who="bob": client.post(  # noqa: E731
        f"/messages/with/{who}/read", data={"through": through, "shown_after": shown_after}, headers=HTMX)
    assert post(second, first).status_code == 200 and unread(app, "alice") == 3, "'unseen' was never shown"
    assert post(from_carol, 0).status_code == 200 and unread(app, "alice") == 3, "carol's is not in this conversation"
    assert post(first, 0, who="carol").status_code == 200 and unread(app, "alice") == 3
    for data in ({"through": "x", "shown_after": 0}, {"through": 0, "shown_after": 0}, {"through": first},
                 {"through": 2**31, "shown_after": 0}):
        response = client.post("/messages/with/bob/read", data=data, headers=HTMX)
        assert response.status_code == 400 and response.headers["HX-Retarget"] == "#alerts"
    assert client.post("/messages/with/dave/read", data={"through": 1, "shown_after": 0}).status_code == 404
    assert post(second, 0).status_code == 200 and unread(app, "alice") == 1


def test_a_read_marker_costs_four_statements(client, app, alice, add_message, sql_statements):
    add_message("bob", "alice", "seen")
    client.get("/messages/with/bob")
    message = add_message("bob", "alice", "appended")
    with sql_statements() as statements:
        client.post("/messages/with/bob/read", data={"through": message, "shown_after": 0}, headers=HTMX)
    # The viewer with their session and count, the other person with my side, the marker, the new count.
    assert len(statements) <= 4, statements
    assert unread(app, "alice") == 0


def test_an_older_page_does_not_poll(client, app, alice, add_message):
    app.config["MESSAGES_PER_PAGE"] = 2
    seed_thread(add_message, "bob", "alice", 5)
    client.post("/messages/read-all")
    page = soup(client.get("/messages/with/bob"))
    assert page.select_one("#thread-poller").has_attr("hx-get")
    older = soup(client.get(page.select_one("#thread a[rel=next]")["href"]))
    assert not older.select_one("#thread-poller").has_attr("hx-get"), "a placeholder, for the newest page's poller"


# Mark unread, hide

def test_mark_unread_brings_the_badge_back(client, app, alice, add_message):
    seed_thread(add_message, "bob", "alice", 3)
    add_message("alice", "bob", "my answer")
    client.get("/messages/with/bob")
    response = client.post("/messages/with/bob/unread", headers=HTMX)
    assert response.status_code == 200
    row = soup(response).select_one("li.conversation")
    assert "conversation-unread" in row["class"]
    assert unread(app, "alice") == 1
    assert soup(response).select_one("#unread-badge[hx-swap-oob]").get_text(" ", strip=True) == "1 unread message"
    page = soup(client.get("/messages/with/bob"))
    assert page.select_one("li.new-divider").find_next_sibling("li").select_one(".body-text").get_text() == "m2"


def test_hide_until_the_next_message(client, app, alice, add_message):
    add_message("bob", "alice", "first")
    response = client.post("/messages/with/bob/hide")
    assert response.status_code == 303 and response.headers["Location"] == "/messages"
    assert inbox_previews(soup(client.get("/messages"))) == []
    assert unread(app, "alice") == 0
    assert bodies(soup(client.get("/messages/with/bob"))) == ["first"]  # still reachable by its URL
    add_message("bob", "alice", "second")
    assert inbox_previews(soup(client.get("/messages"))) == ["second"]


def test_hiding_in_place_removes_the_row(client, alice, add_message):
    add_message("bob", "alice", "first")
    response = client.post("/messages/with/bob/hide", headers=HTMX)
    page = soup(response)
    assert page.select_one("li.conversation") is None
    assert "hidden until its next message" in page.select_one("[hx-swap-oob='innerHTML:#alerts']").get_text()


@pytest.mark.parametrize("path", ["/messages/with/bob/unread", "/messages/with/bob/hide"])
def test_actions_on_a_conversation_that_does_not_exist_are_404(client, alice, path):
    response = client.post(path)
    assert response.status_code == 404


def test_mark_unread_without_a_message_from_them_says_so(client, alice, add_message):
    add_message("alice", "bob", "only mine")
    response = client.post("/messages/with/bob/unread")
    assert response.status_code == 409 and "no message from them" in soup(response).get_text()


# The badge across conversations, and concurrency

def test_the_badge_counts_unread_messages_across_conversations(client, app, alice, add_message, make_user):
    make_user("carol")
    seed_thread(add_message, "bob", "alice", 2)
    add_message("carol", "alice", "hey")
    assert badge_count(client) == "3 unread messages"
    client.get("/messages/with/carol")
    assert badge_count(client) == "2 unread messages"


def test_concurrent_senders_and_a_reader_keep_every_count_exact(make_app):
    """Many senders, one reader reading while they send: every message stored once, and every
    message either shown as new once or still unread at the end."""
    app = make_app(WTF_CSRF_ENABLED=False)
    senders = [f"sender{index}" for index in range(4)]
    for name in ["reader", *senders]:
        seed_user(app, name)
    per_sender = 25
    shown_new, errors = [], []

    def send(name):
        try:
            with app.app_context():
                me, reader = User.by_username(name), User.by_username("reader")
                for index in range(per_sender):
                    Message.deliver(me, reader, f"{name}-{index}")
        except Exception as error:  # reported below
            errors.append(error)

    def read():
        client = app.test_client()
        client.post("/auth/login", data={"username": "reader", "password": "correct horse battery"})
        try:
            for _ in range(40):
                for name in senders:
                    page = soup(client.get(f"/messages/with/{name}"))
                    shown_new.extend(item.select_one(".body-text").get_text()
                                     for item in page.select("#thread-items li.message-new"))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(name,)) for name in senders] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with app.app_context():
        stored = db.session.scalars(select(Message.body)).all()
        reader = User.by_username("reader")
        still_unread = Participant.unread_count_of(reader, 10_000)
        sides = db.session.scalars(select(Participant).where(Participant.user_id == reader.id)).all()
        exact = sum(db.session.scalar(select(func.count(Message.id)).where(
            Message.conversation_id == side.conversation_id, Message.recipient_id == reader.id,
            Message.id > side.last_read_message_id)) for side in sides)
    assert len(stored) == len(set(stored)) == per_sender * len(senders)
    assert len(shown_new) == len(set(shown_new)), "no message is shown as new twice"
    assert still_unread == exact, "the stored counts match the messages past each marker"
    assert len(shown_new) + still_unread == len(stored), "every message shown as new once or still unread"


# Starting a conversation: the people search

@pytest.fixture
def people(app, alice):
    for name in ("Bobby", "bo.b", "bo-x", "carol", "bo_z", "Boris"):
        seed_user(app, name, about_me=f"I am {name}")


def result_names(response) -> list[str]:
    return [node.select_one(".fw-semibold").get_text() for node in soup(response).select("#people-results [role=option]")]


def test_the_people_search_narrows_by_the_start_of_a_name(client, people):
    response = client.get("/messages/new?q=BO")
    # Name order, byte by byte: "-" < "." < "_" < letters (bob is the fixture's other user).
    assert result_names(response) == ["bo-x", "bo.b", "bo_z", "bob", "Bobby", "Boris"]
    options = soup(response).select("#people-results [role=option]")
    assert options[0]["href"] == "/messages/with/bo-x"
    assert result_names(client.get("/messages/new?q=bo.")) == ["bo.b"]
    assert result_names(client.get("/messages/new?q=bob")) == ["bob", "Bobby"]
    assert result_names(client.get("/messages/new?q=ali")) == [], "never oneself"


def test_the_people_search_is_a_plain_form_and_an_active_search(client, people):
    page = soup(client.get("/messages/new"))
    form = page.select_one("form[role=search]")
    assert form["method"] == "get" and form["action"] == "/messages/new"
    field = form.select_one("input[name=q]")
    assert field["role"] == "combobox" and field["aria-controls"] == "people-results"
    assert field["hx-get"] == "/messages/new" and "input changed delay" in field["hx-trigger"]
    assert "Type the start of a name" in page.select_one("#people-results").get_text()
    fragment = client.get("/messages/new?q=car", headers=HTMX)
    assert is_fragment(fragment) and "HX-Request" in fragment.headers["Vary"]
    assert result_names(fragment) == ["carol"]
    assert soup(client.get("/messages")).select_one("a[href='/messages/new']").get_text() == "New message"


@pytest.mark.parametrize("query", ["", " ", "%", "_", "b%", "x" * 10_000, "\x00", "<script>", "bo b", "ÿ",
                                   "b'; DROP TABLE users; --", b"q=%FF%FE", b"q=%C0%80bo"])
def test_any_query_is_a_clean_answer(client, people, query):
    if isinstance(query, bytes):  # as sent: bytes that are not UTF-8, a field twice
        response = client.get("/messages/new?" + query.decode("ascii"), headers=HTMX)
    else:
        response = client.get("/messages/new", query_string={"q": query}, headers=HTMX)
    assert response.status_code == 200
    assert soup(response).select_one("script") is None
    assert result_names(response) == []


def test_a_long_or_odd_query_is_escaped_in_the_answer(client, people):
    page = soup(client.get("/messages/new", query_string={"q": "<b>bold</b>"}))
    assert page.select_one("#people-results b") is None and "<b>bold</b>" in page.select_one("#people-results").get_text()


def test_the_people_search_costs_two_statements(client, app, people, sql_statements):
    with sql_statements() as statements:
        client.get("/messages/new?q=bo", headers=HTMX)
    assert len(statements) <= 2, statements  # the viewer (with the navbar's count), the search
