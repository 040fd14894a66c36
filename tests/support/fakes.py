"""Made-up credentials that look real to the rules: right prefix, length,
charset and checksum. Generated from a seed so tests are reproducible."""

from __future__ import annotations

import random
import string

from scanner.engine.validators import crc32_token_checksum

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


class Fakes:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)

    def _pick(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def aws_key_id(self, prefix: str = "AKIA") -> str:
        return prefix + self._pick(BASE32, 16)

    def aws_secret(self) -> str:
        return self._pick(string.ascii_letters + string.digits + "+/", 40)

    def github_token(self, prefix: str = "ghp_") -> str:
        body = self._pick(BASE62, 30)
        return prefix + body + crc32_token_checksum(body.encode()).decode()

    def stripe_key(self) -> str:
        return "sk_live_" + self._pick(BASE62, 24)

    def slack_bot_token(self) -> str:
        return f"xoxb-{self._pick(string.digits, 12)}-{self._pick(string.digits, 13)}-{self._pick(BASE62, 24)}"

    def password(self, n: int = 20) -> str:
        return self._pick(BASE62, n)
