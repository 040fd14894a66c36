"""The pieces a rule spec is built from: ``Spec``, the list every spec is
appended to (``SPECS``), the ``token`` / ``ctx`` / ``custom`` helpers and the
regex fragments they share. ``corpus.catalog`` and the catalogs it pulls in
(``catalog_providers``, ``catalog_longtail``) import these from here, so none
of them imports another catalog for its helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from corpus.fakegen import (
    LOWER_ALNUM,
    Fake,
)

Part = str | tuple  # a literal, or (Alphabet, n) / (Alphabet, lo, hi)


@dataclass
class Spec:
    id: str
    file: str
    description: str
    regex: str
    keywords: list[str]
    gen: Callable[[Fake], str]
    templates: list[str]
    severity: str = "high"
    confidence: str = "high"
    entropy: float | None = None
    validate: str | None = None
    path: str | None = None
    filename: str = "config/settings.env"  # where the corpus plants it
    negatives: list[str] = field(default_factory=list)
    allow: dict | None = None
    max_length: int | None = None
    detector: str | None = None
    comment: str = ""
    # Some secrets are written with more than the secret on the line: extra
    # fields for the templates ({host}, {user}, ...).
    extra: Callable[[Fake], dict] | None = None

    def render(self, fake: Fake, template: str | None = None) -> tuple[str, str]:
        """(text to plant, the secret in it)."""
        secret = self.gen(fake)
        fields = {"s": secret, "user": "svc_" + fake.pick(LOWER_ALNUM, 5),
                  "host": f"{fake.pick(LOWER_ALNUM, 6)}.internal.corp"}
        if self.extra:
            fields.update(self.extra(fake))
        tpl = template if template is not None else fake.rng.choice(self.templates)
        return tpl.format(**fields), secret


def _regex_of(parts: list[Part]) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(re.escape(p))
        elif len(p) == 2:
            out.append(f"[{p[0].cls}]{{{p[1]}}}")
        else:
            out.append(f"[{p[0].cls}]{{{p[1]},{p[2]}}}")
    return "".join(out)


def _gen_of(parts: list[Part]) -> Callable[[Fake], str]:
    def gen(fake: Fake) -> str:
        out = []
        for p in parts:
            if isinstance(p, str):
                out.append(p)
            elif len(p) == 2:
                out.append(fake.pick(p[0], p[1]))
            else:
                out.append(fake.pick(p[0], fake.rng.randint(p[1], min(p[2], p[1] + 16))))
        return "".join(out)
    return gen


def _placeholder_of(parts: list[Part]) -> str:
    return "".join(p if isinstance(p, str) else "x" * p[1] for p in parts)


def _var(rule_id: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", rule_id.upper())


SPECS: list[Spec] = []


def token(rule_id: str, file: str, description: str, parts: list[Part], *,
          templates: list[str] | None = None, keywords: list[str] | None = None,
          before: str = "A-Za-z0-9_", after: str | None = None, **kw: object) -> Spec:
    """A token that carries its own prefix: found without any context."""
    body = _regex_of(parts)
    last = parts[-1]
    after = after if after is not None else (
        "A-Za-z0-9" if isinstance(last, str) else last[0].cls)
    regex = f"(?<![{before}])(?P<secret>{body})(?![{after}])"
    prefix = parts[0] if isinstance(parts[0], str) else ""
    var = _var(rule_id)
    spec = Spec(
        id=rule_id, file=file, description=description, regex=regex,
        keywords=keywords or [prefix.lower()], gen=kw.pop("gen", None) or _gen_of(parts),  # type: ignore[arg-type]
        templates=templates or [f'{var}="{{s}}"', f"{var.lower()}: {{s}}", f"export {var}={{s}}"],
        negatives=kw.pop("negatives", None) or [f'{var}="{_placeholder_of(parts)}"'],  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    SPECS.append(spec)
    return spec


# Quotes may be backslash-escaped: configs embedded in JSON strings and bundles.
ASSIGN = r"""[\w.-]{0,25}?\\?["']?\s{0,5}(?:=|:=|:|=>|,|\s)\s{0,5}\\?["'`]?"""
# A provider's name must be a word of its own, or a camelCase part
# (``oktaToken``, ``OKTA_TOKEN``, not ``rookTable`` or ``ipinfodb``; a name
# glued to a credential word, ``trellotoken``, still counts), and not part
# of an e-mail address (``someone@dropbox.com`` names an employer, not a key).
NAME_START = r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))(?<!@(?:[A-Za-z0-9-]+\.)*)"
CRED_WORD = r"(?i:api|key|token|secret|auth|passw|pwd|cred|access|bearer|client|app|private|license)"
NAME_END = r"(?:(?<![A-Za-z])|(?![A-Za-z])|(?<=[a-z])(?=[A-Z])|(?=" + CRED_WORD + "))"
# The name and the value stand on one line, at most 40 characters apart, or
# the name is in an XML element's tag and the value is its text on the next
# line (``<fastlyToken>\n  value``): the name is the only evidence, and a name
# on another line labels something else (a .po file's ``# <hex>`` message id
# under ``msgid "Linear Algebra"``).
SAME_KEY = r"(?:[^\r\n]{0,40}?|[\w.:-]{0,30}>[ \t]*\r?\n[ \t]{0,40})"
# After "#" or "/" a value is a lockfile digest or a URL path segment, not a key.
NEAR = SAME_KEY + r"(?<![A-Za-z0-9_#/])"


