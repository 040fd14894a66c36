"""Catalog breadth, side by side: every tool on the peers' own labelled examples.

    python bench/breadth.py [--repos $LEAKWARDEN_BENCH_REPOS] [--work DIR] [--tools leakwarden,gitleaks,...]
                            [--misses N] [--leakwarden-args "--min-confidence low"]

leakwarden runs with the product's defaults (``scan --min-confidence medium``
hides the ``low`` long-tail rules). ``--leakwarden-args`` adds a second
leakwarden row, ``leakwarden+ARGS``, scanned with those extra arguments in the
same run (e.g. ``--leakwarden-args "--min-confidence low"`` shows every
confidence).

The examples come from local clones of the peers (never committed, written to
a temp dir, one example per file):

* kingfisher: each rule's ``examples`` and ``negative_examples`` (data/rules/*.yml);
* gitleaks: each rule's ``tps`` / ``fps`` in cmd/generate/config/rules/*.go. The
  Go expressions are evaluated by a small interpreter here: string literals,
  ``+``, ``fmt.Sprintf``, ``utils.GenerateSampleSecrets`` (its template list
  is read from utils/generate.go) and ``secrets.NewSecret(regex)``, for which a
  random string of that regex is generated. Expressions it cannot evaluate are
  skipped and counted;
* trufflehog: the ``input`` / ``want`` cases of each detector's pattern test
  (pkg/detectors/*/*_test.go), positive when ``want`` is not empty.

Every tool scans the directory of files (no git), unredacted. A positive file
is found when a tool reports anything in it; "specific" counts only findings
of rules that are not generic catch-alls. A negative file is a false positive
when a tool reports anything in it. Positives that are placeholders
(``xxxx``, ``<token>``, alphabet runs: see scanner/engine/placeholders.py) are
not "plausible" and are left out of recall, as the issue does.
"""

from __future__ import annotations

import argparse
import ast
import random
import re
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.quality import BENCH_REPOS, TOOLS, run_tool  # noqa: E402
from corpus.evaluate import read_report  # noqa: E402


@dataclass
class Example:
    source: str     # kingfisher | gitleaks | trufflehog
    provider: str   # the peer's file / detector name
    rule: str       # the peer's rule id (or detector)
    positive: bool
    text: str


# ---------------------------------------------------------------------------- kingfisher

def kingfisher_examples(root: Path) -> list[Example]:
    import yaml

    out: list[Example] = []
    for path in sorted((root / "data" / "rules").glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        for rule in data.get("rules") or []:
            rid = str(rule.get("id", path.stem))
            for text in rule.get("examples") or []:
                out.append(Example("kingfisher", path.stem, rid, True, str(text)))
            for text in rule.get("negative_examples") or []:
                out.append(Example("kingfisher", path.stem, rid, False, str(text)))
    return out


# ---------------------------------------------------------------------------- a tiny Go evaluator

class Unsupported(Exception):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<chr>'(?:[^'\\\n]|\\.)+')
  | (?P<num>\d+)
  | (?P<name>[A-Za-z_][\w.]*)
  | (?P<ell>\.\.\.)
  | (?P<op>[-+(){}\[\],:=*&!<>|/%;])
""", re.S | re.X)


def _tokens(text: str, pos: int = 0) -> list[tuple[str, str, int]]:
    out = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            pos += 1
            continue
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(), m.end()))
        pos = m.end()
    return out


def _go_string(tok: str) -> str:
    if tok.startswith("`"):
        return tok[1:-1]
    try:
        return ast.literal_eval(tok)
    except (ValueError, SyntaxError):
        return tok[1:-1]


def random_for_regex(pattern: str, rng: random.Random) -> str:
    """A random string matching ``pattern`` (the subset of regex secrets use)."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover
        import sre_parse as sre  # type: ignore[no-redef]
    try:
        parsed = sre.parse(pattern)
    except Exception as exc:  # Go syntax Python lacks
        raise Unsupported(pattern) from exc
    return _gen(parsed, rng)


