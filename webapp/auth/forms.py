"""Registration and login forms."""
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import AppForm, email_field, new_password_field, repeat_password_field, username_field
from ..models import PASSWORD_MAX_LENGTH, User
from ..validators import no_control_characters, strip_whitespace


class RegistrationForm(AppForm):
    """A new account: a unique name (without regard to case), an address to confirm (whether it is
    another account's is never said here: accounts.confirmation_asked), password twice."""

    username = username_field()
    email = email_field()
    password = new_password_field()
    password2 = repeat_password_field(of="password")
    submit = SubmitField("Register")

    def validate_username(self, field):
        """Usernames are unique without regard to case."""
        if not field.errors and User.by_username(field.data):
            raise ValidationError("That username is taken. Please choose another.")


class LoginForm(AppForm):
    """Sign in with a username (any case) and password."""

    username = StringField(
        "Username", filters=[strip_whitespace], validators=[DataRequired(), Length(max=64), no_control_characters]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)])
    remember_me = BooleanField("Remember me")
    submit = SubmitField("Log in")


class ResetRequestForm(AppForm):
    """Ask for a link to choose a new password."""

    email = email_field()
    submit = SubmitField("Send me a link")


class ResetPasswordForm(AppForm):
    """Choose a new password through a reset link."""

    password = new_password_field("New password")
    password2 = repeat_password_field(of="password")
    submit = SubmitField("Set my new password")
