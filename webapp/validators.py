"""Field filters and validators shared by the forms of every area."""
import unicodedata

from wtforms.validators import ValidationError


def strip_whitespace(value):
    """Trim surrounding whitespace, so '   ' counts as empty and lengths count what is kept."""
    return value.strip() if isinstance(value, str) else value


def lowercase(value):
    """Lowercase a value (e-mail addresses are compared without regard to case)."""
    return value.lower() if isinstance(value, str) else value


def no_control_characters(form, field):
    """Refuse NUL and other control characters, and text that arrived in a broken encoding."""
    text = field.data or ""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise ValidationError("Please remove the invisible control characters from this text.")
    # The form parser puts U+FFFD where the bytes were not valid UTF-8.
    if "\ufffd" in text:
        raise ValidationError("This text could not be read (it was not valid UTF-8). Please type it again.")