def _gen(items, rng: random.Random) -> str:  # noqa: ANN001
    from re import _constants as c  # type: ignore[attr-defined]

    out = []
    for op, av in items:
        if op == c.LITERAL:
            out.append(chr(av))
        elif op == c.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op == c.ANY:
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789"))
        elif op == c.IN:
            out.append(_gen_class(av, rng))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = min(hi, lo + 8) if hi != c.MAXREPEAT else lo + 8
            out.extend(_gen(sub, rng) for _ in range(rng.randint(lo, max(lo, hi))))
        elif op == c.SUBPATTERN:
            out.append(_gen(av[-1], rng))
        elif op == c.BRANCH:
            out.append(_gen(rng.choice(av[1]), rng))
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        else:
            raise Unsupported(str(op))
    return "".join(out)


def _gen_class(av, rng: random.Random) -> str:  # noqa: ANN001
    from re import _constants as c  # type: ignore[attr-defined]

    chars: list[str] = []
    for op, val in av:
        if op == c.NEGATE:
            return rng.choice("abcdefghijklmnopqrstuvwxyz")
        if op == c.LITERAL:
            chars.append(chr(val))
        elif op == c.RANGE:
            chars.extend(chr(x) for x in range(val[0], val[1] + 1))
        elif op == c.CATEGORY:
            chars.extend({c.CATEGORY_DIGIT: "0123456789", c.CATEGORY_WORD: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
                          c.CATEGORY_SPACE: " "}.get(val, "a"))
    return rng.choice(chars or ["a"])


# gitleaks' utils helpers that stand for "n characters of this class".
_CHARSETS = {
    "Numeric": "[0-9]",
    "Hex": "[a-f0-9]",
    "AlphaNumeric": "[a-z0-9]",
    "AlphaNumericExtendedShort": "[a-z0-9_-]",
    "AlphaNumericExtended": "[a-z0-9=_-]",
    "AlphaNumericExtendedLong": "[a-z0-9/=_+-]",
}


class GoEval:
    """Evaluates the string expressions gitleaks' and trufflehog's tests are built from."""

    def __init__(self, variables: dict[str, tuple[list, int]], templates: list[str], rng: random.Random) -> None:
        self.vars = variables   # name -> (tokens, start index), evaluated on demand
        self.templates = templates
        self.rng = rng
        self._cache: dict[str, object] = {}

    def value(self, name: str) -> object:
        if name in self._cache:
            return self._cache[name]
        if name not in self.vars:
            raise Unsupported(name)
        toks, i = self.vars.pop(name)  # pop: a self-reference cannot loop
        val, _ = self.expr(toks, i)
        self._cache[name] = val
        return val

    def expr(self, toks: list, i: int) -> tuple[object, int]:
        val, i = self.primary(toks, i)
        while i < len(toks) and toks[i][1] == "+":
            right, i = self.primary(toks, i + 1)
            if not isinstance(val, str) or not isinstance(right, str):
                raise Unsupported("+")
            val = val + right
        return val, i

    def args(self, toks: list, i: int, close: str = ")") -> tuple[list, int]:
        out: list = []
        while toks[i][1] != close:
            val, i = self.expr(toks, i)
            if toks[i][0] == "ell":
                out.extend(val if isinstance(val, list) else [val])
                i += 1
            else:
                out.append(val)
            if toks[i][1] == ",":
                i += 1
        return out, i + 1

    def skip(self, toks: list, i: int) -> int:
        depth = 0
        while i < len(toks):
            t = toks[i][1]
            if t in "({[":
                depth += 1
            elif t in ")}]":
                if depth == 0:
                    return i
                depth -= 1
            elif t == "," and depth == 0:
                return i
            i += 1
        return i

    def primary(self, toks: list, i: int) -> tuple[object, int]:
        kind, tok, _ = toks[i]
        if kind in ("raw", "str"):
            return _go_string(tok), i + 1
        if kind == "num":
            return tok, i + 1
        if tok == "[" and toks[i + 1][1] == "]":  # []string{...}
            j = i + 2
            while toks[j][1] != "{":
                j += 1
            items: list = []
            j += 1
            while toks[j][1] != "}":
                try:
                    val, k = self.expr(toks, j)
                    items.append(val)
                except Unsupported:
                    items.append(Unsupported)
                    k = self.skip(toks, j)
                except IndexError:
                    raise Unsupported("eof") from None
                j = k + 1 if toks[k][1] == "," else k
            return items, j + 1
        if kind == "name" and i + 1 < len(toks) and toks[i + 1][1] == "(":
            args, j = self.args(toks, i + 2)
            return self.call(tok, args), j
        if kind == "name" and tok == "nil":
            return [], i + 1
        if kind == "name":
            return self.value(tok), i + 1
        raise Unsupported(tok)

    def call(self, name: str, args: list) -> object:
        if any(a is Unsupported for a in args):
            raise Unsupported(name)
        short = name.split(".")[-1]
        if name == "append":
            base = list(args[0]) if isinstance(args[0], list) else [args[0]]
            return base + args[1:]
        if short == "Sprintf":
            fmt_, rest = args[0], args[1:]
            try:
                return re.sub(r"%[-+# 0-9.]*[sdvq]", lambda m: str(rest.pop(0)) if rest else "", fmt_)
            except Exception as exc:
                raise Unsupported("Sprintf") from exc
        if short == "NewSecret":
            return random_for_regex(args[0], self.rng)
        if short in _CHARSETS:  # utils.Hex(n) and friends: n characters of that class
            return f"{_CHARSETS[short]}{{{args[0]}}}"
        if short == "Hex8_4_4_4_12":
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if short == "GenerateSampleSecrets":
            ident, secret = args[0], args[1]
            return [t.replace("{i}", ident).replace("{I}", ident.upper()).replace("{s}", secret)
                    for t in self.templates]
        if short == "GenerateSampleSecret":
            return f'{args[0]}_api_token = "{args[1]}"'
        if short == "Repeat":
            return args[0] * int(args[1])
        if short in ("ToUpper",):
            return args[0].upper()
        if short in ("ToLower",):
            return args[0].lower()
        if short == "EncodeToString":
            import base64
            return base64.b64encode(args[0].encode() if isinstance(args[0], str) else args[0]).decode()
        if name in ("byte", "[]byte", "string"):
            return args[0]
        raise Unsupported(name)


