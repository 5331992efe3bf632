"""The public timeline of short posts."""
