"""The new-post form."""
from flask_wtf import FlaskForm
from wtforms import SubmitField

from ..forms import short_text_field


class PostForm(FlaskForm):
    """A post: 1 to 140 characters once trimmed."""

    post = short_text_field("Say something", empty_message="Write something first.")
    submit = SubmitField("Post")
