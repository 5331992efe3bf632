"""What changes to an account reach beyond its row: a name given up (renamed, or the account
deleted) stops being a link where it was @mentioned; deleting an account, and what stays of it
(the other side of its conversations)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..signals import sessions_ended
from .comments import Comment
from .follows import Follow
from .notifications import Notification, NotificationGroup
from .posts import Post
from .sessions import UserSession
from .tokens import AccountToken
from .users import User


def update_profile(user: User, username: str, about_me: str) -> None:
    """Change the name and 'about me'; a name given up is released (release_name). The caller
    commits, to report a name taken meanwhile (and then nothing of it happened)."""
    if username.lower() != user.username.lower():
        release_name(user.username)
    user.username, user.about_me = username, about_me


def release_name(name: str) -> None:
    """`name` stops being a link in the posts and comments that @mentioned it, so whoever takes the
    name next is not linked by words written to someone else: one UPDATE per table, on the
    stored mentions (lowercased, space-separated; mentions.py). The caller commits."""
    key = f" {name.lower()} "
    for model in (Post, Comment):
        padded = " " + model.mentions + " "
        db.session.execute(update(model).where(padded.contains(key, autoescape=True))
                           .values(mentions=func.nullif(func.trim(func.replace(padded, key, " ")), ""))
                           .execution_options(synchronize_session=False))


def delete_account(user: User) -> None:
    """Delete `user`'s account in one transaction: their posts (with the comments on them), their
    comments, follows, notifications (to them, and those they caused, whose groups are counted
    again), sessions and links. Every count they were part of is kept exact (followers, following,
    comments). Their messages stay in the other side's conversations: the user row stays as a
    tombstone named `deleted-<id>` (a name no one can take), with no address, no password and
    no profile; their name is free again, and no longer a link where it was mentioned."""
    uid = user.id
    release_name(user.username)
    db.session.execute(update(User).where(User.id.in_(select(Follow.followed_id).where(Follow.follower_id == uid)))
                       .values(follower_count=User.follower_count - 1).execution_options(synchronize_session=False))
    db.session.execute(update(User).where(User.id.in_(select(Follow.follower_id).where(Follow.followed_id == uid)))
                       .values(following_count=User.following_count - 1).execution_options(synchronize_session=False))
    theirs_on_it = (select(func.count(Comment.id)).where(Comment.post_id == Post.id, Comment.user_id == uid)
                    .scalar_subquery())
    db.session.execute(update(Post).where(Post.id.in_(select(Comment.post_id).where(Comment.user_id == uid)),
                                          Post.user_id != uid)
                       .values(comment_count=Post.comment_count - theirs_on_it)
                       .execution_options(synchronize_session=False))
    # The notifications they caused go first and their groups are counted again (pointing to
    # comments that stay), before their comments go: a group follows its comment when it goes.
    caused = db.session.execute(select(Notification.recipient_id, Notification.group_key)
                                .where(Notification.actor_id == uid, Notification.recipient_id != uid).distinct()).all()
    db.session.execute(delete(Notification).where(Notification.actor_id == uid)
                       .execution_options(synchronize_session=False))
    for recipient_id, group_key in caused:
        NotificationGroup.refresh(recipient_id, group_key)
    db.session.flush()
    for table, column in ((Notification, Notification.recipient_id), (NotificationGroup, NotificationGroup.recipient_id),
                          (Comment, Comment.user_id), (Post, Post.user_id), (Follow, Follow.follower_id),
                          (Follow, Follow.followed_id), (UserSession, UserSession.user_id),
                          (AccountToken, AccountToken.user_id)):
        db.session.execute(delete(table).where(column == uid).execution_options(synchronize_session=False))
    user.username, user.email, user.password_hash = User.tombstone_name(uid), User.unconfirmed_email(), "!"
    user.about_me, user.post_count, user.follower_count, user.following_count = "", 0, 0, 0
    db.session.commit()
    sessions_ended.send(current_app._get_current_object(), user_id=uid)
