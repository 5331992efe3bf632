"""Command-line tools: `flask seed-demo` fills an empty app with people, posts, follows, comments
and messages; `flask recount` mends the stored counts."""
import random
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db
from .models import Comment, Follow, Message, Participant, Post, User, utcnow
from .passwords import hash_password

DEMO_PASSWORD = "demo-password"
DEMO_USERS = {
    "alice": "Gardener, reader, occasional baker.",
    "bob": "Builds things out of wood and Python.",
    "carol": "Runs before breakfast. Writes after.",
    "dave": "Collects old maps and new bicycles.",
}
DEMO_POSTS = [
    "First light over the hills this morning.", "Reading about hypermedia again.",
    "Tried a new bread recipe: too much salt.", "Who else is going to the meetup on Thursday?",
    "A quiet day is a good day.", "Found a map of the city from 1890!", "Fixed the bike, rode to the lake.",
    "Tea, not coffee, today.", "The library had the book I wanted.", "Rain all day; perfect for writing.",
]
# Who follows whom: everyone follows someone, so each home page is alive.
DEMO_FOLLOWS = [("alice", "bob"), ("alice", "carol"), ("bob", "alice"), ("bob", "dave"), ("carol", "alice"),
                ("carol", "bob"), ("carol", "dave"), ("dave", "carol")]
# Posts with mentions (newest of each author's), and comments on the newest post of an author.
DEMO_MENTION_POSTS = [("bob", "Thanks @alice for the bread recipe, and @dave for the maps!"),
                      ("carol", "Meetup on Thursday: @bob brings maps, @alice brings bread.")]
DEMO_COMMENTS = [("alice", [("carol", "Count me in!"), ("dave", "@alice, can I bring a friend?"),
                            ("alice", "Of course, @dave.")]),
                 ("bob", [("alice", "Less salt this time, promise."), ("carol", "Looking forward to it.")])]
# Conversations, oldest message first: (one, other, [(who writes, text), ...]). The last
# messages to alice are left unread, so a first visit shows the badge and a "New" divider.
DEMO_CONVERSATIONS = [
    ("alice", "bob", [("bob", "Hi Alice! Are you coming on Thursday?"), ("alice", "Yes, I will be there."),
                      ("bob", "I can bring the maps Dave found."), ("alice", "Bring bread too, if you like salt."),
                      ("bob", "Ha! Deal. Seven o'clock?")]),
    ("alice", "carol", [("carol", "Running club meets at seven tomorrow."), ("carol", "Bring water!")]),
    ("carol", "dave", [("dave", "Found a map with your street on it."), ("carol", "Really? How old?"),
                       ("dave", "It is from 1890.")]),
]


def seed_demo_data() -> list[str]:
    """Create the demo users with their posts and messages; users already there are left alone."""
    rng = random.Random(42)  # the same demo every time
    now = utcnow()
    created = {}
    for name, about in DEMO_USERS.items():
        if User.by_username(name) is None:
            user = User(username=name, email=f"{name}@example.com", about_me=about,
                        password_hash=hash_password(DEMO_PASSWORD), last_seen=now - timedelta(hours=rng.randint(1, 48)))
            db.session.add(user)
            created[name] = user
            for days_ago in sorted(rng.sample(range(1, 28), 6), reverse=True):
                moment = now - timedelta(days=days_ago, minutes=rng.randint(0, 1439))
                Post.publish(user, rng.choice(DEMO_POSTS), timestamp=moment)
    db.session.commit()
    add_social_life(created, now)
    for one, other, lines in DEMO_CONVERSATIONS:
        if one in created or other in created:
            add_conversation(one, other, lines, now)
    db.session.commit()
    return list(created)


def add_social_life(created: dict[str, User], now) -> None:
    """Follows among the demo users, posts that mention people, and comments, through the models
    (so counts and notifications are what the app itself would keep)."""
    people = {name: User.by_username(name) for name in DEMO_USERS}
    for follower, followed in DEMO_FOLLOWS:
        if follower in created or followed in created:
            Follow.start(people[follower], people[followed])
    for index, (author, body) in enumerate(DEMO_MENTION_POSTS):
        if author in created:
            Post.publish(people[author], body, timestamp=now - timedelta(hours=3 - index))
    for author, comments in DEMO_COMMENTS:
        if author in created:
            newest = Post.by_author(people[author]).rows("newest", 1)[0]
            for commenter, body in comments:
                Comment.add(newest.id, people[commenter], body)


def add_conversation(one: str, other: str, lines: list[tuple[str, str]], now) -> None:
    """Add a conversation between two demo users over the last day or two, five hours apart (so
    a chat shows its day separators), as if they had written it: whoever wrote a message has read
    what came before it."""
    people = {one: User.by_username(one), other: User.by_username(other)}
    last_written = {}
    for index, (author, body) in enumerate(lines):
        reader = people[other if author == one else one]
        message = Message.deliver(people[author], reader, body, timestamp=now - timedelta(hours=5 * (len(lines) - index)))
        last_written[author] = message.id
    for author, message_id in last_written.items():
        Participant.of(people[author], people[other if author == one else one]).mark_read_up_to(message_id)


def init_app(app: Flask) -> None:
    """Attach the app's commands to `flask`."""

    @app.cli.command("recount")
    def recount():
        """Recount every stored count (posts, followers, following, comments) after rows were added
        or removed outside the app (a bulk load, a fix by hand)."""
        fixed = Post.recount() + Follow.recount() + Comment.recount()
        click.echo(f"Recounted posts, follows and comments: {fixed} stored count{'' if fixed == 1 else 's'} corrected.")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed a database that has no users yet (first run).")
    def seed_demo(if_empty):
        """Add demo users, posts and messages; running it again changes nothing."""
        if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
            click.echo("The database already has users; not seeding demo data.")
            return
        created = seed_demo_data()
        if created:
            click.echo(f"Created demo users: {', '.join(created)}.")
        else:
            click.echo("The demo users are already there; nothing changed.")
        click.echo(f"Log in as any of {', '.join(DEMO_USERS)} with the password '{DEMO_PASSWORD}'.")
