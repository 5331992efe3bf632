"""The settings' forms: the profile itself, a new e-mail address, a new password, leaving."""
from wtforms import PasswordField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import AppForm, email_field, new_password_field, repeat_password_field, username_field
from ..models import ABOUT_ME_MAX_LENGTH, PASSWORD_MAX_LENGTH, User
from ..passwords import verify_password
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


class ChangePasswordForm(AppForm):
    """The current password, then the new one twice; every other session ends when it changes."""

    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)])
    new_password = new_password_field("New password")
    new_password2 = repeat_password_field(of="new_password", label="Repeat the new password")
    submit = SubmitField("Change password")

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field):
        """Only someone who knows the password may change it (a borrowed session may not)."""
        if not field.errors and not verify_password(self.user.password_hash, field.data):
            raise ValidationError("That is not your current password.")


class PasswordConfirmedForm(AppForm):
    """A change to the account that asks for `user`'s password once more (a borrowed session
    may not make it)."""

    password = PasswordField("Your password", validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)])

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field):
        """Only someone who knows the password may make the change."""
        if not field.errors and not verify_password(self.user.password_hash, field.data):
            raise ValidationError("That is not your password.")


class ChangeEmailForm(PasswordConfirmedForm):
    """A new address (it takes effect once confirmed by the link mailed to it), with the password."""

    email = email_field("New e-mail address")
    submit = SubmitField("Change address")


class DeleteAccountForm(PasswordConfirmedForm):
    """The password, once more, before the account goes."""

    submit = SubmitField("Delete my account")
