"""Write tests/data/breadth_sample.jsonl: a small, committed stand-in for the
peers' labelled examples that bench/breadth.py scores on.

    python bench/breadth_sample.py

The peers' text is never committed. Instead, secrets of each rule's format
are generated (corpus/fakegen, seeded) and written the ways the peers' tests
write them: configuration lines in several languages, a key in prose next to
the provider's name, a value on the line under an XML tag. The negatives are
the false-alarm classes the issue names: sequence placeholders, a keyword
inside a word, jwt.io's sample token shape, identifiers where values go.
tests/test_breadth.py scans every line and pins the score.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.catalog import SPECS  # noqa: E402
from corpus.fakegen import B64URL, Fake  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "breadth_sample.jsonl"

# Shapes the peers' sample lines take ({n}: the provider's name as a
# developer would spell it in an identifier).
STYLES = [
    '{n}Token = "{s}"',
    '{{\n    "{n}_token": "{s}"\n}}',
    "{n}_token: '{s}'",
    '{N}_TOKEN := "{s}"',
    '<{n}Token>\n    {s}\n</{n}Token>',
    'System.setProperty("{N}_TOKEN", "{s}")',
    "{n} token = '{s}'",
]

NEGATIVES = [
    'maps_key = "AIzaSyabcdefghijklmnopqrstuvwxyz1234567"',
    'OKTA_TOKEN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"',
    'const rookTable = "00Fq3k9LmZ2xR8wT5vB1nJ7cH4gD6sA0pE3yU9iO"',
    'stripe_key = "sk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890"',
    'token: "1a2b3C4d-5E6f-7a8B-9c0D-1e2F3a4B5c6D"',
    'slack = "xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx"',
    'github_token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"',
    'datadog_api_key = "${DATADOG_API_KEY}"',
    'sentry_dsn_version = "sentry-sdk-1.40.6"',
    'heroku_app = "billing-service-production-eu"',
]


def _jwt_io_like(fake: Fake) -> str:
    def enc(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    return (f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc({'sub': '1234567890', 'name': 'John Doe', 'iat': 1516239022})}"
            f".{fake.pick(B64URL, 43)}")


def build() -> list[dict]:
    fake = Fake("breadth-sample")
    rows: list[dict] = []
    for n, spec in enumerate(SPECS):
        if spec.path or spec.file in ("generic", "credfiles", "env", "terraform", "kubernetes", "keys", "database",
                                      "frameworks"):
            continue  # file-scoped and generic rules: other tests own them
        if n % 7:  # a small sample: every seventh provider rule
            continue
        name = spec.keywords[0] if spec.keywords and spec.keywords[0].isalpha() else spec.id.split("-")[0]
        secret = spec.gen(fake)
        style = STYLES[(n // 7) % len(STYLES)]
        rows.append({"rule": spec.id, "positive": True,
                     "text": style.format(n=name, N=name.upper(), s=secret)})
    rows += [{"rule": "", "positive": False, "text": t} for t in NEGATIVES]
    rows.append({"rule": "jwt", "positive": False, "text": f"Authorization: Bearer {_jwt_io_like(fake)}"})
    return rows


if __name__ == "__main__":
    rows = build()
    OUT.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    print(f"{OUT}: {sum(r['positive'] for r in rows)} positive, {sum(not r['positive'] for r in rows)} negative")