def _sample_templates(gitleaks: Path) -> list[str]:
    text = (gitleaks / "cmd/generate/config/utils/generate.go").read_text(encoding="utf-8")
    body = text.split("samples := map[string]string{", 1)[1].split("\n\t}\n", 1)[0]
    toks = _tokens(body)
    out = []
    for n, (kind, tok, _) in enumerate(toks):
        if kind in ("str", "raw") and n > 0 and toks[n - 1][1] == ":":
            out.append(_go_string(tok))
    return out


def _assignments(toks: list) -> list[tuple[str, int]]:
    """(name, index of the expression) for each ``name := expr`` / ``name = expr``."""
    out = []
    for n in range(len(toks) - 2):
        if toks[n][0] == "name" and toks[n + 1][1] in (":", "=") and (
                toks[n + 1][1] == "=" or toks[n + 2][1] == "="):
            if n > 0 and toks[n - 1][1] in (".", ",", "!", "<", ">", "=", ":"):
                continue
            start = n + 2 if toks[n + 1][1] == "=" else n + 3
            if toks[n + 1][1] == "=" and toks[n + 2][1] == "=":
                continue  # ==
            out.append((toks[n][1], start))
    return out


def gitleaks_examples(root: Path, rng: random.Random) -> tuple[list[Example], int]:
    templates = _sample_templates(root)
    out: list[Example] = []
    skipped = 0
    for path in sorted((root / "cmd/generate/config/rules").glob("*.go")):
        if path.name.endswith("_test.go"):
            continue
        text = path.read_text(encoding="utf-8")
        for func in re.split(r"\nfunc ", text)[1:]:
            rid = re.search(r'RuleID:\s*"([^"]+)"', func)
            call = re.search(r"utils\.Validate(?:WithPaths)?\(\s*\w+\s*,\s*(\w+)\s*,\s*(\w+)\s*\)", func)
            if not rid or not call:
                continue
            toks = _tokens(func)
            for var, positive in ((call.group(1), True), (call.group(2), False)):
                if var == "nil":
                    continue
                items: list = []
                for name, start in _assignments(toks):
                    if name != var:
                        continue
                    ev = GoEval({n: (toks, s) for n, s in _assignments(toks) if n != var}, templates, rng)
                    ev._cache[var] = items
                    try:
                        val, _ = ev.expr(toks, start)
                    except (Unsupported, IndexError, KeyError):
                        skipped += 1
                        continue
                    items = list(val) if isinstance(val, list) else [val]
                for item in items:
                    if isinstance(item, str):
                        out.append(Example("gitleaks", path.stem, rid.group(1), positive, item))
                    else:
                        skipped += 1
    return out, skipped


