"""Password hashing with Argon2id; the cost comes from the configuration."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    def __init__(self, time_cost: int = 3, memory_cost: int = 65536):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        # Verified against when the email is unknown, so both cases take the same time.
        self._dummy_hash = self._hasher.hash("not a real password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False
