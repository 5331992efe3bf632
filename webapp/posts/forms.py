"""The new-post form."""
from wtforms import SubmitField

from ..forms import AppForm, short_text_field


class PostForm(AppForm):
    """A post: 1 to BODY_MAX_LENGTH characters once trimmed."""

    post = short_text_field("Share a note", empty_message="Write something first.")
    submit = SubmitField("Post")


class CommentForm(AppForm):
    """A comment: 1 to BODY_MAX_LENGTH characters once trimmed."""

    comment = short_text_field("Add a comment", empty_message="Write a comment first.")
    submit = SubmitField("Comment")
