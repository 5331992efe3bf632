"""Profiles, avatars and the popover card."""
