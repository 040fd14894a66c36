"""Made-up credentials with the right shape: prefix, length, charset, checksum.

Every fake secret in the rule examples and in the corpus is produced here from
a seeded ``random.Random``, so nothing real is ever pasted into the project and
the corpus is reproducible byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string
import uuid
from dataclasses import dataclass

from scanner.engine.placeholders import looks_like_placeholder
from scanner.engine.validators import crc32_token_checksum


@dataclass(frozen=True)
class Alphabet:
    """Characters to generate from, and the regex class that accepts them."""

    chars: str
    cls: str


HEX = Alphabet("0123456789abcdef", "0-9a-f")
HEXU = Alphabet("0123456789ABCDEF", "0-9A-F")
HEXM = Alphabet("0123456789abcdefABCDEF", "0-9a-fA-F")
DIGITS = Alphabet(string.digits, "0-9")
B62 = Alphabet(string.digits + string.ascii_letters, "0-9A-Za-z")
B64 = Alphabet(string.digits + string.ascii_letters + "+/", "A-Za-z0-9+/")
B64URL = Alphabet(string.digits + string.ascii_letters + "_-", "A-Za-z0-9_-")
B32U = Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "A-Z2-7")
B32L = Alphabet("abcdefghijklmnopqrstuvwxyz234567", "a-z2-7")
LOWER_ALNUM = Alphabet(string.ascii_lowercase + string.digits, "a-z0-9")
UPPER_ALNUM = Alphabet(string.ascii_uppercase + string.digits, "A-Z0-9")
LETTERS = Alphabet(string.ascii_letters, "A-Za-z")
# Passwords people type: letters, digits and a few symbols that survive in
# URLs, INI files and shell assignments without quoting.
PASSWORD = Alphabet(string.ascii_letters + string.digits + "!%^*-_+", "A-Za-z0-9!%^*_+-")


class Fake:
    """A seeded source of fake secrets."""

    def __init__(self, seed: int | str = 1) -> None:
        self.rng = random.Random(str(seed))

    def pick(self, alphabet: Alphabet, n: int) -> str:
        while True:
            out = "".join(self.rng.choice(alphabet.chars) for _ in range(n))
            # Mixed alphabets: keep the draw looking random (both cases and a
            # digit present), as real generated tokens are.
            # A draw that spells a placeholder word ("...fake...", "xxxx") is one
            # the scanner rightly drops: draw again.
            if (n < 16 or all(any(test(c) for c in out) for test in self._classes(alphabet))) and (
                    n < 8 or not looks_like_placeholder(out)):
                return out

    @staticmethod
    def _classes(alphabet: Alphabet) -> list:
        tests = [str.isdigit, str.isupper, str.islower]
        return [t for t in tests if any(t(c) for c in alphabet.chars)]

    def password(self, n: int = 18) -> str:
        return self.pick(B62, n - 2) + self.rng.choice("!%^*-_+") + self.pick(DIGITS, 1)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def b64(self, nbytes: int, *, url: bool = False, pad: bool = True) -> str:
        raw = bytes(self.rng.getrandbits(8) for _ in range(nbytes))
        out = (base64.urlsafe_b64encode(raw) if url else base64.b64encode(raw)).decode()
        return out if pad else out.rstrip("=")

    def crc_token(self, prefix: str) -> str:
        body = self.pick(B62, 30)
        return prefix + body + crc32_token_checksum(body.encode()).decode()

    def jwt(self, claims: dict | None = None) -> str:
        def enc(obj: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()
                                            ).decode().rstrip("=")

        payload = claims or {"sub": self.uuid(), "role": "service_role",
                             "iat": 1700000000 + self.rng.randrange(10**7)}
        return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(payload)}.{self.b64(32, url=True, pad=False)}"

    def pem_body(self, lines: int = 6) -> str:
        raw = bytes(self.rng.getrandbits(8) for _ in range(48 * lines))
        text = base64.b64encode(raw).decode()
        return "\n".join(text[i:i + 64] for i in range(0, len(text), 64))

    def pem(self, kind: str = "RSA PRIVATE KEY", lines: int = 8) -> str:
        return f"-----BEGIN {kind}-----\n{self.pem_body(lines)}\n-----END {kind}-----"

    def crc32_hex(self, text: str) -> str:
        return f"{binascii.crc32(text.encode()):08x}"
