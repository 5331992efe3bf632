"""Registration and login forms."""
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..forms import AppForm, new_password_field, repeat_password_field, username_field
from ..models import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, User
from ..validators import lowercase, no_control_characters, strip_whitespace


def email_field() -> EmailField:
    """An e-mail address: trimmed, lowercased, at most EMAIL_MAX_LENGTH, well formed."""
    return EmailField(
        "Email",
        filters=[strip_whitespace, lowercase],
        validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH), no_control_characters,
                    Email(message="Please enter a valid e-mail address.")],
    )


class RegistrationForm(AppForm):
    """A new account: unique name and e-mail (without regard to case), password twice."""

    username = username_field()
    email = email_field()
    password = new_password_field()
    password2 = repeat_password_field(of="password")
    submit = SubmitField("Register")

    def validate_username(self, field):
        """Usernames are unique without regard to case."""
        if not field.errors and User.by_username(field.data):
            raise ValidationError("That username is taken. Please choose another.")

    def validate_email(self, field):
        """One account per e-mail address."""
        if not field.errors and User.by_email(field.data):
            raise ValidationError("An account with that e-mail address already exists.")


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
