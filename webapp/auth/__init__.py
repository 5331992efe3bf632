"""Accounts: registration, signing in and out, and what happens when a session has ended."""
