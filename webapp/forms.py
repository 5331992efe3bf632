"""What the forms of every area share beyond validators."""
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from .extensions import db


def commit_or_report_taken(form: FlaskForm) -> bool:
    """Commit; if a twin request took the username or e-mail first, say so on the form instead."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        form.username.errors.append("That username or e-mail address was just taken. Please choose another.")
        return False
