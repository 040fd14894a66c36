"""Build a labeled git repository to measure secret scanners against.

``python -m corpus.generate OUT [--seed N] [--small]`` writes ``OUT/repo`` (a
multi-service monorepo with a real history: branches, tags, merges, a stash,
renames, deleted files, a large file and minified bundles) and
``OUT/labels.json``: every planted secret (made up here, with the right shape
for its rule; never a real credential), where and how it was planted, and the
decoys that a good scanner must stay quiet on.

Placements are chosen so that a scanner that only reads HEAD, only walks the
default branch, or only diffs commits misses some of them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.catalog import SPECS, Spec
from corpus.fakegen import B62, HEX, LOWER_ALNUM, Fake

PLACEMENTS = ["head", "deleted", "branch", "tag", "merge", "stash", "renamed", "history",
              "large", "minified", "base64", "percent"]
# Placements that move or wrap the text cannot keep a path-scoped rule's file
# name or format (a .pgpass inside a JS bundle is not a .pgpass).
_WRAPPING = {"renamed", "large", "minified", "base64", "percent"}
# Only secrets that start with a marker survive encoding recognisably.
_ENCODABLE_PREFIXES = ("ghp_", "gho_", "github_pat_", "glpat-", "AKIA", "ASIA", "xoxb-", "xoxp-",
                       "sk_live_", "npm_", "pypi-", "AIza", "SG.", "sk-ant-", "dop_v1_", "hvs.")

SERVICES = ["billing", "auth", "search", "notify", "ingest", "reports", "gateway", "ledger"]


@dataclass
class Plant:
    id: str
    rule: str
    family: str
    placement: str
    paths: list[str]
    secret: str
    encoded: str | None = None  # the text as written, when it was encoded


@dataclass
class Decoy:
    kind: str
    path: str
    text: str


@dataclass
class Labels:
    seed: int
    plants: list[Plant] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)


class _Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = 1_650_000_000
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        for key, value in (("user.name", "Corpus Builder"), ("user.email", "builder@corp.test"),
                           ("commit.gpgsign", "false"), ("core.autocrlf", "false")):
            self.git("config", key, value)

    def git(self, *args: str) -> str:
        stamp = f"{self.clock} +0000"
        env = dict(os.environ, GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp,
                   GIT_CONFIG_NOSYSTEM="1", HOME=str(self.path))
        proc = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
        return proc.stdout.decode().strip()

    def write(self, rel: str, text: str | bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode() if isinstance(text, str) else text)

    def commit(self, message: str, files: dict[str, str] | None = None) -> None:
        for rel, text in (files or {}).items():
            self.write(rel, text)
        self.git("add", "-A")
        self.clock += 3600
        self.git("commit", "-q", "--allow-empty", "-m", message)


# -- realistic surroundings ------------------------------------------------------------

def _python_module(fake: Fake, name: str) -> str:
    funcs = "\n\n".join(
        f"def {name}_{i}(request, limit=50):\n    \"\"\"Handle {name} step {i}.\"\"\"\n"
        f"    items = fetch_{name}(request.user, limit=limit)\n    return [serialize(x) for x in items]\n"
        for i in range(fake.rng.randint(2, 5)))
    return f"import logging\nimport os\n\nlog = logging.getLogger(__name__)\n\n\n{funcs}"


def _wrap(fake: Fake, path: str, planted: str) -> str:
    """The planted text inside a file that looks like its kind."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        return _python_module(fake, "svc") + f"\n\n# deployment settings\n{planted}\n"
    if name.endswith((".yml", ".yaml")):
        return f"# service configuration\nservice:\n  replicas: 2\n  port: 8080\n{planted}\n"
    if name.endswith(".json") and planted.lstrip().startswith("{"):
        return planted + "\n"
    if name.endswith(".sh"):
        return f"#!/bin/sh\nset -eu\n\necho 'deploying'\n{planted}\n"
    return f"# generated for {name}\n{planted}\n"


def _minified(fake: Fake, planted: str) -> str:
    parts = [f"function {fake.pick(LOWER_ALNUM, 2)}(a,b){{return a.{fake.pick(LOWER_ALNUM, 3)}(b)||{fake.rng.randint(0, 99)}}}"
             for _ in range(400)]
    parts.insert(200, f"var cfg={json.dumps(planted)}")
    return ";".join(parts) + "\n"


