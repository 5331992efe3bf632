"""Notifications: stored with their event, once, never to oneself; grouped; read only when shown;
the bell and the one poll for both counts; the settings; and the home's "new posts"."""
import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Follow, Notification, NotificationGroup, Post, User

from .conftest import HTMX, is_fragment, seed_follow, seed_post, seed_user, soup
from .test_concurrency import at_once, signed_in


def notes(app, username: str) -> list[tuple[str, str]]:
    """A user's notifications as (kind, actor name), oldest first."""
    with app.app_context():
        user = User.by_username(username)
        rows = db.session.execute(select(Notification.kind, User.username).join(User, User.id == Notification.actor_id)
                                  .where(Notification.recipient_id == user.id).order_by(Notification.id)).all()
        return [tuple(row) for row in rows]


def groups(app, username: str) -> list[tuple[str, int, int]]:
    """A user's groups as (kind, count, unread), the latest first."""
    with app.app_context():
        user = User.by_username(username)
        rows = db.session.execute(select(NotificationGroup.kind, NotificationGroup.count, NotificationGroup.unread_count)
                                  .where(NotificationGroup.recipient_id == user.id)
                                  .order_by(NotificationGroup.latest_at.desc(), NotificationGroup.id.desc())).all()
        return [tuple(row) for row in rows]


def lines(page) -> list[str]:
    return [" ".join(item.select_one("p").get_text(" ", strip=True).split())
            for item in page.select("#notification-list li.notification")]


def bell(response) -> str:
    return soup(response).select_one("#notification-badge").get_text(" ", strip=True)


def test_each_kind_is_stored_once_with_its_event_and_never_to_oneself(client, app, alice, make_user):
    make_user("carol")
    carol = signed_in(app, "carol")
    mine = seed_post(app, "alice", "Bread")
    for _ in range(2):
        carol.post("/user/alice/follow")  # twice: one follow, one notification
    carol.post(f"/post/{mine}", data={"comment": "Yum"})
    carol.post(f"/post/{mine}", data={"comment": "@alice, again: yum"})  # a comment that mentions the author
    carol.post("/", data={"post": "Baking with @alice and @bob"})
    client.post(f"/post/{mine}", data={"comment": "Thanks! says @alice"})  # oneself: nothing
    client.post("/user/carol/follow")
    assert notes(app, "alice") == [("followed", "carol"), ("commented", "carol"), ("commented", "carol"),
                                   ("mentioned", "carol")]
    assert notes(app, "bob") == [("mentioned", "carol")]
    assert notes(app, "carol") == [("followed", "alice")]


