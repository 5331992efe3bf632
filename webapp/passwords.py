"""Password hashing with Argon2id at OWASP strength, tunable through the config."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def hasher() -> PasswordHasher:
    """The app's Argon2id hasher, built once per app from its config."""
    ext = current_app.extensions
    if "password_hasher" not in ext:
        config = current_app.config
        ext["password_hasher"] = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_KIB"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
    return ext["password_hasher"]


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash (False for any malformed hash)."""
    try:
        return hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with weaker parameters than the current ones."""
    return hasher().check_needs_rehash(stored_hash)


def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown username costs what a wrong password does."""
    ext = current_app.extensions
    if "password_dummy_hash" not in ext:
        ext["password_dummy_hash"] = hash_password("not anyone's password")
    verify_password(ext["password_dummy_hash"], password)
