"""What the forms of every area share beyond validators."""
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .extensions import db
from .validators import no_control_characters, strip_whitespace


def commit_or_report_taken(form: FlaskForm) -> bool:
    """Commit; if a twin request took the username or e-mail first, say so on the form instead."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        form.username.errors.append("That username or e-mail address was just taken. Please choose another.")
        return False


def short_text_field(label: str, empty_message: str, max_length: int = 140) -> TextAreaField:
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
