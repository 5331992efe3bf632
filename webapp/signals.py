"""The app's signals (blinker, which Flask ships): features subscribe instead of importing each other."""
from blinker import Namespace

signals = Namespace()

# Sent with the app as sender and `message=` once a new private message is stored and committed.
message_sent = signals.signal("message-sent")
