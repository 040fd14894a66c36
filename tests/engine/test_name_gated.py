"""Rules whose only evidence is the provider's name next to a value (no prefix,
no checksum): the name must be a word on the value's line (or the tag of the
XML element holding it), not part of an e-mail address, and an everyday-word
name needs a credential word after it. Each class runs through the whole
engine under both prefilters; the secrets are generated here."""

from __future__ import annotations

import random
import string

import pytest

from scanner.engine.matcher import Engine
from scanner.engine.rules import default_rules

RULES = default_rules()
_rng = random.Random(19)


def _hex(n: int) -> str:
    return "".join(_rng.choice("0123456789abcdef") for _ in range(n))


def _alnum(n: int) -> str:
    while True:
        value = "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(n))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


HEX32 = _hex(32)
DROPBOX = _alnum(15)
TAXJAR = "".join(_rng.choice(string.ascii_lowercase + string.digits) for _ in range(31)) + "7"


@pytest.fixture(scope="module", params=["hyperscan", "python"])
def engine(request) -> Engine:
    return Engine(RULES, prefilter=request.param)


def _rules_on(engine: Engine, text: str) -> dict[str, str]:
    matches, errors = engine.scan(text.encode())
    assert not errors
    return {m.rule_id: (m.confidence or next(r.confidence for r in RULES.rules if r.id == m.rule_id))
            for m in matches}


@pytest.mark.parametrize(("text", "rule"), [
    (f'LINEAR_CLIENT_SECRET="{HEX32}"', "linear-client-secret"),
    (f"linearApiSecret: {HEX32}", "linear-client-secret"),
    (f"DROPBOX_APP_KEY={DROPBOX}", "dropbox-api-token"),
    (f"dropboxtoken = {DROPBOX}", "dropbox-api-token"),        # name glued to a credential word
    (f'TAXJAR_API_KEY="{TAXJAR}"', "taxjar-api-key"),
    (f"<taxjarToken>\n    {TAXJAR}\n</taxjarToken>", "taxjar-api-key"),   # the XML element's tag
])
def test_a_provider_name_on_the_line_identifies_the_value(engine, text, rule):
    found = _rules_on(engine, text)
    assert rule in found, found
    assert found[rule] == "medium"


@pytest.mark.parametrize(("text", "rule"), [
    # A Sphinx .po file: an everyday word on one line, a message id on the next.
    (f'#: ../../src/tutorial/matrices.rst:12\n# {HEX32}\nmsgid "Linear Algebra"\n', "linear-client-secret"),
    (f'msgid "Linear Algebra" # {HEX32}', "linear-client-secret"),           # no credential word
    # A commit message: the author's employer's domain, then an identifier.
    ("Author: Some One <someone@dropbox.com> Fix EnumTypeWrapper\n", "dropbox-api-token"),
    (f"Reported-by: a <a@mail.dropbox.com> Unconditionally {DROPBOX}", "dropbox-api-token"),
    (f"ipinfodb = '{TAXJAR}'", "ipinfo-api-key"),                            # a longer word, not the name
    (f"taxjar\nAPI_KEY={TAXJAR}", "taxjar-api-key"),                          # the name on another line
    (f"Using taxjar ID={TAXJAR}", "taxjar-api-key"),                          # the label names an id
])
def test_the_name_must_be_a_word_on_the_values_line(engine, text, rule):
    assert rule not in _rules_on(engine, text)


def test_name_gated_rules_say_how_they_identify_a_value():
    longtail = [r for r in RULES.rules if r.source.endswith("longtail.toml")]
    assert len(longtail) > 400
    for rule in longtail:
        assert rule.confidence == "medium"
        assert "identified only by the name" in rule.description and "same line" in rule.description


def _jwt() -> str:
    import base64
    import json

    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f'{part({"alg": "HS256", "typ": "JWT"})}.{part({"sub": _alnum(12), "iat": 1700000000})}.{_alnum(43)}'


def test_a_long_tail_key_with_dots_counts_only_as_a_real_jwt(engine):
    # lemonsqueezy is a long-tail provider without a documented shape: its
    # keys are JWTs, and a dotted value that does not decode is not one.
    assert "lemonsqueezy-api-key" in _rules_on(engine, f"LEMONSQUEEZY_API_KEY={_jwt()}")
    fake = f"{_alnum(36)}.{_alnum(120)}.{_alnum(43)}"
    assert "lemonsqueezy-api-key" not in _rules_on(engine, f"LEMONSQUEEZY_API_KEY={fake}")


def test_a_provider_name_containing_another_rules_keyword_still_has_its_rule():
    # "login", "vault" and "export" are keywords of other rules; the
    # providers whose names contain them are not covered by those rules.
    ids = {r.id for r in RULES.rules}
    assert {"loginradius-api-key", "onelogin-api-key", "alienvault-api-key", "exportsdk-api-key"} <= ids
