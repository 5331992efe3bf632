"""The private-message form."""
import secrets

from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from ..forms import AppForm, short_text_field
from ..pagination import MAX_ID


def new_submission_token() -> str:
    """A fresh token for one rendering of the form: sending it twice sends one message."""
    return secrets.token_hex(16)


class MessageForm(AppForm):
    """A message: 1 to BODY_MAX_LENGTH characters once trimmed, with the form's one-time submission token."""

    message = short_text_field("Message", empty_message="Write a message first.")
    submission_token = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{32}$")])
    submit = SubmitField("Send")

    @classmethod
    def blank(cls) -> "MessageForm":
        """An empty form, ready for the next message, with a new token."""
        form = cls(formdata=None)
        form.submission_token.data = new_submission_token()
        return form


class ReadMarkerForm(AppForm):
    """What an open conversation says it showed: every message after `shown_after` up to `through`."""

    through = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    shown_after = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=MAX_ID)])
