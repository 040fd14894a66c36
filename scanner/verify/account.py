"""What an AWS access key ID says about itself, offline.

Key IDs issued since about 2019 carry the owning account ID in their bits: the
16 characters after the 4-character prefix are base32, and the 40 bits after
the first are the 12-digit account number. Older IDs (``AKIAI...``,
``AKIAJ...``) do not, so for them the account is unknown until STS is asked.
"""

from __future__ import annotations

import base64
import binascii
import re

# Prefixes of access key IDs that can sign requests: long-lived user keys,
# temporary (STS) keys, and the less common context/service-specific ones.
KEY_ID_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA")
TEMPORARY_PREFIX = "ASIA"

_ACCOUNT_MASK = 0x7FFFFFFFFF80  # 40 bits, after the first bit of the first 6 bytes


_KEY_ID = re.compile("(?:" + "|".join(KEY_ID_PREFIXES) + ")[A-Z2-7]{16}")


def is_key_id(text: str) -> bool:
    """Exactly an access key ID: a known prefix, then 16 upper-case base32 characters."""
    return _KEY_ID.fullmatch(text) is not None


def is_temporary(key_id: str) -> bool:
    """True for STS-issued keys, which only work together with a session token."""
    return key_id.startswith(TEMPORARY_PREFIX)


def account_id_from_key_id(key_id: str) -> str | None:
    """Decode the 12-digit account ID from an access key ID, or None when it cannot be.

    None for old-format IDs (fifth character ``I`` or ``J``), for IDs that are
    not 20 characters of the base32 alphabet, and for unknown prefixes.
    """
    if len(key_id) != 20 or not key_id.startswith(KEY_ID_PREFIXES):
        return None
    try:
        raw = base64.b32decode(key_id[4:])
    except (binascii.Error, ValueError):
        return None
    if not raw[0] & 0x80:
        # Old generation (AKIAI..., AKIAJ...): the bits are not the account number.
        return None
    value = int.from_bytes(raw[:6], "big")
    return f"{(value & _ACCOUNT_MASK) >> 7:012d}"


def key_id_for_account(account_id: str, prefix: str = "AKIA", tail: str = "QQQQQQQ") -> str:
    """Build a syntactically valid key ID that decodes to ``account_id``.

    For tests and examples only (canary keys, look-alikes); such an ID was never
    issued by AWS. ``tail`` fills the 7 characters that carry no account bits.
    """
    number = int(account_id)
    # Bit 0 set marks the new generation; the account sits in the next 40 bits.
    value = (1 << 47) | (number << 7)
    head = base64.b32encode(value.to_bytes(6, "big") + b"\0\0\0\0").decode()[:9]
    # The 9th character still holds the account's last bits in its top; keep
    # them and let the rest come from ``tail``.
    return (prefix + head + tail)[:20]