# ---------------------------------------------------------------------------- trufflehog

def trufflehog_examples(root: Path, rng: random.Random) -> tuple[list[Example], int]:
    out: list[Example] = []
    skipped = 0
    for path in sorted((root / "pkg/detectors").glob("*/*_test.go")):
        if "integration" in path.name:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "input:" not in text:
            continue
        toks = _tokens(text)
        assigns = _assignments(toks)
        for n, (_kind, tok, _) in enumerate(toks):
            if tok != "input" or toks[n + 1][1] != ":":
                continue
            ev = GoEval({name: (toks, s) for name, s in assigns}, [], rng)
            try:
                val, j = ev.expr(toks, n + 2)
            except (Unsupported, IndexError, KeyError, TypeError):
                skipped += 1
                continue
            # The case's ``want``: a non-empty list (or a value) means a positive.
            positive = None
            for k in range(j, min(j + 400, len(toks) - 3)):
                if toks[k][1] == "input":
                    break
                if toks[k][1] == "want" and toks[k + 1][1] == ":":
                    rest = toks[k + 2:k + 8]
                    words = [t[1] for t in rest]
                    if words[:1] == ["nil"]:
                        positive = False
                    elif words[:4] == ["[", "]", "string", "{"]:
                        positive = words[4] != "}"
                    else:
                        positive = True
                    break
            if positive is None or not isinstance(val, str):
                skipped += 1
                continue
            out.append(Example("trufflehog", path.parent.name, path.parent.name, positive, val))
    return out, skipped


# ---------------------------------------------------------------------------- scoring

def plausible(example: Example) -> bool:
    from scanner.engine.placeholders import looks_like_placeholder

    # The longest run of token characters is the secret in nearly every example.
    tokens = re.findall(r"[A-Za-z0-9+/_.~-]{12,}", example.text)
    return not tokens or not looks_like_placeholder(max(tokens, key=len))


# Positives whose value is not a credential the provider issues, each checked
# on the example's own text (objective, per example), never by who wrote it:
# peers' tests often generate a random string from their own regex, which is
# wider than the documented format. Listed with the reason; scored apart.
def _github_like(text: str) -> str | None:
    from scanner.engine.validators import github_crc32

    tokens = re.findall(r"(?<![A-Za-z0-9_])((?:gh[pousr]|github_pat|npm)_[A-Za-z0-9_]{30,255})(?![A-Za-z0-9_])", text)
    if tokens and not any(github_crc32(t.encode()) for t in tokens):
        return "GitHub/npm token failing the CRC32 check every issued token carries"
    return None


def _jwt_like(text: str) -> str | None:
    from scanner.engine.validators import jwt_structure

    tokens = re.findall(r"\bey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_/\\-]{10,}\.[A-Za-z0-9_/\\=-]*", text)
    if tokens and not any(jwt_structure(t.encode()) for t in tokens):
        return "JWT whose header and payload do not decode to JSON (a real JWT starts eyJ, base64 of '{\"')"
    return None


NOT_REAL: dict[str, tuple[str, re.Pattern[str] | None]] = {
    # peer rule id -> (reason, pattern that must hold in the example for the reason to apply; None: always)
    "asana-client-id": ("an OAuth client id (16 digits) is public, not a credential", None),
    "discord-client-id": ("an OAuth client id (a snowflake) is public, not a credential", None),
    "trello-access-token": ("not Trello's format (32 or 64 hex, or ATTA + hex): letters past f or '-'",
                            re.compile(r"(?i)trello\w*[\"']?\s*[:=]+\s*[\"']?(?![0-9a-f]{32}\b)[\w-]{32}")),
    "sendgrid-api-token": ("not SendGrid's format SG.<22>.<43>: no second '.'",
                           re.compile(r"SG\.(?![\w-]{22}\.)[\w=.-]{66}")),
    "square-secret": ("characters a Square secret never has (']', '^')", re.compile(r"sq0csp-[^\s\"']*[\]^]")),
    "stripe-access-token": ("sk_prod_/rk_prod_ is not a Stripe prefix (live_ or test_)",
                            re.compile(r"\b[sr]k_prod_")),
    "aws-amazon-bedrock-api-key-short-lived": (
        "only the fixed prefix (base64 of 'bedrock.amazonaws.com'), no signed request",
        re.compile(r"bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t(?![A-Za-z0-9+/=%&])")),
}


