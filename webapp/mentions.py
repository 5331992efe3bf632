"""@mentions: found in a post or comment when it is stored, rendered as links to the people who
existed then, after the text is escaped (so no input becomes markup)."""
import re

from markupsafe import Markup, escape

from .models.common import USERNAME_CHARACTERS, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH

# "@" then a name; not inside a word or an address ("me@example.org" mentions no one). A name
# ends with a letter, digit or underscore, so the full stop of "Thanks, @bob." is no part of it
# (a name that itself ends with "." or "-" cannot be mentioned).
MENTION = re.compile(f"(?<![{USERNAME_CHARACTERS}@])@([{USERNAME_CHARACTERS}]{{{USERNAME_MIN_LENGTH - 1},"
                     f"{USERNAME_MAX_LENGTH - 1}}}[A-Za-z0-9_])(?![A-Za-z0-9_])")


def mentioned_names(text: str) -> set[str]:
    """The names @mentioned in `text`, lowercased (names are one account without regard to case)."""
    return {name.lower() for name in MENTION.findall(text)}


def with_mentions(text: str, known: str | None, link) -> Markup:
    """`text` escaped, each @name that is in `known` (the stored, space-separated lowercased names
    that were people when the text was stored) made a link by `link(name)` (markup for a name as
    typed; the name has only name characters, so nothing in it needs escaping)."""
    escaped = str(escape(text))
    if not known:
        return Markup(escaped)
    names = set(known.split())

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return str(link(name)) if name.lower() in names else match.group(0)

    return Markup(MENTION.sub(replace, escaped))
