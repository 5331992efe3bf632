"""The unread-messages badge and its polling endpoint."""
