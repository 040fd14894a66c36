"""Structure and checksum checks named by a rule's ``validate`` field.

A validator gets the secret bytes and says whether it can be real. Formats
with a checksum (GitHub, npm) reject most random look-alikes; structure checks
(JWT, PEM bodies, PyPI macaroons) reject placeholders and truncated copies.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable

import regex

_BASE62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_encode(number: int, width: int = 6) -> bytes:
    digits = bytearray()
    while number:
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return bytes(reversed(digits)).rjust(width, b"0")


def crc32_token_checksum(payload: bytes) -> bytes:
    """The 6-character base62 CRC32 that ends GitHub (``ghp_`` ...) and npm tokens."""
    return base62_encode(binascii.crc32(payload))


def github_crc32(secret: bytes) -> bool:
    """``<prefix>_<30 random base62><6 char base62 CRC32 of the random part>``."""
    _, _, body = secret.rpartition(b"_")
    if len(body) != 36:
        return False
    return crc32_token_checksum(body[:30]) == body[30:]


def _b64decode(data: bytes) -> bytes | None:
    data = data.strip()
    padded = data + b"=" * (-len(data) % 4)
    try:
        return base64.urlsafe_b64decode(padded.replace(b"+", b"-").replace(b"/", b"_"))
    except (binascii.Error, ValueError):
        return None


def jwt_structure(secret: bytes) -> bool:
    """Header and payload decode to JSON objects and the header names an algorithm."""
    parts = secret.split(b".")
    if len(parts) != 3:
        return False
    try:
        header = json.loads(_b64decode(parts[0]) or b"")
        payload = json.loads(_b64decode(parts[1]) or b"")
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


_PEM_BODY = regex.compile(rb"-----BEGIN[^\n]*-----\s*((?:[A-Za-z0-9+/=]+\s*)+?|(?:.*?\n)+?)-----END", regex.S)


def pem_body(secret: bytes) -> bool:
    """A private key block whose body is plausible: long enough, mostly base64.

    Rejects ``-----BEGIN RSA PRIVATE KEY-----\\n...\\n-----END`` placeholders
    and keys cut off in docs.
    """
    lines = [ln.strip() for ln in secret.splitlines()[1:] if ln.strip() and b"-----" not in ln]
    # PEM headers like "Proc-Type: 4,ENCRYPTED" or "Comment:" precede the body.
    body = b"".join(ln for ln in lines if b":" not in ln)
    if len(body) < 64:
        return False
    if not regex.fullmatch(rb"[A-Za-z0-9+/=]+", body):
        return False
    return len(set(body)) > 20  # "AAAA...AAAA" or "xxxx" filler is not a key


def pypi_macaroon(secret: bytes) -> bool:
    """PyPI tokens are ``pypi-`` + a base64 macaroon that names pypi.org."""
    body = secret[len(b"pypi-"):]
    decoded = _b64decode(body[:64])
    return decoded is not None and b"pypi.org" in decoded


def _printable(decoded: bytes) -> bool:
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(text) and all(c.isprintable() or c in "\r\n\t" for c in text)


def base64_text(secret: bytes) -> bool:
    """Base64 that decodes to printable text (an encoded password, not a blob)."""
    decoded = _b64decode(secret)
    return decoded is not None and len(decoded) >= 4 and _printable(decoded)


def base64_userpass(secret: bytes) -> bool:
    """Base64 of ``user:password`` (Docker ``auth``, HTTP Basic): both parts
    present, and the password not an obvious placeholder."""
    decoded = _b64decode(secret)
    if decoded is None or not _printable(decoded) or b":" not in decoded:
        return False
    user, _, password = decoded.partition(b":")
    if not user or len(password) < 3:
        return False
    return password.lower() not in _PLACEHOLDER_PASSWORDS and not password.startswith((b"$", b"<", b"{"))


_PLACEHOLDER_PASSWORDS = {b"password", b"pass", b"passwd", b"secret", b"changeme", b"xxx", b"xxxx",
                          b"test", b"admin", b"example", b"token", b"<password>", b"pwd"}


def base64_secret(secret: bytes) -> bool:
    """A Kubernetes Secret value: base64 of a printable value that is not a
    placeholder word (``cGFzc3dvcmQ=`` is ``password``) and has some entropy."""
    from scanner.engine.entropy import shannon_entropy

    decoded = _b64decode(secret)
    if decoded is None or not _printable(decoded) or len(decoded) < 6:
        return False
    if decoded.lower().strip() in _PLACEHOLDER_PASSWORDS:
        return False
    return shannon_entropy(decoded) >= 2.5


def jwt_when_dotted(secret: bytes) -> bool:
    """A key with dots in it is taken for a JWT only if it is one; a key
    without dots has no structure to check."""
    return b"." not in secret.rstrip(b"=") or jwt_structure(secret)


VALIDATORS: dict[str, Callable[[bytes], bool]] = {
    "base64-text": base64_text,
    "base64-userpass": base64_userpass,
    "base64-secret": base64_secret,
    "github-crc32": github_crc32,
    "npm-crc32": github_crc32,  # npm_ tokens use the same CRC32 scheme
    "jwt": jwt_structure,
    "jwt-when-dotted": jwt_when_dotted,
    "pem": pem_body,
    "pypi-macaroon": pypi_macaroon,
}