def not_real(example: Example) -> str | None:
    """Why a positive example's value is not a real credential, or None."""
    judged = NOT_REAL.get(example.rule)
    if judged and (judged[1] is None or judged[1].search(example.text)):
        return judged[0]
    return _github_like(example.text) or _jwt_like(example.text)


GENERIC_RULES = re.compile(
    r"generic|credential|password|secret-assignment|bearer|basic-auth|url-credentials|jwt|private-key|"
    r"high-entropy|entropy|dotenv|shell-export|kubernetes-secret|terraform-tfvars|keyword|curl-auth|"
    r"sidekiq|hashicorp-tf-password|netrc", re.I)


def write_examples(examples: list[Example], directory: Path) -> dict[str, Example]:
    directory.mkdir(parents=True, exist_ok=True)
    by_file = {}
    for n, ex in enumerate(examples):
        name = f"{'pos' if ex.positive else 'neg'}-{ex.source}-{n:05d}.txt"
        (directory / name).write_text(ex.text + "\n", encoding="utf-8")
        by_file[name] = ex
    return by_file


def findings_by_file(report: Path, tool: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in read_report(report, tool.split("+", 1)[0]):
        out[Path(r.path).name].add(r.rule)
    return out


def run_directory_tool(tool: str, directory: Path, report: Path) -> float | None:
    """``tool`` is a peer's name, ``leakwarden``, or ``leakwarden+ARGS`` (extra scan arguments)."""
    import shlex

    from bench.quality import PEERS, _find, timed_run

    if tool == "leakwarden" or tool.startswith("leakwarden+"):
        extra = shlex.split(tool.split("+", 1)[1]) if "+" in tool else []
        return timed_run(tool, [sys.executable, "-m", "scanner", "scan", str(directory), "--no-git", "--no-redact",
                                "-f", "json", "-o", str(report), *extra], report)
    if tool not in PEERS:
        return run_tool(tool, directory, report)
    exe = _find(tool)
    if exe is None:
        return None
    if tool == "gitleaks":
        cmd = [exe, "dir", str(directory), "-f", "json", "-r", str(report), "--log-level", "error"]
    elif tool == "betterleaks":
        cmd = [exe, str(directory), "-o", str(report), "-l", "error", "--no-banner", "-s"]
    else:
        cmd = [exe, "scan", str(directory), "--no-validate", "--format", "json", "--output", str(report), "-q",
               "--git-history", "none", "--no-dedup"]
    return timed_run(tool, cmd, report)


@dataclass
class Result:
    tool: str
    found: int
    specific: int
    positives: int
    false_pos: int
    negatives: int
    missed: Counter
    provider_total: Counter
    fp_files: list
    real_found: int = 0
    real_positives: int = 0


def score(by_file: dict[str, Example], found: dict[str, set[str]], tool: str) -> Result:
    missed: Counter = Counter()
    total: Counter = Counter()
    hit = spec = pos = fp = neg = real_hit = real_pos = 0
    fp_files = []
    for name, ex in by_file.items():
        rules = found.get(name, set())
        if ex.positive:
            if not plausible(ex):
                continue
            pos += 1
            total[ex.provider] += 1
            real = not_real(ex) is None
            real_pos += real
            real_hit += real and bool(rules)
            if rules:
                hit += 1
                if any(not GENERIC_RULES.search(r) for r in rules):
                    spec += 1
            else:
                missed[ex.provider] += 1
        else:
            neg += 1
            if rules:
                fp += 1
                fp_files.append((name, sorted(rules)))
    return Result(tool, hit, spec, pos, fp, neg, missed, total, fp_files, real_hit, real_pos)


def extract(repos: Path, seed: int = 15) -> tuple[list[Example], dict[str, int]]:
    rng = random.Random(seed)
    examples = kingfisher_examples(repos / "kingfisher")
    gl, gl_skipped = gitleaks_examples(repos / "gitleaks", rng)
    th, th_skipped = trufflehog_examples(repos / "trufflehog", rng)
    examples += gl + th
    # The same text twice (gitleaks' generated sample lines repeat across rules)
    # counts once.
    seen: set[tuple[bool, str]] = set()
    unique = []
    for ex in examples:
        key = (ex.positive, ex.text)
        if key not in seen and ex.text.strip():
            seen.add(key)
            unique.append(ex)
    return unique, {"gitleaks skipped": gl_skipped, "trufflehog skipped": th_skipped}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=Path, default=BENCH_REPOS)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--tools", default=TOOLS)
    parser.add_argument("--misses", type=int, default=40, help="rows in the per-provider miss table")
    parser.add_argument("--show", default="", help="print missed positives / FPs of this provider (leakwarden)")
    parser.add_argument("--leakwarden-args", default="",
                        help='also run leakwarden with these extra scan arguments, e.g. "--min-confidence low"')
    args = parser.parse_args(argv)
    tools = args.tools.split(",")
    if args.leakwarden_args:
        # The variant row goes right after the default one, so the two read side by side.
        at = tools.index("leakwarden") + 1 if "leakwarden" in tools else 0
        tools.insert(at, f"leakwarden+{args.leakwarden_args}")
    work = args.work or Path(tempfile.mkdtemp(prefix="leakwarden-breadth-"))
    examples, skipped = extract(args.repos)
    by_file = write_examples(examples, work / "examples")
    n_pos = sum(e.positive for e in examples)
    n_plaus = sum(e.positive and plausible(e) for e in examples)
    print(f"examples: {n_pos} positive ({n_plaus} plausible), {len(examples) - n_pos} negative; "
          f"by source {dict(Counter(e.source for e in examples))}; skipped {skipped}; work dir {work}\n")
    results = []
    for n, tool in enumerate(tools):
        report = work / f"{tool.split('+', 1)[0]}-{n}.json"
        seconds = run_directory_tool(tool, work / "examples", report)
        if seconds is None:
            print(f"{tool}: not installed")
            continue
        results.append(score(by_file, findings_by_file(report, tool), tool))
    print("| tool | recall on plausible positives | recall with specific rules | false positives on negatives |")
    print("| --- | --- | --- | --- |")
    for r in results:
        print(f"| {r.tool} | {r.found / r.positives:.1%} ({r.found}/{r.positives}) | "
              f"{r.specific / r.positives:.1%} | {r.false_pos / max(1, r.negatives):.1%} "
              f"({r.false_pos}/{r.negatives}) |")
    reasons = Counter(not_real(e) for e in examples if e.positive and plausible(e))
    reasons.pop(None, None)
    print(f"\nThe same, without the {sum(reasons.values())} plausible positives whose value is judged not a real "
          "credential (reasons below):\n")
    print("| tool | recall on real-format positives |")
    print("| --- | --- |")
    for r in results:
        print(f"| {r.tool} | {r.real_found / max(1, r.real_positives):.1%} ({r.real_found}/{r.real_positives}) |")
    print("\n| judged not real | examples |\n| --- | --- |")
    for reason, n in reasons.most_common():
        print(f"| {reason} | {n} |")
    lw = next((r for r in results if r.tool == "leakwarden"), None)
    if lw:
        print("\nleakwarden's misses by provider (peer file / detector):\n")
        print("| provider | missed | of |" + "".join(f" {r.tool} missed |" for r in results if r is not lw))
        print("| --- | --- | --- |" + " --- |" * (len(results) - 1))
        for provider, n in lw.missed.most_common(args.misses):
            others = "".join(f" {r.missed.get(provider, 0)} |" for r in results if r is not lw)
            print(f"| {provider} | {n} | {lw.provider_total[provider]} |{others}")
        print(f"\nleakwarden false positives: {len(lw.fp_files)}")
        for name, rules in lw.fp_files[:60]:
            print(f"  {by_file[name].source}/{by_file[name].provider}: {','.join(rules)}")
        if args.show:
            found = findings_by_file(work / f"leakwarden-{tools.index('leakwarden')}.json", "leakwarden")
            for name, ex in by_file.items():
                if ex.provider == args.show and ex.positive and plausible(ex) and not found.get(name):
                    print(f"MISS {name}: {ex.text[:300]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
