"""Passwords and keys that only their place identifies.

A database password has no prefix and no checksum: what makes it a secret is
where it stands (the value of ``DB_PASSWORD=``, the ``Password=`` field of a
connection string, ``IDENTIFIED BY '..'``) and what it looks like (not a
reference, a placeholder or an identifier). This module knows the syntaxes a
value stands in and judges the name and the value separately.

It rides the prefilter like every rule: the engine hands it only the windows
where a credential-name word stands before an operator (Hyperscan), or the
whole blob when a keyword occurs (keyword prefilter). Inside a window a fast
regex finds the credential words; only the lines that hold one are parsed,
and a line is cut to a few KiB around the word, so a megabyte line costs no
more than a short one (every construct's quantifiers are bounded, so no
regex here needs a timeout). A construct that does not parse yields no
finding; it never fails the blob.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scanner.engine.entropy import shannon_entropy
from scanner.model import CONFIDENCE_ORDER, Confidence

# A line longer than this is only parsed this far either side of the word.
_REACH = 2048

@dataclass(frozen=True)
class Hit:
    """A value judged to be a credential. Offsets are into the scanned bytes."""

    start: int
    end: int
    match_start: int
    match_end: int
    confidence: Confidence
    decoded: str | None = None


# ---------------------------------------------------------------------------- names

# Words that name a credential by themselves.
_PASSWORD_WORDS = {"password", "passwd", "passwort", "passphrase", "passcode", "pwd", "pass", "pw",
                   "psw", "pword", "dbpasswd", "dbpass", "dbpassword", "userpassword", "adminpassword",
                   "rootpassword", "mysqlpassword", "pgpassword"}
_SECRET_WORDS = {"secret", "token", "credential", "credentials", "creds", "apikey", "apitoken",
                 "accesstoken", "authtoken", "secretkey", "privatekey", "accountkey", "clientsecret",
                 "connectionstring", "connstr", "connstring", "auth", "bearer", "apisecret", "appsecret",
                 "masterkey", "signingkey", "encryptionkey", "secretaccesskey", "sas", "pat",
                 "refreshtoken", "sessionsecret", "webhooksecret"}
# "key" names a credential only after one of these ("api key", "account key").
_KEY_QUALIFIERS = {"api", "secret", "private", "account", "signing", "encryption", "master",
                   "app", "application", "consumer", "shared", "storage", "auth", "service",
                   "subscription", "license", "admin", "sas", "hmac", "jwt", "session", "cookie",
                   "primary", "secondary", "ssh", "crypt", "cipher", "aes", "rest", "server", "deploy", "write", "read", "root", "secure", "x", "dev", "prod", "live", "test"}
# Some of those qualifiers also make ordinary identifiers ("primary key").
_WEAK_KEY_QUALIFIERS = {"primary", "secondary", "service", "client", "server", "read", "write", "root",
                        "x", "dev", "prod", "test", "live", "rest", "app", "application", "session",
                        "cookie", "license", "subscription"}
# Tokens that are not credentials: NLP/lexer tokens, paging cursors, CSRF.
_TOKEN_NOT = {"csrf", "xsrf", "authenticity", "public", "publishable", "pattern", "regex", "re", "page", "next", "continuation", "cursor", "sync", "pagination", "max",
              "num", "n", "total", "count", "eos", "bos", "pad", "unk", "sep", "cls", "mask",
              "special", "start", "end", "first", "last", "prev", "previous", "current", "cur",
              "lexer", "parser", "tokenizer", "word", "sub", "added", "new_line", "newline", "dedent",
              "indent", "eof", "comment", "string", "name", "op", "type", "kind", "cancel", "cancellation",
              "id", "lookahead", "stop", "image", "prompt", "input", "output", "completion", "vocab",
              "bpe", "padding", "separator", "delimiter", "opening", "closing", "open", "close",
              "left", "right", "ast", "node", "expr", "keyword", "literal", "number", "char", "line"}
# Words after the credential word that make the name about something else.
_NOT_VALUE_SUFFIX = {
    "reset", "timeout", "url", "uri", "urls", "endpoint", "name", "names", "path", "paths", "file",
    "files", "dir", "directory", "length", "len", "min", "max", "policy", "policies", "header",
    "headers", "field", "fields", "label", "hint", "prompt", "type", "types", "id", "ids", "count",
    "expiry", "expires", "expiration", "expire", "ttl", "age", "lifetime", "enabled", "enable",
    "required", "changed", "confirm", "confirmation", "validator", "validation", "regex", "pattern",
    "hash", "hashed", "hasher", "digest", "salt", "format", "mode", "env", "var", "variable", "param",
    "parameter", "input", "placeholder", "help", "text", "message", "msg", "error", "errors", "title",
    "description", "desc", "column", "table", "location", "manager", "provider", "class", "service",
    "handler", "method", "strategy", "generator", "algorithm", "algo", "size", "bits", "rotation",
    "version", "ref", "reference", "arn", "store", "vault", "source", "src", "kind", "widget", "form",
    "view", "template", "command", "cmd", "option", "options", "flag", "key_id",
    "keyid", "prefix", "suffix", "index", "idx", "number", "num", "list", "set", "map", "dict",
    "cache", "storage", "backend", "request", "response", "callback", "client", "factory", "builder",
    "test", "tests", "spec", "mock", "fixture", "example", "sample", "dummy", "fake", "default",
    "defaults", "schema", "model", "entity", "config", "settings", "setting", "configured", "exists", "present", "missing", "valid", "invalid", "check", "checker", "verify", "verifier",
    "verified", "status", "state", "event", "events", "scope", "scopes",
    "audience", "issuer", "refresh", "ui", "button", "link", "dialog", "screen", "page",
    "step", "attempts", "retries", "tries", "hashes", "encoder", "decoder", "parser", "lexer",
    "tokenizer", "holder", "secrets", "tokens", "passwords", "keys", "credentials_file", "filename",
    "filepath", "dirname", "bucket", "container", "repo", "repository", "permission", "permissions",
    "role", "roles", "group", "user", "username", "login", "account", "email", "host", "port",
    "server", "domain", "region", "project", "namespace", "secret_name", "key_name", "mount",
    "selector", "from", "to", "strength", "complexity", "rule", "rules",
    "requirements", "history", "hist", "char", "chars", "characters", "visible", "visibility",
    "toggle", "show", "hide", "hidden", "box", "entry", "modal", "length_min", "length_max",
}
# Words before the credential word that make the name about something else.
_NOT_VALUE_PREFIX = {"is", "has", "use", "uses", "using", "show", "hide", "enable", "disable", "min",
                     "max", "num", "allow", "require", "requires", "validate", "no", "without", "with",
                     "forgot", "forgotten", "reset", "change", "update", "verify", "check", "get", "set",
                     "fetch", "load", "read", "generate", "gen", "create", "make", "new_", "parse",
                     "encode", "decode", "hash", "hashed", "encrypt", "encrypted", "decrypt", "render",
                     "ask", "prompt", "input", "field", "label", "rotate", "revoke", "refresh", "expire",
                     "sort", "lookup", "find", "search", "match", "compare", "len", "count", "json",
                     "schema", "test", "mock", "fake", "dummy", "example", "sample"}
# Value-bearing suffixes that keep a name's meaning ("password_value").
_NEUTRAL_SUFFIX = {"value", "val", "str", "string", "plain", "plaintext", "raw", "b64", "base64",
                   "hex", "data", "text_value", "secret", "key", "1", "2", "3", "0", "s"}

_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def name_words(name: str) -> list[str]:
    """``apiKeyHeader`` -> ``["api", "key", "header"]``; any casing, any separator."""
    return [w.lower() for w in _SPLIT.split(name) if w]


@dataclass(frozen=True)
class NameVerdict:
    kind: str  # "password" or "secret"
    strong: bool


def judge_name(name: str) -> NameVerdict | None:
    """Does this key name a credential (and which kind), or only look like one?

    The credential word must be the head of the name: ``password_reset_timeout``
    is a timeout, ``private_key_path`` a path, ``apiKeyHeader`` a header name.
    """
    words = name_words(name)
    if not words or len(words) > 8:
        return None
    if words[-2:] == ["connection", "string"] or words[-1] in ("connstr", "connstring"):
        return NameVerdict("secret", False)  # judged field by field (Password=...) and as a whole
    while len(words) > 1 and words[-1] in _NEUTRAL_SUFFIX and words[-1] not in ("secret", "key"):
        words.pop()
    head = words[-1]
    before = words[-2] if len(words) > 1 else ""
    if before in _NOT_VALUE_PREFIX or any(w in _NOT_VALUE_PREFIX for w in words[:-1][:1]) and len(words) > 2:
        return None
    if head in _PASSWORD_WORDS:
        strong = head not in {"pass", "pw", "psw", "pwd"} or len(words) > 1
        if head == "pwd" and len(words) == 1:
            strong = False
        return NameVerdict("password", strong)
    if head == "key":
        # "access key" and "client key" name the public half (an id) unless
        # "secret" says otherwise: AWS/S3 access_key, OAuth client_key.
        if before in ("access", "client"):
            return NameVerdict("secret", True) if len(words) > 2 and words[-3] == "secret" else None
        if before in _KEY_QUALIFIERS:
            return NameVerdict("secret", before not in _WEAK_KEY_QUALIFIERS)
        if before in ("secret", "token"):
            return NameVerdict("secret", True)
        return None
    if head in ("token", "tokens") or head.endswith("token") and head in _SECRET_WORDS:
        if before in _TOKEN_NOT or head == "tokens":
            return None
        return NameVerdict("secret", len(words) > 1 or head != "token")
    if head in _SECRET_WORDS:
        if head in ("auth", "sas", "pat", "bearer"):
            return NameVerdict("secret", False)
        if head == "secret" and before in ("no", "top", "is"):
            return None
        return NameVerdict("secret", True)
    if head in ("string", "str") and before == "connection":
        return NameVerdict("secret", False)
    return None


# ---------------------------------------------------------------------------- values

_PLACEHOLDER_WORDS = {
    "changeme", "change_me", "changeit", "replace_me", "replaceme", "replace", "todo", "tbd", "fixme",
    "xxx", "password", "passwd", "secret", "token", "apikey", "api_key", "example", "sample", "dummy",
    "test", "testing", "fake", "foo", "bar", "baz", "foobar", "null", "none", "nil", "undefined",
    "redacted", "hidden", "removed", "placeholder", "insert", "enter", "empty", "default", "pass",
    "hunter2", "letmein", "qwerty", "admin", "root", "guest", "user", "username", "mysecret",
    "supersecret", "s3cr3t", "secret123", "password1", "password123", "p4ssw0rd", "passw0rd",
    "abc123", "abcdef", "123456", "1234567", "12345678", "123456789", "1234567890", "your_token",
    "mypassword", "yourpassword", "my_password", "your_password", "notasecret", "not_a_secret",
    "secretkey", "secret_key", "privatekey", "private_key", "accesskey", "access_key", "sometoken",
    "somesecret", "somepassword", "development", "production", "staging", "local", "localhost",
    "required", "optional", "string", "str", "value", "mask", "masked", "unset", "unknown", "invalid",
    "wrong", "incorrect", "bad", "good", "correct", "valid", "demo", "temp", "tmp", "blank",
}
_PLACEHOLDER_RE = re.compile(
    r"^(?:your|my|the|enter|insert|put|add|paste|fill|set|some|dummy|fake|example|sample|test|"
    r"replace|change|update|generate|xxx)[a-z_ .-]*$"
    r"|[-_ ](?:here|goes[-_ ]here)$|^<[^>]*>$|^\[[^\]]*\]$|^\(.*\)$|^\{[^}]*\}$"
    r"|^[x*#.\-_=?\u2022]+$|^x{3,}|x{4,}$|^(?:todo|tbd|fixme|redacted|none|null)\b"
    r"|^(?:example|sample|placeholder|dummy|changeme|replaceme)", re.IGNORECASE)
_REFERENCE_RE = re.compile(
    r"^\$|\$\{|\$\(|\{\{|\}\}|\{%|%\}|<%|%>|#\{|%\(\w+\)s|%s$|^%[\w.]+%$|^@\w+@$|^__\w+__$"
    r"|^!vault|^vault:|^ENC\[|^enc:|^sm://|^op://|^arn:|^secretsmanager:|^ssm:|^aws-sm:|^:['\"]"
    r"|^(?:var|local|data|module|each|count|path|terraform|random_password|random_string|tls_private_key)\."
    r"|os\.environ|getenv|process\.env|ENV\[|System\.getenv|getpass|keyring\."
    r"|Environment\.GetEnvironmentVariable|^env\(|^config\(|^secrets?\.|^settings\."
    r"|^input\(|^read-host|^vault\(|^lookup\(|^file\(", re.IGNORECASE)
_INTERPOLATION_RE = re.compile(r"\$_?[A-Za-z_]{3,}\w*[\[.(]|\$_(?:POST|GET|REQUEST|ENV|SERVER|COOKIE|SESSION)|^\w+\(")
_REGEX_LIKE = re.compile(r"\(\?|\[\^|\\[dswbDSWB]|\][*+?{]|\)[*+?]|\{\d+,\d*\}")
_NUMBER_RE = re.compile(r"^[-+]?(?:\d+(?:[.,]\d+)*|0x[0-9a-fA-F]+)(?:[eE][-+]?\d+)?[a-zA-Z%]{0,3}$")
_BOOL = {"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "y", "n", "t", "f"}
_PATH_RE = re.compile(
    r"^(?:/|\./|\.\./|~/|[A-Za-z]:[\\/]|\\\\|file:)"
    r"|\.(?:pem|key|p12|pfx|jks|keystore|crt|cer|der|json|ya?ml|txt|env|ini|conf|cfg|properties|xml|sh|"
    r"py|js|ts|rb|php|gpg|asc|pub|toml|html?|csv|log|db|sqlite|enc|age)$"
    r"|^[a-z0-9_.-]+(?:/[a-z0-9_.-]+)+/?$")
_URL_RE = re.compile(r"^[A-Za-z][\w+.-]*://")
_IDENT_RE = re.compile(
    r"^[a-z_][a-z_]*[a-z]$|^[a-z]\w*_\w*$|^[A-Z_][A-Z0-9_]*_[A-Z0-9_]+$|^[A-Z][A-Z]+$"
    r"|^[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+(?:\(\))?$"
    r"|^[a-z]{2,}(?:[A-Z][a-z]{2,})+[0-9]{0,2}$|^(?:[A-Z][a-z]{2,}){2,}[0-9]{0,2}$"
    r"|^[a-z][a-z0-9]*(?:[-.][a-z][a-z0-9]*)+$|^[a-z]+:[a-z][\w.-]*$")
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_B64_RE = re.compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")
_DIGEST_PREFIX_RE = re.compile(r"(?i)^(?:sha(?:1|224|256|384|512)|md5|blake2\w*|h1)[-:]")
# Not a value someone pasted: a printf template ("abc%c^", "%s-%d"), a host
# name ("eu1.acme.com"), a timestamp ("st=2025-03-04T07:24:52Z").
_NOT_PASTED = re.compile(r"%[-+ #0]?\d*[sdc](?![A-Za-z0-9])|^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\."
                         r"(?:com|net|org|io|dev|app|co|cloud|local|internal)$|\d{4}-\d\d-\d\dT\d\d:\d\d")
_I18N_HINT = re.compile(r"(?i)^(?:mot de passe|contrase|passwort|senha|пароль|密码|パスワード)")

_LOCKFILES = re.compile(
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|"
    r"\.terraform\.lock\.hcl|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|uv\.lock|"
    r"pdm\.lock|packages\.lock\.json|gradle\.lockfile|flake\.lock|[\w.-]*\.lock|SHA\d*SUMS[\w.]*|"
    r"[\w.-]+\.(?:sha\d+|md5|sum|sig|asc))$|\.min\.(?:js|css)$|\.(?:svg|map)$")
_DOC_PATH = re.compile(r"(?i)(?:^|/)(?:docs?|documentation|_build|site|man)/|\.(?:rst|md|markdown|adoc|txt|rdoc|ipynb|tex|html?)$")
_TEST_PATH = re.compile(r"(?i)(?:^|/)(?:tests?|spec|specs|fixtures?|testdata|__tests__|mocks?|examples?|samples?|demos?)/"
                        r"|(?:^|/)(?:test_[\w-]*|[\w-]*_test|[\w-]*\.(?:test|spec)|testcases?|conftest)\.\w+$")


def _classes(text: str) -> int:
    return (any(c.islower() for c in text) + any(c.isupper() for c in text)
            + any(c.isdigit() for c in text) + any(not c.isalnum() for c in text))


def _sequence_like(text: str) -> bool:
    """``aaaaaaaa``, ``abcdefgh``, ``12345678``, ``abcabcabc``: typed filler, not a secret."""
    low = text.lower()
    if len(set(low)) <= max(2, len(low) // 6):
        return True
    steps = [ord(b) - ord(a) for a, b in zip(low, low[1:], strict=False)]
    if steps and sum(1 for s in steps if s in (1, -1)) >= 0.8 * len(steps):
        return True
    for period in range(1, min(5, len(low) // 2) + 1):
        if low == (low[:period] * (len(low) // period + 1))[:len(low)]:
            return True
    return False


@dataclass(frozen=True)
class ValueVerdict:
    shape: str  # "token" (random-looking), "human" (a typed password), "uuid", "hex"


def judge_value(value: str, kind: str, *, quoted: bool) -> ValueVerdict | None:
    """Is this a credential's value, or a reference, placeholder, path, URL,
    identifier, number or label standing where a credential would?"""
    v = value.strip()
    n = len(v)
    if n < 6 or n > 512:
        return None
    low = v.lower()
    if low in _BOOL or low in _PLACEHOLDER_WORDS or low.strip("_-.!*") in _PLACEHOLDER_WORDS:
        return None
    if _REFERENCE_RE.search(v) or _PLACEHOLDER_RE.search(v) or _NUMBER_RE.match(v):
        return None
    if _URL_RE.match(v) or _PATH_RE.search(v) or _DIGEST_PREFIX_RE.match(v) or _I18N_HINT.match(v):
        return None
    if _NOT_PASTED.search(v):
        return None
    if v[0] in "\"'`" or v[-1] in "\"'`" or _INTERPOLATION_RE.search(v):
        return None  # concatenation or interpolation: "'.$_POST['pw'].'", "$user:${pw}"
    if any(c.isspace() for c in v) or any(ord(c) < 32 for c in v):
        return None  # labels and sentences; connection strings are parsed field by field
    if not quoted and (v.endswith((")", ";")) or "(" in v):
        return None  # a call: the value is computed, not written
    if _IDENT_RE.match(v) or all(c.isalpha() or c == "_" for c in v):
        return None
    if _REGEX_LIKE.search(v):
        return None  # a pattern (a lexer's token regex), not a value
    if _sequence_like(v):
        return None
    for word in ("password", "passwd", "secret", "apikey", "api_key", "token"):
        # "db_password_here", "my-secret-token": a name in the value's place
        if word in low and not any(c.isdigit() for c in v.replace("0", "")) and _classes(v) <= 2:
            return None
    if _UUID_RE.match(v):
        return ValueVerdict("uuid")
    if _HEX_RE.match(v) and n >= 32:
        return ValueVerdict("hex")
    ent = shannon_entropy(v)
    cls = _classes(v)
    if n >= 16 and ent >= 3.5 and cls >= 2:
        return ValueVerdict("token")
    if n >= 12 and ent >= 3.2 and cls >= 3:
        return ValueVerdict("token")
    # A typed password: letters with digits or symbols, not one word repeated.
    has_alpha = any(c.isalpha() for c in v)
    if has_alpha and cls >= 2 and ent >= 2.3 and n <= 64:
        if cls == 2 and v.isalpha():
            return None  # "HelloWorld": a word, not a password
        return ValueVerdict("human")
    return None


def _credential_file_value(value: str) -> ValueVerdict | None:
    """In a credential file (.netrc, .ftpconfig, .my.cnf ...) any written
    password is one, however weak: only references, placeholders, empty
    values, booleans, numbers, paths and URLs are not."""
    v = value.strip()
    low = v.lower()
    if len(v) < 4 or low in _BOOL or low in ("password", "passwd", "secret", "changeme", "null", "none", "xxx"):
        return None
    if _REFERENCE_RE.search(v) or _PLACEHOLDER_RE.search(v) or _NUMBER_RE.match(v) or _URL_RE.match(v):
        return None
    if _PATH_RE.search(v) or any(c.isspace() for c in v) or _sequence_like(v):
        return None
    return ValueVerdict("human")


# ---------------------------------------------------------------------------- syntaxes

# The words that can start a credential construct. Looked up with bytes.find
# on the lowercased window (memchr speed); a regex alternation costs ~100 ns
# a byte here, which would double a full-history scan.
_STEMS = (b"pass", b"pwd", b"psw", b"secret", b"token", b"key", b"auth", b"cred", b"connectionstr",
          b"connstr", b"conn_str", b"identified", b"asplaintext", b"mysql", b"mariadb", b"sshpass", b"login",
          b" -u ", b"--user", b" -p")


def _stem_spans(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    low = data[start:end].lower()
    spans = []
    for stem in _STEMS:
        i = low.find(stem)
        while i >= 0:
            spans.append((start + i, start + i + len(stem)))
            i = low.find(stem, i + 1)
    spans.sort()
    return spans

_VALUE = (rb"""(?:(?P<pfx>[bBrRuUfF@$]{0,2})(?P<q>["'`])(?P<qv>(?:\\.|(?!(?P=q))[^\\\r\n]){0,512})(?P=q)"""
          rb"""|(?P<bare>[^\s"'`,;<>(){}\[\]|]{1,512}))""")
# After a key: name = value, name: value, name => value, name := value,
# "name": value, ['name'] = value. Matched anchored at the end of a key found
# around a credential word, never searched for across the text.
_AFTER_KEY = re.compile(
    rb"""["'\]]{0,2}[ \t]{0,64}(?P<op>:{1,3}=|=>|[?.]=|<-|=(?![=~>])|:(?![:/\\]))[ \t]{0,64}""" + _VALUE)
_KEY_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@")
_XML_ELEMENT = re.compile(
    rb"""<(?P<key>[A-Za-z_][\w:.\-]{0,80})(?:\s[^<>]{0,256})?>(?P<bare>[^<>\r\n]{1,512})</(?P=key)\s*>""")
_XML_KEYVALUE = re.compile(
    rb"""\b(?:key|name)\s*=\s*["'](?P<key>[^"'<>]{1,100})["'][^<>]{0,256}?\bvalue\s*=\s*"""
    rb"""(?P<q>["'])(?P<qv>[^"'<>]{0,512})(?P=q)""")
_DEFINE = re.compile(
    # PHP's define(), Java's System.setProperty(), C's setenv()/putenv(), Go's os.Setenv().
    rb"""\b(?i:define|setProperty|setenv|putenv|SetEnvironmentVariable)\(\s*["'](?P<key>[\w.\-]{1,100})["']\s*,\s*"""
    + _VALUE)
_FLAG = re.compile(
    rb"""(?<![\w\-])--?(?P<key>[A-Za-z][\w\-]{1,60})(?:[ \t]+|=)""" + _VALUE)
_MYSQL_P = re.compile(
    rb"""(?i)\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mysqlimport|mysqlshow)\b[^\r\n|;&]{0,300}?"""
    rb"""(?<![\w\-])-p(?P<q>["']?)(?P<qv>[^\s"']{1,128})(?P=q)(?=\s|$)""")
_DASH_P = re.compile(
    rb"""(?i)\b(?:docker\s+login|podman\s+login|sshpass|helm\s+registry\s+login|oras\s+login)\b[^\r\n|;&]{0,300}?"""
    rb"""(?<![\w\-])-p[ \t]+(?P<q>["']?)(?P<qv>[^\s"']{1,256})(?P=q)""")
_USERPASS_FLAG = re.compile(
    # The user may be an e-mail address (curl --user someone@corp.com:pw).
    rb"""(?<![\w\-])(?:-u|--user)[ \t]+(?P<q>["']?)(?:[^\s:"'@/]{1,64}@)?[^\s:"'@/]{1,64}:(?P<qv>[^\s"']{1,256})(?P=q)""")
_SQL = re.compile(
    rb"""(?i)\b(?:identified\s+(?:with\s+\w+\s+)?by(?:\s+password)?|with\s+(?:encrypted\s+|unencrypted\s+)?"""
    rb"""password(?:\s*=)?)\s*(?P<q>["'])(?P<qv>[^"'\r\n]{1,256})(?P=q)""")
_MARKERS = re.compile(rb"</|value|define|setproperty|setenv|putenv|environmentvariable|--|mysql|mariadb|login|sshpass|-u\s|identified|password|asplaintext")
_QUERY_NEXT = re.compile(rb"&[A-Za-z_][\w.\-]*=")
_CLI_PASSWORD = ((_MYSQL_P, (b"mysql", b"mariadb")), (_DASH_P, (b"login", b"sshpass")),
                 (_USERPASS_FLAG, (b"-u ", b"-u\t", b"--user")))
_SECURESTRING = re.compile(
    rb"""(?i)ConvertTo-SecureString\s+(?:-String\s+)?(?P<q>["'])(?P<qv>[^"'\r\n]{1,256})(?P=q)\s+-AsPlainText""")
_URL = re.compile(
    rb"""://(?P<user>[^\s:/@'"<>(){}\[\]\\]{0,64}):(?P<qv>[^\s/'"<>\\]{1,128})@(?P<host>[\w\-]+(?:\.[\w\-]+)*|\[[0-9a-fA-F:]+\])""")

_DSN_HINT = re.compile(
    rb"(?i)(?:^|[;\s?&\"'])(?:host|hostaddr|server|data\s+source|dbname|database|initial\s+catalog|"
    rb"user\s*id|uid|user|sslmode|port)\s*=|jdbc:|odbc|driver\s*=")
_K8S_SECRET = re.compile(rb"(?m)^kind:\s*[\"']?Secret\b")
_CREDENTIAL_FILE = re.compile(
    r"(?i)(?:^|/)(?:\.?my\.cnf|\.pgpass|\.netrc|_netrc|\.git-credentials|\.esmtprc|\.tugboat|\.fetchmailrc|"
    r"\.muttrc|\.s3cfg|\.boto|\.pypirc|\.npmrc|\.dockercfg|\.docker/config\.json|\.credentials|credentials|"
    r"heroku\.json|\.heroku/\w+|sitemanager\.xml|recentservers\.xml|filezilla\.xml|winscp\.ini|"
    r"\.ftpconfig|sftp(?:-config)?\.json|\.remote-sync\.json|robomongo\.json|ventrilo_srv\.ini|"
    r"wp-config\.php|\.env(?:\.[\w-]+)?|\.htpasswd|deployment-config\.json|webservers\.xml|"
    r"datasources\.xml|dbeaver-data-sources\.xml|\.vscode/sftp\.json|hub|\.config/hub)$")
_ENV_TEMPLATE = re.compile(r"(?i)\.(?:example|sample|template|dist|defaults?|tmpl|tpl)$|(?:^|/)example")


_CODE_EXT = re.compile(
    r"(?i)\.(?:py|pyi|pyx|js|jsx|mjs|cjs|ts|tsx|go|java|kt|kts|scala|groovy|cs|vb|fs|rb|php|c|cc|cpp|cxx|h|hpp|"
    r"rs|swift|m|mm|dart|lua|pl|pm|r|jl|ex|exs|erl|hs|clj|ps1|psm1)$")


@dataclass(frozen=True)
class _PathFacts:
    credential_file: bool
    code_file: bool
    test_file: bool
    doc_file: bool
    lockfile: bool


class _Context:
    """What the detectors know about one blob; the Kubernetes check runs
    only when a value could be a Secret's base64 data."""

    def __init__(self, data: bytes, facts: _PathFacts) -> None:
        self.data = data
        self.credential_file = facts.credential_file
        self.code_file = facts.code_file
        self.test_file = facts.test_file
        self.doc_file = facts.doc_file
        self.lockfile = facts.lockfile
        self._k8s: bool | None = None

    @property
    def k8s_secret(self) -> bool:
        if self._k8s is None:
            data = self.data
            self._k8s = data.find(b"Secret", 0, 65536) >= 0 and bool(_K8S_SECRET.search(data, 0, 65536))
        return self._k8s


_facts_cache: dict[tuple[str, ...], _PathFacts] = {}


def _path_facts(paths: tuple[str, ...]) -> _PathFacts:
    facts = _facts_cache.get(paths)
    if facts is None:
        if len(_facts_cache) > 50_000:  # a history has few distinct paths; bound it anyway
            _facts_cache.clear()
        facts = _facts_cache[paths] = _PathFacts(
            credential_file=any(_CREDENTIAL_FILE.search(p) and not _ENV_TEMPLATE.search(p) for p in paths),
            code_file=bool(paths) and all(_CODE_EXT.search(p) for p in paths),
            test_file=bool(paths) and all(_TEST_PATH.search(p) for p in paths),
            doc_file=bool(paths) and all(_DOC_PATH.search(p) for p in paths),
            lockfile=bool(paths) and all(_LOCKFILES.search(p) for p in paths),
        )
    return facts


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _confidence(name: NameVerdict | None, value: ValueVerdict, strong_place: bool, ctx: _Context) -> Confidence | None:
    shape = value.shape
    if shape == "uuid":
        if strong_place or ctx.credential_file:
            return "medium"
        return "low" if name and name.kind == "secret" else None
    if shape == "hex" and name is not None and name.kind == "secret":
        level = 2 if name.strong else 1
    elif shape in ("token", "hex"):
        level = 2 if (name is None or name.strong) else 1
    elif name is not None and name.kind == "password":
        level = 1 if name.strong else 0
    elif name is not None and name.kind == "secret" and name.strong:
        level = 0
    else:
        level = 0 if strong_place else -1
    if strong_place or ctx.credential_file:
        level = max(level, 1) + 1
    # Tests and documentation hold examples far more often than leaks; a
    # generic finding there is weaker evidence (provider rules are unaffected).
    if ctx.test_file:
        level -= 1
    if ctx.doc_file:
        level -= 2
    if level < 0:
        return None
    return CONFIDENCE_ORDER[min(level, 2)]


def _value_group(m: re.Match[bytes]) -> tuple[int, int, bool]:
    if m.groupdict().get("qv") is not None and m.start("qv") >= 0:
        return m.start("qv"), m.end("qv"), True
    return m.start("bare"), m.end("bare"), False


def _k8s_decoded(raw: str) -> str | None:
    if not _B64_RE.match(raw) or len(raw) % 4:
        return None
    try:
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    decoded = decoded.rstrip("\n")
    if not decoded or not decoded.isprintable():
        return None
    return decoded


def _judge(ctx: _Context, key: str | None, start: int, end: int, quoted: bool, place: str,
           match_start: int, match_end: int, line: bytes = b"") -> Hit | None:  # noqa: PLR0911
    """One candidate: the key (None where the syntax itself names a password)
    and the value's span. ``place`` is the syntax, which can say password by itself."""
    data = ctx.data
    name = judge_name(key) if key is not None else NameVerdict("password", True)
    if name is None:
        return None
    raw = _text(data[start:end])
    decoded = None
    strong_place = place in ("sql", "url", "cli-password", "securestring")
    if place == "kv" and not quoted and _B64_RE.match(raw) and ctx.k8s_secret:
        plain = _k8s_decoded(raw)
        if plain is not None:
            raw, decoded, strong_place = plain, "base64", True
    if place == "kv" and name.kind == "password" and _DSN_HINT.search(line):
        strong_place = True
    # The value must be judged as the program would read it: unescape quotes.
    value = raw.replace('\\"', '"').replace("\\'", "'") if quoted else raw
    if not quoted and place in ("kv", "flag") and value.endswith((",", ";")):
        value = value.rstrip(",;")
    verdict = judge_value(value, name.kind, quoted=quoted or place in ("sql", "url"))
    if verdict is None and ctx.credential_file and name.kind == "password":
        verdict = _credential_file_value(value)
    if verdict is None:
        return None
    if not quoted and place == "kv":
        after = data[end:end + 1]
        if after in (b"(", b"[", b".", b"{"):
            return None  # the start of an expression, not a literal
    confidence = _confidence(name, verdict, strong_place, ctx)
    if confidence is None:
        return None
    return Hit(start, end, match_start, match_end, confidence, decoded)


def _add(out: dict[tuple[int, int], Hit], hit: Hit | None) -> None:
    if hit is None:
        return
    old = out.get((hit.start, hit.end))
    if old is None or CONFIDENCE_ORDER.index(hit.confidence) > CONFIDENCE_ORDER.index(old.confidence):
        out[(hit.start, hit.end)] = hit


def _key_value(ctx: _Context, s: int, e: int, ls: int, le: int, out: dict[tuple[int, int], Hit],
               seen: set[int]) -> None:
    """The key around the credential word at ``s..e``, and the value after it."""
    data = ctx.data
    a = s
    while a > ls and s - a < 100 and data[a - 1] in _KEY_CHARS:
        a -= 1
    if a in seen:
        return
    seen.add(a)
    b = e
    while b < le and b - e < 100 and data[b] in _KEY_CHARS:
        b += 1
    m = _AFTER_KEY.match(data, b, le)
    if m is None:
        return
    key = _text(data[a:b])
    place = "kv"
    if key.startswith("-"):
        place = "flag"
        key = key.lstrip("-")
    vs, ve, quoted = _value_group(m)
    if m.group("op") == b":" and m.start("op") + 1 == vs - (1 if quoted else 0) and data[b:b + 1] not in (b'"', b"'"):
        return  # "KEY:'value'": printed output or a log line; YAML needs a space, JSON quotes the key
    if not quoted and ctx.code_file and place == "kv":
        return  # in code an unquoted value is an expression or a type, not a literal
    if not quoted:
        amp = _QUERY_NEXT.search(data, vs, ve)
        if amp is not None:  # a query string: the value ends where the next field starts
            ve = amp.start()
    _add(out, _judge(ctx, key, vs, ve, quoted, place, a, m.end(), data[ls:le]))


def _line_constructs(ctx: _Context, ls: int, le: int, out: dict[tuple[int, int], Hit]) -> None:
    """Constructs other than key = value on one (bounded) line, each tried
    only when the line holds its marker. Lines are cut to a few KiB and every
    quantifier is bounded, so a construct costs at most milliseconds even on
    hostile input."""
    data = ctx.data
    line = data[ls:le]
    low = line.lower()
    if not _MARKERS.search(low):
        return
    if b"</" in line:
        for m in _XML_ELEMENT.finditer(data, ls, le):
            key = _text(m.group("key")).rsplit(":", 1)[-1]
            # "<token> value </token>": the text between the tags, trimmed.
            vs, ve = m.start("bare"), m.end("bare")
            while vs < ve and data[vs] in b" \t":
                vs += 1
            while ve > vs and data[ve - 1] in b" \t":
                ve -= 1
            _add(out, _judge(ctx, key, vs, ve, True, "xml", m.start(), m.end()))
    if b"value" in low:
        for m in _XML_KEYVALUE.finditer(data, ls, le):
            _add(out, _judge(ctx, _text(m.group("key")), m.start("qv"), m.end("qv"), True, "xml",
                             m.start(), m.end()))
    if b"define" in low or b"setproperty" in low or b"env" in low:
        for m in _DEFINE.finditer(data, ls, le):
            vs, ve, quoted = _value_group(m)
            _add(out, _judge(ctx, _text(m.group("key")), vs, ve, quoted, "kv", m.start(), m.end()))
    if b"--" in line:
        for m in _FLAG.finditer(data, ls, le):
            vs, ve, quoted = _value_group(m)
            _add(out, _judge(ctx, _text(m.group("key")), vs, ve, quoted, "flag", m.start(), m.end()))
    for pattern, triggers in _CLI_PASSWORD:
        if any(t in low for t in triggers):
            for m in pattern.finditer(data, ls, le):
                _add(out, _judge(ctx, None, m.start("qv"), m.end("qv"), True, "cli-password",
                                 m.start(), m.end()))
    if b"identified" in low or b"with" in low and b"password" in low:
        for m in _SQL.finditer(data, ls, le):
            _add(out, _judge(ctx, None, m.start("qv"), m.end("qv"), True, "sql", m.start(), m.end()))
    if b"asplaintext" in low:
        for m in _SECURESTRING.finditer(data, ls, le):
            _add(out, _judge(ctx, None, m.start("qv"), m.end("qv"), True, "securestring",
                             m.start(), m.end()))


def find_assignments(data: bytes, start: int, end: int, paths: Sequence[str] | None = None,
                     ctx: _Context | None = None) -> list[Hit]:
    """Credentials assigned to credential names in ``data[start:end]``.

    Only the credential words in the window are looked at: the key around
    each, the value after it, and the other constructs of its line when the
    line holds their marker. No Python pass over every line.
    """
    ctx = ctx or make_context(data, paths)
    if ctx.lockfile:
        return []  # digests and integrity hashes live there, never passwords
    out: dict[tuple[int, int], Hit] = {}
    seen_keys: set[int] = set()
    line = (-1, -1)
    for s, e in _stem_spans(data, start, end):
        if not line[0] <= s < line[1]:
            line = _line_region(data, s, e)
            _line_constructs(ctx, line[0], line[1], out)
        _key_value(ctx, s, e, line[0], line[1], out, seen_keys)
    return list(out.values())


def _line_region(data: bytes, start: int, end: int) -> tuple[int, int]:
    """The line holding ``start..end``, at most ``_REACH`` bytes either way."""
    ls = data.rfind(b"\n", max(0, start - _REACH), start) + 1
    if ls == 0 and start > _REACH:
        ls = start - _REACH
    le = data.find(b"\n", end, end + _REACH)
    if le < 0:
        le = min(len(data), end + _REACH)
    return ls, le


def find_url_credentials(data: bytes, start: int, end: int, paths: Sequence[str] | None = None,
                         ctx: _Context | None = None) -> list[Hit]:
    """``scheme://user:password@host`` for every scheme."""
    ctx = ctx or make_context(data, paths)
    out: list[Hit] = []
    # A Hyperscan window ends at the "@": read on to the host.
    for m in _URL.finditer(data, start, min(len(data), end + 300)):
        scheme_start = m.start()
        while scheme_start > max(0, m.start() - 32) and (
                chr(data[scheme_start - 1]).isalnum() or data[scheme_start - 1:scheme_start] in b"+.-"):
            scheme_start -= 1
        if scheme_start == m.start():
            continue  # "://" with no scheme before it
        user = _text(m.group("user"))
        if user.startswith(("$", "{", "<", "%")) or user.lower() in ("user", "username", "usr"):
            continue
        hit = _judge(ctx, None, m.start("qv"), m.end("qv"), True, "url", scheme_start, m.end())
        if hit is not None:
            out.append(hit)
    return out


DETECTORS: dict[str, Callable[..., list[Hit]]] = {
    "assignment": find_assignments,
    "url": find_url_credentials,
}

# Bump a detector's version when what it reports changes: ``RuleSet.version``
# (on which incremental stores key their "already scanned" records) includes
# the version of every detector a rule of the set names.
DETECTOR_VERSIONS: dict[str, str] = {
    "assignment": "assignment-1",
    "url": "url-1",
}


def make_context(data: bytes, paths: Sequence[str] | None) -> _Context:
    """What the detectors need to know about a blob once (its paths, whether
    it is a Kubernetes Secret), shared by all windows of one scan."""
    return _Context(data, _path_facts(tuple(paths or ())))
