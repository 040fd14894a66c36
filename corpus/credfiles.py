"""A leaky-home-directory case set: credential files by their format.

Modelled on the public ``leaky-repo`` idea (a repository of the files people
commit from their home directories and servers), with every value made up
here. ``build(out)`` writes ``out/repo`` (one commit) and ``out/risky.json``:
for each file, the line numbers that hold a credential. A scanner is scored
on the share of risky lines on which it reports something (``score_lines``).
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

from corpus.evaluate import TOOLS, _relative
from corpus.fakegen import B32U, B62, B64, HEX, HEXU, LOWER_ALNUM, Fake

RISK = "\0RISK\0"  # marks a risky line while files are assembled; stripped before writing


def _files(f: Fake) -> dict[str, str]:
    def pw() -> str:
        return f.password()

    def r(line: str) -> str:
        return RISK + line

    akia = "AKIA" + f.pick(B32U, 16)
    return {
        ".netrc": "\n".join([
            "machine api.heroku.com", "  login ops@corp.test", r(f"  password {f.uuid()}"),
            "machine git.corp.test", "  login deploy", r(f"  password {pw()}"), ""]),
        ".pgpass": "\n".join([r(f"db.corp.test:5432:billing:billing_app:{pw()}"),
                              r(f"*:*:*:postgres:{pw()}"), ""]),
        ".git-credentials": "\n".join([r(f"https://deploy:{pw()}@git.corp.test"),
                                       r("https://ci-bot:" + f.crc_token("ghp_") + "@github.com"), ""]),
        ".npmrc": "\n".join(["registry=https://registry.npmjs.org/",
                             r("//registry.npmjs.org/:_authToken=" + f.crc_token("npm_")),
                             r(f"//npm.corp.test/:_authToken={f.uuid()}"), "always-auth=true", ""]),
        ".docker/config.json": json.dumps({"auths": {
            "registry.corp.test": {"auth": "@@A1@@"},
            "https://index.docker.io/v1/": {"auth": "@@A2@@"}}}, indent=2).replace(
            '"auth": "@@A1@@"', RISK + '"auth": "' + base64.b64encode(f"ci:{pw()}".encode()).decode() + '"').replace(
            '"auth": "@@A2@@"', RISK + '"auth": "' + base64.b64encode(f"corpdev:{pw()}".encode()).decode() + '"') + "\n",
        ".dockercfg": json.dumps({"quay.io": {"auth": "@@A@@", "email": "ops@corp.test"}}, indent=2).replace(
            '"auth": "@@A@@"', RISK + '"auth": "' + base64.b64encode(f"robot:{pw()}".encode()).decode() + '"') + "\n",
        ".s3cfg": "\n".join(["[default]", r(f"access_key = {akia}"), r(f"secret_key = {f.pick(B64, 40)}"),
                             "host_base = s3.amazonaws.com", ""]),
        "filezilla/sitemanager.xml": "\n".join([
            '<?xml version="1.0" encoding="UTF-8"?>', "<FileZilla3>", "  <Servers>", "    <Server>",
            "      <Host>ftp.corp.test</Host>", "      <User>webmaster</User>",
            r('      <Pass encoding="base64">' + base64.b64encode(pw().encode()).decode() + "</Pass>"),
            "    </Server>", "  </Servers>", "</FileZilla3>", ""]),
        "filezilla/recentservers.xml": "\n".join([
            "<FileZilla3>", "  <RecentServers>", "    <Server>", "      <Host>10.0.0.5</Host>",
            r(f"      <Pass>{pw()}</Pass>"), "    </Server>", "  </RecentServers>", "</FileZilla3>", ""]),
        "WinSCP.ini": "\n".join(["[Sessions\\deploy@web01]", "HostName=web01.corp.test", "UserName=deploy",
                                 r("Password=A35C" + f.pick(HEXU, 56)), ""]),
        "wp-config.php": "\n".join([
            "<?php", "define( 'DB_NAME', 'wordpress' );", "define( 'DB_USER', 'wp' );",
            r(f"define( 'DB_PASSWORD', '{pw()}' );"), "define( 'DB_HOST', 'localhost' );",
            r("define( 'AUTH_KEY', '" + f.pick(B62, 40) + "!@#" + f.pick(B62, 20) + "' );"), ""]),
        ".htpasswd": "\n".join([r(f"admin:$apr1${f.pick(B62, 8)}${f.pick(B62, 22)}"),
                                r(f"ops:{{SHA}}{f.pick(B64, 27)}="), ""]),
        "etc/shadow": "\n".join(["daemon:*:19000:0:99999:7:::",
                                 r(f"root:$6${f.pick(B62, 16)}${f.pick(B62, 86)}:19500:0:99999:7:::"),
                                 r(f"deploy:$y$j9T${f.pick(B62, 22)}${f.pick(B62, 43)}:19600:0:99999:7:::"), ""]),
        # The private part is the secret (the header's comment is free text).
        "keys/putty.ppk": "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: ops@laptop\nPublic-Lines: 2\n"
        + f.pick(B64, 64) + "\n" + f.pick(B64, 40) + "\nKey-Derivation: Argon2id\nPrivate-Lines: 4\n" + RISK
        + "\n".join(f.pick(B64, 64) for _ in range(4)) + f"\nPrivate-MAC: {f.pick(HEX, 64)}\n",
        "config/master.key": r(f.pick(HEX, 32)) + "\n",
        "config/secrets.yml": "\n".join(["production:", r(f"  secret_key_base: {f.pick(HEX, 128)}"), ""]),
        ".kube/config": "\n".join([
            "apiVersion: v1", "kind: Config", "users:", "- name: deployer", "  user:",
            r("    token: " + f.jwt({"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ci:deployer"})),
            "- name: admin", "  user:",
            r("    client-key-data: " + base64.b64encode((f.pem("RSA PRIVATE KEY", 10) + "\n").encode()).decode()),
            ""]),
        "infra/terraform.tfstate": "\n".join([
            "{", '  "version": 4,', '  "resources": [', "    {", '      "type": "aws_db_instance",',
            '      "instances": [', "        {", '          "attributes": {',
            r(f'            "password": "{pw()}",'), '            "username": "admin"', "          }",
            "        }", "      ]", "    }", "  ]", "}", ""]),
        ".ssh/id_rsa": RISK + f.pem("OPENSSH PRIVATE KEY", 12) + "\n",
        "misc-keys/cert-key.pem": RISK + f.pem("PRIVATE KEY", 10) + "\n",
        ".bash_profile": "\n".join([
            'export PATH="$HOME/bin:$PATH"', r(f"export AWS_ACCESS_KEY_ID={'ASIA' + f.pick(B32U, 16)}"),
            r(f"export AWS_SECRET_ACCESS_KEY={f.pick(B64, 40)}"), r(f"export DATABASE_PASSWORD={pw()}"),
            r("export GITHUB_TOKEN=" + f.crc_token("ghp_")), ""]),
        ".env": "\n".join(["APP_ENV=production", r(f"DB_PASSWORD={pw()}"),
                           r("STRIPE_SECRET_KEY=sk_live_" + f.pick(B62, 24)), r(f"SESSION_SECRET={f.pick(B62, 32)}"), ""]),
        "db/robomongo.json": json.dumps({"connections": [{"serverHost": "mongo.corp.test", "userName": "admin",
                                                          "userPassword": "@@P@@"}]}, indent=2).replace(
            '"userPassword": "@@P@@"', RISK + f'"userPassword": "{pw()}"') + "\n",
        "db/mongoid.yml": "\n".join(["production:", "  clients:", "    default:", "      database: app",
                                     "      options:", "        user: app", r(f"        password: {pw()}"), ""]),
        "sftp-config.json": "\n".join(["{", '  "type": "sftp",', '  "host": "web01.corp.test",',
                                       '  "user": "deploy",', r(f'  "password": "{pw()}",'), "}", ""]),
        ".ftpconfig": "\n".join(["{", '  "protocol": "ftp",', '  "host": "ftp.corp.test",',
                                 '  "user": "web",', r(f'  "pass": "{pw()}"'), "}", ""]),
        ".remote-sync.json": "\n".join(["{", '  "transport": "scp",', '  "hostname": "10.0.0.7",',
                                        '  "username": "deploy",', r(f'  "password": "{pw()}"'), "}", ""]),
        ".config/hub": "\n".join(["github.com:", "- user: octo-ops", r("  oauth_token: " + f.crc_token("gho_")),
                                  "  protocol: https", ""]),
        ".my.cnf": "\n".join(["[client]", "user=root", r(f"password={pw()}"), ""]),
        ".pypirc": "\n".join(["[pypi]", "username = __token__",
                              r("password = pypi-AgEIcHlwaS5vcmc" + f.pick(B62, 70)), ""]),
        ".gem/credentials": "\n".join(["---", r(f":rubygems_api_key: rubygems_{f.pick(HEX, 48)}"), ""]),
        "web/config.php": "\n".join(["<?php", "$db_host = 'localhost';", "$db_user = 'shop';",
                                     r(f"$db_password = '{pw()}';"), ""]),
        "ventrilo_srv.ini": "\n".join(["[Server]", "Name=corp", r(f"Password={pw()}"), r(f"AdminPassword={pw()}"), ""]),
        "cloud/.credentials": "\n".join(["[default]", r(f"aws_access_key_id = {'AKIA' + f.pick(B32U, 16)}"),
                                         r(f"aws_secret_access_key = {f.pick(B64, 40)}"), ""]),
        "deploy/settings.xml": "\n".join(["<settings>", "  <servers>", "    <server>", "      <id>corp</id>",
                                          "      <username>deployer</username>",
                                          r(f"      <password>{pw()}</password>"), "    </server>",
                                          "  </servers>", "</settings>", ""]),
        "proftpdpasswd": r(f"webuser:$1${f.pick(LOWER_ALNUM, 8)}${f.pick(B62, 22)}:1001:1001::/var/www:/bin/false") + "\n",
    }


def build(out: Path, seed: int = 11) -> dict[str, list[int]]:
    """Write ``out/repo`` (one commit) and ``out/risky.json``; return path -> risky lines."""
    fake = Fake(f"credfiles:{seed}")
    repo = out / "repo"
    repo.mkdir(parents=True)
    risky: dict[str, list[int]] = {}
    for rel, text in _files(fake).items():
        lines = text.split("\n")
        risky[rel] = [i + 1 for i, line in enumerate(lines) if line.startswith(RISK)]
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace(RISK, ""), encoding="utf-8")
    env = {"GIT_AUTHOR_DATE": "1650000000 +0000", "GIT_COMMITTER_DATE": "1650000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=Leaky", "-c", "user.email=leaky@corp.test", "commit", "-q", "-m",
                  "dotfiles backup"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    (out / "risky.json").write_text(json.dumps(risky, indent=1, sort_keys=True) + "\n")
    return risky


def reported_lines(report: Path, tool: str) -> set[tuple[str, int]]:
    """(path, line) of every finding in a scanner's JSON report."""
    if tool not in TOOLS:
        raise ValueError(tool)
    data: Any = json.loads(report.read_text(encoding="utf-8") or "[]")
    out: set[tuple[str, int]] = set()
    if tool == "leakwarden":
        for f in data.get("findings", []):
            for line in range(f["line"], f.get("end_line", f["line"]) + 1):
                out.add((f["path"], line))
    elif tool == "gitleaks":
        for f in data or []:
            for line in range(f["StartLine"], f.get("EndLine", f["StartLine"]) + 1):
                out.add((f["File"], line))
    elif tool == "betterleaks":
        for f in (data.get("findings", []) if isinstance(data, dict) else data) or []:
            loc = f.get("location") or {}
            for line in range(loc.get("start_line", 0), loc.get("end_line", loc.get("start_line", 0)) + 1):
                out.add((loc.get("path", ""), line))
    else:
        for f in data.get("findings", []):
            finding = f["finding"]
            path = ((finding.get("git_metadata") or {}).get("file") or {}).get("path") or finding.get("path")
            out.add((_relative(path), finding["line"]))
    return out


def score_lines(risky: dict[str, list[int]], reported: set[tuple[str, int]]) -> tuple[int, int, list[str]]:
    """(risky lines reported, risky lines, files with a missed line)."""
    total = sum(len(v) for v in risky.values())
    hit = 0
    missed: list[str] = []
    for path, lines in sorted(risky.items()):
        got = [ln for ln in lines if (path, ln) in reported]
        hit += len(got)
        if len(got) < len(lines):
            missed.append(f"{path} {len(got)}/{len(lines)}")
    return hit, total, missed
