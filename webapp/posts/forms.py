"""The new-post form."""
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..validators import no_control_characters, strip_whitespace

POST_MAX_LENGTH = 140


class PostForm(FlaskForm):
    """A post: 1 to 140 characters once trimmed."""

    post = TextAreaField(
        "Say something",
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Write something first."),
            Length(max=POST_MAX_LENGTH, message=f"Keep it to {POST_MAX_LENGTH} characters or fewer."),
            no_control_characters,
        ],
    )
    submit = SubmitField("Post")
