"""The notification settings form."""
from wtforms import BooleanField, SubmitField

from ..extensions import db
from ..forms import AppForm


class SettingsForm(AppForm):
    """One switch per kind of notification, read from and stored on the user (notify_*)."""

    notify_followed = BooleanField("Someone follows me")
    notify_commented = BooleanField("Someone comments on my post")
    notify_mentioned = BooleanField("Someone mentions me in a post or a comment")
    submit = SubmitField("Save")

    def apply_to(self, user) -> None:
        """Store the switches on `user`."""
        user.notify_followed = self.notify_followed.data
        user.notify_commented = self.notify_commented.data
        user.notify_mentioned = self.notify_mentioned.data
        db.session.commit()