def test_twenty_people_following_at_once_make_twenty_notifications_in_one_group(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    seed_user(app, "star")
    fans = [f"fan{index:02}" for index in range(20)]
    for name in fans:
        seed_user(app, name)
    clients = [signed_in(app, name) for name in fans]
    statuses = at_once(*[lambda client=client: client.post("/user/star/follow").status_code for client in clients])
    assert statuses == [303] * 20
    assert len(notes(app, "star")) == 20
    assert groups(app, "star") == [("followed", 20, 20)]


def test_groups_read_as_one_line_each(client, app, alice, make_user):
    for name in ("ana", "ben", "cyd", "dee"):
        make_user(name)
        seed_follow(app, name, "alice")
    mine = seed_post(app, "alice", "Bread, again and again and again, with far too much salt")
    for name in ("ana", "ben", "ana"):
        signed_in(app, name).post(f"/post/{mine}", data={"comment": "hm"})
    signed_in(app, "cyd").post("/", data={"post": "hi @alice"})
    signed_in(app, "dee").post("/", data={"post": "@alice, hello"})
    page = soup(client.get("/notifications"))
    assert [line.replace(" new notification", "") for line in lines(page)] == [
        "dee mentioned you in a post", "cyd mentioned you in a post", "3 comments on your post, the latest by ana and ben",
        "dee , cyd and 2 others followed you"]  # (the space before the comma is get_text's, not the page's)
    comments = page.select("#notification-list li.notification")[2]
    assert comments.select_one("a.notification-link")["href"] == f"/post/{mine}"
    assert "Bread, again" in comments.select_one("a.notification-link").get_text()
    assert comments.select_one("a.user-link")["hx-get"] == "/user/ana/popover"


def test_a_notification_counts_read_only_once_a_page_shows_it(client, app, alice, make_user):
    app.config["NOTIFICATIONS_PER_PAGE"] = 2
    for index in range(5):
        make_user(f"writer{index}")
        signed_in(app, f"writer{index}").post("/", data={"post": f"@alice {index}"})
    assert bell(client.get("/")).startswith("5")
    first = soup(client.get("/notifications"))
    assert len(first.select("li.notification-unread")) == 2
    assert first.select_one("#notification-badge").get_text(" ", strip=True).startswith("3"), "page 2 unread"
    second = soup(client.get(first.select_one("#notification-list a[rel=next]")["href"], headers=HTMX))
    assert second.select_one("#notification-badge[hx-swap-oob]").get_text(" ", strip=True).startswith("1")
    assert [kind for kind, _, unread in groups(app, "alice") if unread] == ["mentioned"]


def test_a_group_that_grew_after_it_was_shown_stays_unread(app, alice, make_user):
    for name in ("ana", "ben"):
        make_user(name)
    with app.app_context():
        seen = NotificationGroup.of(User.by_username("alice"))
        Follow.start(User.by_username("ana"), User.by_username("alice"))
        rows = seen.rows("newest", 10)  # the page shows the group of one
        Follow.start(User.by_username("ben"), User.by_username("alice"))  # ...and it grows meanwhile
        NotificationGroup.mark_shown(User.by_username("alice"), rows)
    assert groups(app, "alice") == [("followed", 2, 2)], "what was not shown is not read"


def test_mark_all_as_read_in_place_and_without_javascript(client, app, alice, make_user):
    make_user("ana")
    signed_in(app, "ana").post("/user/alice/follow")
    response = client.post("/notifications/read-all", headers=HTMX)
    assert response.status_code == 200 and is_fragment(response)
    assert soup(response).select_one("#notification-badge[hx-swap-oob]").get_text(" ", strip=True).startswith("0")
    assert groups(app, "alice") == [("followed", 1, 0)]
    signed_in(app, "ana").post("/", data={"post": "@alice"})
    response = client.post("/notifications/read-all")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert all(unread == 0 for _, _, unread in groups(app, "alice"))


def test_an_unfollow_takes_its_notification_back_and_a_deleted_post_its_own(client, app, alice, make_user):
    make_user("ana")
    ana = signed_in(app, "ana")
    ana.post("/user/alice/follow")
    ana.post("/user/alice/unfollow")
    assert notes(app, "alice") == [] and groups(app, "alice") == []
    mine = seed_post(app, "alice", "soon gone")
    ana.post(f"/post/{mine}", data={"comment": "hi"})
    assert groups(app, "alice") == [("commented", 1, 1)]
    with app.app_context():
        db.session.delete(db.session.get(Post, mine))
        db.session.commit()
    assert notes(app, "alice") == [] and groups(app, "alice") == []


def test_a_kind_switched_off_is_not_stored(client, app, alice, make_user):
    page = soup(client.get("/notifications/settings"))
    assert all(box.has_attr("checked") for box in page.select("input[type=checkbox]"))
    response = client.post("/notifications/settings", data={"notify_followed": "y", "notify_mentioned": "y"})
    assert response.status_code == 303
    assert not soup(client.get("/notifications/settings")).select_one("#notify_commented").has_attr("checked")
    make_user("ana")
    mine = seed_post(app, "alice", "post")
    ana = signed_in(app, "ana")
    ana.post(f"/post/{mine}", data={"comment": "hi"})
    ana.post("/user/alice/follow")
    assert notes(app, "alice") == [("followed", "ana")]


def test_the_bell_is_in_every_page_hidden_at_zero_and_part_of_its_links_name(client, app, alice, make_user):
    badge = soup(client.get("/")).select_one("#notification-badge")
    assert "d-none" in badge["class"] and badge.select_one("input[name=shown_notifications]")["value"] == "0"
    make_user("ana")
    signed_in(app, "ana").post("/user/alice/follow")
    page = soup(client.get("/messages"))
    link = page.select_one("nav a[href='/notifications']")
    names = [page.find(id=part).get_text(" ", strip=True) for part in link["aria-labelledby"].split()]
    assert " ".join(names) == "Notifications 1 new notification"
    assert page.select_one("#notification-badge").parent["aria-live"] == "polite"


def test_one_poll_one_statement_for_both_counts(client, app, alice, make_user, sql_statements):
    make_user("ana")
    poll = lambda messages, notifications: client.get(  # noqa: E731
        "/notifications/badge", query_string={"shown": messages, "shown_notifications": notifications}, headers=HTMX)
    assert poll(0, 0).status_code == 204
    signed_in(app, "ana").post("/user/alice/follow")
    with sql_statements() as statements:
        response = poll(0, 0)
    assert len(statements) == 1 and statements[0].lstrip().startswith("SELECT"), statements
    page = soup(response)
    assert page.select_one("#notification-badge[hx-swap-oob]").get_text(" ", strip=True) == "1 new notification"
    assert page.select_one("#unread-badge") is None, "only what changed"
    with sql_statements() as statements:
        assert poll(0, 1).status_code == 204
    assert len(statements) == 1


def test_the_bell_caps_at_99_plus(app, client, alice, make_user):
    for index in range(101):
        make_user(f"fan{index}")
        seed_follow(app, f"fan{index}", "alice")
    assert bell(client.get("/")) == "99+ new notifications"


def test_the_notifications_page_costs_a_bounded_number_of_statements(client, app, alice, make_user, sql_statements):
    for index in range(30):
        make_user(f"fan{index}")
        seed_follow(app, f"fan{index}", "alice")
        seed_post(app, f"fan{index}", f"@alice {index}")
    with sql_statements() as statements:
        client.get("/notifications")
    # The viewer with both counts, the page of groups, the groups it showed marked read, the bell after.
    assert len(statements) <= 4, statements


def test_hostile_names_and_text_are_escaped_in_every_line(client, app, alice, make_user):
    hostile = "<img src=x onerror=alert(1)>"
    make_user("mallory")
    mallory = signed_in(app, "mallory")
    mine = seed_post(app, "alice", hostile)
    mallory.post(f"/post/{mine}", data={"comment": hostile})
    mallory.post("/", data={"post": f"@alice {hostile}"})
    mallory.post("/user/alice/follow")
    page = soup(client.get("/notifications"))
    assert page.select_one("main img[src=x]") is None and hostile in page.select_one("main").get_text()


def test_nobody_reads_anothers_notifications(client, app, alice, make_user):
    make_user("ana")
    signed_in(app, "ana").post("/user/bob/follow")
    assert lines(soup(client.get("/notifications"))) == []
    assert "Nothing yet" in soup(client.get("/notifications")).get_text()


@pytest.mark.parametrize("query", ["before=zzz", "after=1_x", "before=99999999999999999_1", "after=%00", "before="])
def test_a_forged_cursor_is_a_clean_page(client, alice, query):
    assert client.get(f"/notifications?{query}").status_code == 200


# New posts in the home timeline

def new_posts(client, after, shown=0):
    return client.get("/home/new-posts", query_string={"after": after, "shown": shown}, headers=HTMX)


def test_the_home_announces_new_posts_of_the_people_i_follow(client, app, alice, make_user, sql_statements):
    make_user("carol")
    seed_follow(app, "alice", "bob")
    seed_post(app, "bob", "old")
    page = soup(client.get("/"))
    poller = page.select_one("#new-posts-poller")
    url = poller["hx-get"]
    assert poller["hx-trigger"].startswith("every ")
    assert client.get(url, headers=HTMX).status_code == 204
    seed_post(app, "carol", "not followed")
    client.post("/", data={"post": "my own"})
    assert client.get(url, headers=HTMX).status_code == 204, "only followed people's posts are news"
    seed_post(app, "bob", "new one")
    seed_post(app, "bob", "another")
    with sql_statements() as statements:
        response = client.get(url, headers=HTMX)
    assert len(statements) == 1, statements
    button = soup(response).select_one("button.new-posts-button")
    assert button.get_text(strip=True) == "↑ 2 new posts"
    assert button["hx-select"] == "#post-items > li.post" and button["hx-swap"] == "afterbegin"
    shown = soup(client.get(button["hx-get"], headers=HTMX))
    assert [node.get_text() for node in shown.select("#post-items .body-text")] == ["another", "new one", "my own"]
    reset = shown.select_one("#new-posts[hx-swap-oob] #new-posts-poller")["hx-get"]
    assert client.get(reset, headers=HTMX).status_code == 204
    assert new_posts(client, "garbage").status_code == 204


def test_the_new_posts_count_is_capped(client, app, alice):
    seed_follow(app, "alice", "bob")
    after = soup(client.get("/")).select_one("#new-posts-poller")["hx-get"].split("after=")[1].split("&")[0]
    for index in range(25):
        seed_post(app, "bob", f"p{index}")
    assert soup(new_posts(client, after)).select_one("button").get_text(strip=True) == "↑ 20+ new posts"
