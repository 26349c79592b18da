"""This hub's Ed25519 key pair: from ALVEOLE_HUB_PRIVATE_KEY (base64 of the raw 32 bytes), or
generated once and kept in the instance directory (mode 0600). Peers know the public key."""
import base64
import binascii
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from flask import current_app

KEY_BYTES = 32


def encode_private(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()


def encode_public(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def decode_private(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw(text))


def decode_public(text: str) -> Ed25519PublicKey:
    """A peer's public key; ValueError if it is not base64 of 32 bytes."""
    return Ed25519PublicKey.from_public_bytes(_raw(text))


def _raw(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError("an Ed25519 key has 32 bytes")
    return raw


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting at once keep one key, the loser reads the winner's.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(encode_private(Ed25519PrivateKey.generate()))
    return decode_private(path.read_text())


def private_key() -> Ed25519PrivateKey:
    """This hub's private key, loaded once per app."""
    cached = current_app.extensions.get("hub_private_key")
    if cached is None:
        configured = current_app.config.get("HUB_PRIVATE_KEY")
        cached = decode_private(configured) if configured else _load_or_create(Path(current_app.config["HUB_KEY_FILE"]))
        current_app.extensions["hub_private_key"] = cached
    return cached


def public_key_text() -> str:
    """This hub's public key as peers enter it: base64 of the raw 32 bytes."""
    return encode_public(private_key().public_key())


def hub_id() -> str:
    return current_app.config["HUB_ID"]
