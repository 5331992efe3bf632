"""Registration and login forms."""
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from ..forms import AppForm
from ..models import USERNAME_CHARACTERS, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, User
from ..validators import lowercase, no_control_characters, strip_whitespace

# models.USERNAME_PATTERN, told rule by rule so that each error says what is wrong.
USERNAME_RULES = [
    DataRequired(),
    Length(min=USERNAME_MIN_LENGTH, max=USERNAME_MAX_LENGTH),
    Regexp(f"^[{USERNAME_CHARACTERS}]+\\Z", message="Use only letters, digits, dots, dashes and underscores."),
]


class RegistrationForm(AppForm):
    """A new account: unique name and e-mail (without regard to case), password twice."""

    username = StringField(
        "Username",
        filters=[strip_whitespace],
        validators=USERNAME_RULES,
    )
    email = EmailField(
        "Email",
        filters=[strip_whitespace, lowercase],
        validators=[DataRequired(), Length(max=254), no_control_characters,
                    Email(message="Please enter a valid e-mail address.")],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=8, max=256, message="Use 8 to 256 characters."),
                    no_control_characters],
    )
    password2 = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )
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
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember_me = BooleanField("Remember me")
    submit = SubmitField("Log in")
