"""The domain, an area a module: users, posts, follows, comments, conversations of private
messages, and signed-in sessions.

Each module holds its models and, beside them, the prepared statements of the hot paths that
read them. The areas import one another in one direction (users, posts, follows, comments,
notifications, conversations, tokens, sessions, accounts): a model that acts on another area's rows is a method of that area.
Everything is importable from `webapp.models`.
"""
from .common import (
    ABOUT_ME_MAX_LENGTH,
    BODY_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USER_AGENT_MAX_LENGTH,
    USERNAME_CHARACTERS,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    USERNAME_PATTERN,
    UTCDateTime,
    utcnow,
)
from .common import KEPT_COUNTS, bytewise, new_token
from .conversations import (
    Conversation,
    Message,
    Participant,
    inbox_keyset,
    mark_read,
    partner_and_side,
    thread_keyset,
    unread_count_cap,
    unread_count_query,
    unread_sum,
)
from .comments import Comment, comments_keyset
from .follows import Follow, followers_keyset, following_keyset, home_keyset
from .notifications import KINDS, Notification, NotificationGroup, groups_keyset, notification_sum
from .posts import Post, author_keyset, timeline_keyset
from .sessions import (
    SESSION_TOKEN_PATTERN,
    UserSession,
    about_live_session,
    describe_user_agent,
    live_session,
    live_session_user,
    navbar_counts,
    viewer_new_posts,
    token_digest,
    viewer_and_card,
    viewer_unread,
)
from .tokens import CONFIRM_EMAIL, RESET_PASSWORD, AccountToken
from .users import User, is_tombstone_name, named, user_named
from .accounts import delete_account, update_profile

__all__ = [
    "ABOUT_ME_MAX_LENGTH", "BODY_MAX_LENGTH", "EMAIL_MAX_LENGTH", "PASSWORD_MAX_LENGTH", "PASSWORD_MIN_LENGTH",
    "USER_AGENT_MAX_LENGTH", "USERNAME_CHARACTERS", "USERNAME_MAX_LENGTH", "USERNAME_MIN_LENGTH", "USERNAME_PATTERN",
    "UTCDateTime", "utcnow", "KEPT_COUNTS", "bytewise", "new_token", "Conversation", "Message", "Participant", "inbox_keyset",
    "mark_read", "partner_and_side", "thread_keyset", "unread_count_cap", "unread_count_query", "unread_sum",
    "Post", "author_keyset", "timeline_keyset", "SESSION_TOKEN_PATTERN", "UserSession", "about_live_session",
    "describe_user_agent", "live_session", "live_session_user", "navbar_counts", "viewer_new_posts", "token_digest", "viewer_and_card", "viewer_unread",
    "User", "named", "user_named", "Comment", "comments_keyset", "Follow", "followers_keyset", "following_keyset",
    "home_keyset", "KINDS", "Notification", "NotificationGroup", "groups_keyset", "notification_sum",
    "AccountToken", "CONFIRM_EMAIL", "RESET_PASSWORD", "delete_account", "update_profile", "is_tombstone_name",
]