def word_gated(name: str) -> str:
    """A provider name that is also an everyday word (``linear``, ``discord``,
    ``kraken``) only counts with a credential word (key, token, secret, api, client...)
    starting a word after it on the same line: ``LINEAR_CLIENT_SECRET``, not
    ``Linear Algebra``."""
    return (f"(?:{name})(?=[^\\r\\n]{{0,40}}?(?-i:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))"
            f"(?i:api|key|token|secret|auth|passw|pwd|cred|access|bearer|client|app[_.-]?id))")


def name_gate(names: str, *, common: bool = False) -> str:
    """The regex that finds a provider's name as the evidence for a value."""
    body = word_gated(names) if common else f"(?:{names})"
    return f"{NAME_START}(?i:{body}){NAME_END}"


def ctx(rule_id: str, file: str, description: str, names: str, keywords: list[str],
        parts: list[Part], var: str, *, confidence: str = "medium", entropy: float = 3.0,
        common: bool = False, **kw: object) -> Spec:
    """A secret with no prefix of its own, found next to a name that says what it is."""
    body = _regex_of(parts)
    last = parts[-1]
    after = "A-Za-z0-9" if isinstance(last, str) else last[0].cls
    regex = f"{name_gate(names, common=common)}{NEAR}(?P<secret>{body})(?![{after}])"
    spec = Spec(
        id=rule_id, file=file, description=description, regex=regex, keywords=keywords,
        gen=kw.pop("gen", None) or _gen_of(parts),  # type: ignore[arg-type]
        templates=kw.pop("templates", None) or [f'{var}="{{s}}"', f"{var.lower()}: {{s}}",  # type: ignore[arg-type]
                                                f"{var} = '{{s}}'"],
        negatives=kw.pop("negatives", None) or [f'{var}="${{{var}}}"', f"{var}=",  # type: ignore[arg-type]
                                                f'{var}="{_placeholder_of(parts)}"'],
        confidence=confidence, entropy=entropy, **kw,  # type: ignore[arg-type]
    )
    SPECS.append(spec)
    return spec


def custom(rule_id: str, file: str, description: str, regex: str, keywords: list[str],
           gen: Callable[[Fake], str], templates: list[str], **kw: object) -> Spec:
    spec = Spec(id=rule_id, file=file, description=description, regex=regex,
                keywords=keywords, gen=gen, templates=templates, **kw)  # type: ignore[arg-type]
    SPECS.append(spec)
    return spec


UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
