"""What the forms of every area share: their base class, the body field, the uniqueness race."""
from flask import abort, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from sqlalchemy.exc import IntegrityError
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from .extensions import db
from .models import (
    BODY_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_CHARACTERS,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    is_tombstone_name,
)
from .validators import lowercase, no_control_characters, strip_whitespace


# What a browser sends a form as, with or without htmx.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class AppForm(FlaskForm):
    """The base of every form: fields are read from the submitted form fields only."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """Flask-WTF also feeds uploaded files and JSON bodies to the fields; a file or a
            number where text belongs would crash the validators, so only form fields count.
            A body that is no form at all (JSON, plain text, nothing) is refused: its absent
            fields would otherwise fall back to stored values and pass for a success."""
            if formdata is _Auto:
                if not form.is_submitted():
                    return None
                if request.mimetype not in FORM_MIMETYPES:
                    abort(415, "This form must be sent from its page. Please reload the page and try again.")
                return request.form
            return formdata


def username_field(label: str = "Username") -> StringField:
    """A username, checked rule by rule (models.USERNAME_PATTERN) so each error says what is wrong."""
    return StringField(
        label,
        filters=[strip_whitespace],
        validators=[
            DataRequired(),
            Length(min=USERNAME_MIN_LENGTH, max=USERNAME_MAX_LENGTH),
            Regexp(f"^[{USERNAME_CHARACTERS}]+\\Z", message="Use only letters, digits, dots, dashes and underscores."),
            not_a_deleted_accounts_name,
        ],
    )


def not_a_deleted_accounts_name(form, field) -> None:
    """The names deleted accounts keep ("deleted-12") are no one's to take."""
    if field.data and is_tombstone_name(field.data):
        raise ValidationError("That name is reserved. Please choose another.")


def email_field(label: str = "Email") -> EmailField:
    """An e-mail address: trimmed, lowercased, at most EMAIL_MAX_LENGTH, well formed."""
    return EmailField(
        label,
        filters=[strip_whitespace, lowercase],
        validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH), no_control_characters,
                    Email(message="Please enter a valid e-mail address.")],
    )


def new_password_field(label: str = "Password") -> PasswordField:
    """A password being chosen: 8 to 256 characters, readable text only."""
    return PasswordField(label, validators=[
        DataRequired(),
        Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
               message=f"Use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."),
        no_control_characters,
    ])


def repeat_password_field(of: str, label: str = "Repeat password") -> PasswordField:
    """The same password typed again; it must match the field named `of`."""
    return PasswordField(label, validators=[DataRequired(), EqualTo(of, message="The two passwords do not match.")])


def short_text_field(label: str, empty_message: str, max_length: int = BODY_MAX_LENGTH) -> TextAreaField:
    """A post or message body: 1 to max_length characters once trimmed, readable text only."""
    return TextAreaField(
        label,
        filters=[strip_whitespace],
        validators=[
            DataRequired(message=empty_message),
            Length(max=max_length, message=f"Keep it to {max_length} characters or fewer."),
            no_control_characters,
        ],
    )


def commit_or_report_taken(form: FlaskForm) -> bool:
    """Commit; if a twin request took the username or e-mail first, say so on the form instead."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        form.username.errors.append("That username was just taken. Please choose another.")
        return False
