"""Private messages: the send form, the inbox and the sent list."""