def _large(fake: Fake, planted: str, size: int) -> str:
    lines = [f"{i},{fake.pick(LOWER_ALNUM, 8)},{fake.rng.randint(0, 10**6)},ok" for i in range(size // 28)]
    lines.insert(len(lines) // 2, planted)
    return "id,name,value,status\n" + "\n".join(lines) + "\n"


# -- decoys: what a scanner must not report -------------------------------------------

def _decoys(fake: Fake) -> list[tuple[str, str, str]]:
    """(kind, path, text). Each text is a whole file or a line in one."""
    sha512 = base64.b64encode(bytes(fake.rng.getrandbits(8) for _ in range(64))).decode()
    go_hash = base64.b64encode(bytes(fake.rng.getrandbits(8) for _ in range(32))).decode()
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(fake.rng.getrandbits(8) for _ in range(300))).decode()
    font = base64.b64encode(b"wOF2" + bytes(fake.rng.getrandbits(8) for _ in range(400))).decode()
    bad_crc = "ghp_" + fake.pick(B62, 36)
    return [
        ("aws-doc-example", "docs/aws.md", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("placeholder", "docs/setup.md", "export GITHUB_TOKEN=<YOUR_GITHUB_TOKEN>\nSTRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("template-ref", "deploy/values.yaml", "db:\n  password: ${DB_PASSWORD}\n  url: postgres://app:{{ .Values.dbPassword }}@db:5432/app"),
        ("env-example", "services/api/.env.example", "DB_PASSWORD=\nAPI_TOKEN=changeme\nSECRET_KEY=your-secret-key-here"),
        ("checksum-fail", "tests/fixtures/tokens.txt", f"revoked = {bad_crc}"),
        ("lockfile", "web/package-lock.json",
         json.dumps({"name": "web", "lockfileVersion": 3, "packages": {"node_modules/left-pad": {
             "version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
             "integrity": f"sha512-{sha512}"}}}, indent=2)),
        ("go-sum", "tools/go.sum", f"github.com/pkg/errors v0.9.1 h1:{go_hash}\ngithub.com/pkg/errors v0.9.1/go.mod h1:{go_hash}"),
        ("terraform-lock", "infra/.terraform.lock.hcl",
         f'provider "registry.terraform.io/hashicorp/aws" {{\n  version = "5.31.0"\n  hashes = [\n    "h1:{go_hash}",\n    "zh:{fake.pick(HEX, 64)}",\n  ]\n}}'),
        ("git-sha", "ci/pins.yaml", f"actions_checkout_sha: {fake.pick(HEX, 40)}\nbase_commit = \"{fake.pick(HEX, 40)}\""),
        ("uuid", "app/ids.py", f'REQUEST_ID = "{fake.uuid()}"\ntenant_api_key_id = "{fake.uuid()}"'),
        ("image-digest", "deploy/images.yaml", f"image: registry.corp.test/api@sha256:{fake.pick(HEX, 64)}"),
        ("base64-image", "web/styles.css", f".logo {{ background: url(data:image/png;base64,{png}); }}"),
        ("base64-font", "web/fonts.css", f"@font-face {{ src: url(data:font/woff2;base64,{font}) format('woff2'); }}"),
        ("minified", "web/dist/app.min.js", _minified(fake, "nothing-secret-" + fake.pick(LOWER_ALNUM, 8))),
        ("test-password", "tests/test_login.py", 'def test_login(client):\n    client.login(username="alice", password="password")\n    assert client.get("/").status_code == 200'),
        ("hash-in-code", "app/cache.py", f'CACHE_KEY = "{fake.pick(HEX, 32)}"\nETAG = "{fake.pick(HEX, 40)}"'),
        ("k8s-configmap", "k8s/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: c2VhcmNoLGJpbGxpbmc="),
        ("public-key", "keys/deploy.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + fake.pick(B62, 43) + " deploy@ci"),
        ("redacted", "docs/incident.md", "The leaked key was AKIA****************WXYZ and has been rotated."),
    ]


# -- the build -------------------------------------------------------------------------

def _plant_path(spec: Spec, service: str, placement: str, n: int) -> str:
    if placement in ("large",):
        return f"data/{service}/export_{n}.csv"
    if placement == "minified":
        return f"web/{service}/vendor.bundle.{n}.js"
    if placement in ("base64", "percent"):
        return f"deploy/{service}/encoded_{n}.yaml"
    name = spec.filename
    if spec.path:  # keep a name the rule's path accepts
        return f"{service}/{name}"
    base = name.rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    unique = f"{stem}_{n}.{ext}" if dot and stem else f"{base}_{n}"
    return f"services/{service}/{unique}"


def corpus_specs(small: bool = False) -> list[Spec]:
    """The rules planted: all, or for the small corpus every fifth rule plus
    every rule whose secret the encoded placements can carry, so each
    placement still gets a plant however the catalog grows."""
    if not small:
        return list(SPECS)
    return [s for n, s in enumerate(SPECS) if n % 5 == 0 or any(
        s.gen(Fake(0)).startswith(x) for x in _ENCODABLE_PREFIXES)]


def build(out: Path, seed: int = 7, *, small: bool = False) -> Labels:
    """Build ``out/repo`` and ``out/labels.json``; returns the labels."""
    fake = Fake(f"corpus:{seed}")
    repo = _Repo(out / "repo")
    labels = Labels(seed=seed)
    large_size = 300_000 if small else 3_000_000
    specs = corpus_specs(small)

    base_files = {"README.md": "# corp monorepo\n\nServices for billing, auth and search.\n",
                  "requirements.txt": "flask==3.0.0\nrequests==2.31.0\n",
                  "app/main.py": _python_module(fake, "main")}
    for kind, path, text in _decoys(fake):
        base_files[path] = text + "\n"
        labels.decoys.append(Decoy(kind, path, text))
    repo.commit("Initial import of the monorepo", base_files)

    # Assign placements round-robin among those a rule can take.
    by_placement: dict[str, list[tuple[Spec, str, str, Plant]]] = {p: [] for p in PLACEMENTS}
    for n, spec in enumerate(specs):
        options = [p for p in PLACEMENTS if not (spec.path and p in _WRAPPING)]
        if not any(spec.gen(Fake(0)).startswith(x) for x in _ENCODABLE_PREFIXES):
            options = [p for p in options if p not in ("base64", "percent")]
        # The least used placement this rule can take: every placement gets
        # its share, the rare ones (encodings) included.
        placement = min(options, key=lambda p: (len(by_placement[p]), PLACEMENTS.index(p)))
        service = SERVICES[n % len(SERVICES)]
        text, secret = spec.render(fake)
        path = _plant_path(spec, service, placement, n)
        plant = Plant(f"p{n:03d}", spec.id, spec.file, placement, [path], secret)
        if placement == "base64":
            encoded = base64.b64encode(text.encode()).decode()
            plant.encoded, text = encoded, f"config_blob: {encoded}"
        elif placement == "percent":
            encoded = urllib.parse.quote(text, safe="")
            plant.encoded, text = encoded, f"callback: https://hooks.corp.test/cb?cfg={encoded}"
        by_placement[placement].append((spec, path, text, plant))
        labels.plants.append(plant)

    def content(path: str, text: str, placement: str) -> str:
        if placement == "large":
            return _large(fake, text, large_size)
        if placement == "minified":
            return _minified(fake, text)
        return _wrap(fake, path, text)

    # head, history (later overwritten), deleted, renamed: on main
    for placement in ("head", "deleted", "renamed", "history", "base64", "percent", "large", "minified"):
        items = by_placement[placement]
        if not items:
            continue
        repo.commit(f"Add {placement} configuration for services",
                    {path: content(path, text, placement) for _, path, text, _ in items})
    if by_placement["deleted"]:
        for _, path, _, _ in by_placement["deleted"]:
            (repo.path / path).unlink()
        repo.commit("Remove credentials that should not be in git")
    if by_placement["history"]:
        repo.commit("Move settings to the environment",
                    {path: _wrap(fake, path, "# settings come from the environment now")
                     for _, path, _, _ in by_placement["history"]})
    for _, path, _, plant in by_placement["renamed"]:
        new = path.replace("services/", "services/legacy/", 1)
        (repo.path / new).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", path, new)
        plant.paths.append(new)
    if by_placement["renamed"]:
        repo.commit("Move old service configs under legacy/")

    # An unmerged branch.
    if by_placement["branch"]:
        repo.git("checkout", "-q", "-b", "feature/wip-integrations")
        repo.commit("WIP integrations", {p: _wrap(fake, p, t) for _, p, t, _ in by_placement["branch"]})
        repo.git("checkout", "-q", "main")
    # Only reachable through a tag.
    if by_placement["tag"]:
        repo.git("checkout", "-q", "-b", "release-tmp")
        repo.commit("Release configuration", {p: _wrap(fake, p, t) for _, p, t, _ in by_placement["tag"]})
        repo.git("tag", "-a", "v1.4.0", "-m", "release 1.4.0")
        repo.git("checkout", "-q", "main")
        repo.git("branch", "-q", "-D", "release-tmp")
    # Added while resolving a merge (an "evil merge": no parent has the file).
    if by_placement["merge"]:
        repo.git("checkout", "-q", "-b", "topic/refactor")
        repo.commit("Refactor main", {"app/main.py": _python_module(fake, "refactored")})
        repo.git("checkout", "-q", "main")
        repo.commit("Touch README", {"README.md": "# corp monorepo\n\nNow with more services.\n"})
        repo.clock += 3600
        repo.git("merge", "-q", "--no-commit", "--no-ff", "topic/refactor")
        for _, p, t, _ in by_placement["merge"]:
            repo.write(p, _wrap(fake, p, t))
        repo.git("add", "-A")
        repo.git("commit", "-q", "--no-edit")
    repo.commit("Tidy up", {"CHANGELOG.md": "## 1.5.0\n- more services\n"})
    # Only in the stash.
    if by_placement["stash"]:
        for _, p, t, _ in by_placement["stash"]:
            repo.write(p, _wrap(fake, p, t))
        repo.git("add", "-A")
        repo.git("stash", "push", "-q", "-m", "local credentials, do not commit")

    (out / "labels.json").write_text(json.dumps(asdict(labels), indent=1, sort_keys=True) + "\n")
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--small", action="store_true", help="a fifth of the rules, small large-file")
    args = parser.parse_args(argv)
    if (args.out / "repo").exists():
        parser.error(f"{args.out / 'repo'} already exists")
    labels = build(args.out, args.seed, small=args.small)
    print(f"{args.out / 'repo'}: {len(labels.plants)} planted secrets, {len(labels.decoys)} decoys")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
