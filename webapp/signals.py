"""The app's signals (blinker, which Flask ships): features subscribe instead of importing each other.

Two moments: an event's own signal is sent inside the transaction that stores it, before the
commit, so a subscriber's rows (a notification) commit with it or not at all; `message_sent`,
`read_moved` and `sessions_ended` are sent once what they tell of is committed.
"""
from blinker import Namespace

signals = Namespace()

# Sent with the app as sender and `message=` once a new private message is stored and committed.
message_sent = signals.signal("message-sent")

# Sent with the app as sender inside the event's transaction (see above).
# follower=, followed= (users): a new follow (never twice for one pair).
followed = signals.signal("followed")
# follower=, followed=: a follow undone.
unfollowed = signals.signal("unfollowed")
# comment= (a Comment, flushed: it has its id), author= (a user), post_author_id=: a new comment.
comment_stored = signals.signal("comment-stored")
# author= (a user), mentioned_ids= (user ids, never the author's), and post=, or comment= with
# post_author_id=: @names in new text.
mentioned = signals.signal("mentioned")
# post= (a Post, flushed): a new post.
post_published = signals.signal("post-published")
# recipient_ids= (user ids): notifications stored for them or taken back, inside the event's
# transaction: their bells changed.
notifications_changed = signals.signal("notifications-changed")

# Sent once committed, as message_sent.
# user_id=: the person read (or marked unread) messages or notifications: their counts changed.
read_moved = signals.signal("read-moved")
# user_id=: one or more of the person's signed-in sessions ended (logout, revocation, a new password).
sessions_ended = signals.signal("sessions-ended")
