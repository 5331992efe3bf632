"""The edit-profile form."""
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..forms import AppForm, username_field
from ..models import ABOUT_ME_MAX_LENGTH, User
from ..validators import no_control_characters, strip_whitespace


class EditProfileForm(AppForm):
    """A new username (still unique without regard to case) and the 'about me' text."""

    username = username_field()
    about_me = TextAreaField(
        "About me",
        filters=[strip_whitespace],
        validators=[Length(max=ABOUT_ME_MAX_LENGTH, message=f"Keep it to {ABOUT_ME_MAX_LENGTH} characters or fewer."),
                    no_control_characters],
    )
    submit = SubmitField("Save")

    def __init__(self, original_username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original_username = original_username

    def validate_username(self, field):
        """A new name must not belong to someone else; changing only its case is fine."""
        if field.errors or field.data.lower() == self.original_username.lower():
            return
        if User.by_username(field.data):
            raise ValidationError("That username is taken. Please choose another.")
