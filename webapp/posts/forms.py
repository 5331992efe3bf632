"""The new-post form."""
from wtforms import SubmitField

from ..forms import AppForm, short_text_field


class PostForm(AppForm):
    """A post: 1 to 140 characters once trimmed."""

    post = short_text_field("Say something", empty_message="Write something first.")
    submit = SubmitField("Post")
