"""The generic-credentials set: passwords and keys that only their place identifies.

``python -m corpus.generic OUT`` writes ``OUT/repo`` (one commit) and
``OUT/labels.json``: every line that holds a planted credential (a made-up
value: half of the passwords typed the way people type them, word + digits +
symbol; the rest random tokens, base64 keys and hex secrets) and every decoy
line, where a scanner must stay quiet: the value-rejection kinds (references
and templates, placeholders, empty and null values, booleans and numbers,
paths, URLs without credentials, identifiers, labels), names that only look
like credential names, and digests.

Each credential stands in one syntax (YAML, .env, INI, properties, TOML,
JSON, XML, HCL, PHP, code in six languages, command-line flags, connection
strings and URLs, SQL, Kubernetes Secrets), so a score per syntax says where
a scanner is blind. Scoring is by line (``score``), the unit every scanner
reports.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.fakegen import B62, HEX, Fake

# Words people build passwords from; none is a placeholder word.
_WORDS = ["summer", "dragon", "falcon", "harbor", "maple", "rocket", "violet", "winter", "coffee",
          "silver", "garden", "river", "tiger", "autumn", "meadow", "copper", "orchid", "thunder",
          "pepper", "spruce", "canyon", "lagoon", "marble", "sierra", "willow", "zephyr"]
_SYMBOLS = "!@#%&*?+"


def human_password(f: Fake) -> str:
    """A password a person typed: word + digits + symbol, in some order."""
    word = f.rng.choice(_WORDS)
    word = word.capitalize() if f.rng.random() < 0.7 else word
    digits = str(f.rng.randint(1, 9999)).zfill(f.rng.choice([2, 3, 4]))
    sym = f.rng.choice(_SYMBOLS)
    return f.rng.choice([word + digits + sym, word + sym + digits, sym + word + digits,
                         word + digits, word.upper()[:1] + word[1:] + sym + sym + digits])


@dataclass
class Line:
    path: str
    line: int
    syntax: str
    kind: str  # "human", "token" (positives) or the decoy kind
    positive: bool
    secret: str = ""


# (path, syntax, template, value kind): value kinds "human" (a typed
# password), "token" (random), "b64" (base64 key), "hex" (32+ hex under a
# secret name), "k8s" (base64 of a password in a Secret's data).
POSITIVES: list[tuple[str, str, str, str]] = [
    ("config/app.yaml", "yaml", "  password: {v}", "human"),
    ("config/app.yaml", "yaml", '  api_key: "{v}"', "token"),
    ("config/app.yaml", "yaml", "    smtp_password: '{v}'", "human"),
    ("helm/values.yaml", "yaml", "partner:\n  api_key: {v}          # Helm values, unquoted", "token"),
    ("deploy/.env.production", "env", "DB_PASSWORD={v}", "human"),
    ("deploy/.env.production", "env", "MAIL_PASSWORD={v}", "human"),
    ("deploy/.env.production", "env", "STRIPE_WEBHOOK_SECRET={v}", "token"),
    ("scripts/deploy.sh", "shell", "export MAIL_PASSWORD='{v}'", "human"),
    ("scripts/deploy.sh", "shell", 'export DEPLOY_TOKEN="{v}"', "token"),
    ("config/db.ini", "ini", "password = {v}", "human"),
    ("config/db.ini", "ini", "secret_key = {v}", "hex"),
    ("mysql/.my.cnf", "cnf", "password={v}", "human"),
    ("src/main/resources/application.properties", "properties", "db.password={v}", "human"),
    ("src/main/resources/application.properties", "properties", "jwt.signing.key={v}", "b64"),
    ("config/service.toml", "toml", 'password = "{v}"', "human"),
    ("config/service.toml", "toml", 'access_token = "{v}"', "token"),
    ("config/settings.json", "json", '  "password": "{v}",', "human"),
    ("config/settings.json", "json", '  "clientSecret": "{v}",', "token"),
    ("conf/server.xml", "xml", "    <password>{v}</password>", "human"),
    ("conf/server.xml", "xml", '    <Resource name="jdbc/app" username="app" password="{v}"/>', "human"),
    ("web/Web.config", "xml", '    <add key="SmtpPassword" value="{v}" />', "human"),
    ("web/Web.config", "xml", '    <add key="StorageAccountKey" value="{v}" />', "b64"),
    ("infra/main.tf", "hcl", '  password                = "{v}"', "human"),
    ("infra/main.tf", "hcl", '  master_password = "{v}"', "human"),
    ("infra/main.tf", "hcl", '  client_secret        = "{v}"', "token"),
    ("web/config.php", "php", "define('MAIL_PASS', '{v}');", "human"),
    ("web/config.php", "php", "$dbpasswd = '{v}';", "human"),
    ("web/config.php", "php", "    'api_secret' => '{v}',", "token"),
    ("app/settings.py", "python", 'DB_PASSWORD = "{v}"', "human"),
    ("app/settings.py", "python", "conn = connect(host='db', user='app', password='{v}')", "human"),
    ("app/settings.py", "python", 'SENDGRID_API_KEY = "{v}"', "token"),
    ("web/src/config.js", "javascript", "const apiSecret = '{v}';", "token"),
    ("web/src/config.js", "javascript", "  password: '{v}',", "human"),
    ("cmd/server/main.go", "go", '\tpassword := "{v}"', "human"),
    ("cmd/server/main.go", "go", '\tconst authToken = "{v}"', "token"),
    ("src/main/java/Db.java", "java", '    private static final String DB_PASS = "{v}";', "human"),
    ("src/main/java/Db.java", "java", '    String secretKey = "{v}";', "hex"),
    ("src/Api/Settings.cs", "csharp", '        var adminPassword = @"{v}";', "human"),
    ("src/Api/Settings.cs", "csharp", '        public const string ApiKey = "{v}";', "token"),
    ("ops/setup.ps1", "powershell", '$Password = ConvertTo-SecureString "{v}" -AsPlainText -Force', "human"),
    ("ops/setup.ps1", "powershell", '$env:API_TOKEN = "{v}"', "token"),
    ("ops/backup.sh", "cli", "mysqldump -u root -p'{v}' shop > shop.sql", "human"),
    ("ops/backup.sh", "cli", "mysql -h db -u admin -p{v} prod", "human"),
    ("ops/backup.sh", "cli", "pg_dumpall --username admin --password {v}", "human"),
    ("ops/backup.sh", "cli", "docker login -u ci -p {v} registry.corp.example", "token"),
    ("ops/backup.sh", "cli", "curl -u deploy:{v} https://nexus.corp.example/repo", "human"),
    ("ops/backup.sh", "cli", 'az storage blob download --account-name dr --account-key "{v}" -c b -n x', "b64"),
    ("ops/backup.sh", "cli", "vault login --token={v}", "token"),
    ("config/pgbouncer.ini", "dsn", "tidewater = host=db.internal port=5432 dbname=t user=admin password={v}",
     "human"),
    ("config/appsettings.json", "dsn",
     '  "Default": "Server=tcp:sql.corp.example,1433;Database=app;User Id=app;Password={v};"', "human"),
    ("config/jdbc.properties", "dsn", "url=jdbc:mysql://db:3306/app?user=app&password={v}&useSSL=true", "human"),
    ("config/database.yml", "url", "  url: postgres://app:{v}@db.corp.example:5432/app", "human"),
    ("config/celery.py", "url", 'BROKER_URL = "amqp://svc:{v}@mq.corp.example:5672/prod"', "token"),
    ("config/mongo.env", "url", "MONGO_URI=mongodb+srv://admin:{v}@cluster0.corp.example/app", "human"),
    ("db/migrations/001_users.sql", "sql", "CREATE USER 'report'@'%' IDENTIFIED BY '{v}';", "human"),
    ("db/migrations/001_users.sql", "sql", "ALTER ROLE app WITH PASSWORD '{v}';", "human"),
    ("db/migrations/001_users.sql", "sql", "CREATE LOGIN etl WITH PASSWORD = '{v}';", "human"),
    ("k8s/secret.yaml", "k8s",
     "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  DB_PASS: {v}", "k8s"),
    ("k8s/secret-string.yaml", "k8s",
     "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\nstringData:\n  api-token: {v}", "token"),
    ("k8s/secret-string.yaml", "k8s", "  admin-password: {v}", "human"),
    ("ansible/group_vars/all.yml", "yaml", "db_admin_pass: {v}", "human"),
    ("config/redis.conf", "conf", "masterauth {v}", "token"),
    ("config/app.yaml", "yaml", "  encryption_key: {v}", "b64"),
    ("config/app.yaml", "yaml", "  credentials: {v}", "token"),
]

# (path, kind, line): nothing on these lines is a credential.
DECOYS: list[tuple[str, str, str]] = [
    ("config/app.yaml", "reference", "  password: ${DB_PASSWORD}"),
    ("config/app.yaml", "reference", "  api_key: $API_KEY"),
    ("helm/values.yaml", "template", '  password: "{{ .Values.db.password }}"'),
    ("helm/values.yaml", "template", "  api_key: {{ required \"apiKey\" .Values.apiKey }}"),
    ("infra/main.tf", "reference", "  password = var.db_password"),
    ("infra/main.tf", "reference", "  master_password = random_password.db.result"),
    ("infra/main.tf", "reference", '  password = data.vault_generic_secret.db.data["password"]'),
    ("app/settings.py", "reference", 'DB_PASSWORD = os.environ["DB_PASSWORD"]'),
    ("app/settings.py", "reference", "SECRET_KEY = os.getenv('SECRET_KEY')"),
    ("app/settings.py", "reference", "password = getpass.getpass()"),
    ("web/src/config.js", "reference", "const apiKey = process.env.API_KEY;"),
    ("ansible/group_vars/all.yml", "reference", "db_password: !vault |"),
    ("db/setup.sql", "reference", "ALTER ROLE app WITH PASSWORD :'psql_password';"),
    ("ops/setup.ps1", "reference", '$Password = Read-Host -AsSecureString "Password"'),
    ("config/app.yaml", "placeholder", "  password: changeme"),
    ("config/app.yaml", "placeholder", '  api_key: "<your-key>"'),
    ("config/db.ini", "placeholder", "password = REPLACE_ME"),
    ("config/db.ini", "placeholder", "secret = xxx"),
    ("config/settings.json", "placeholder", '  "password": "***",'),
    ("deploy/.env.example", "placeholder", "DB_PASSWORD=your_password_here"),
    ("config/service.toml", "placeholder", 'token = "TODO"'),
    ("config/service.toml", "placeholder", 'api_key = "xxxxxxxxxxxxxxxxxxxxxxxx"'),
    ("conf/server.xml", "placeholder", "    <password>********</password>"),
    ("web/config.php", "placeholder", "define('DB_PASSWORD', 'password_here');"),
    ("config/app.yaml", "empty", "  password:"),
    ("config/app.yaml", "empty", '  api_key: ""'),
    ("config/settings.json", "empty", '  "password": null,'),
    ("deploy/.env.production", "empty", "SMTP_PASSWORD="),
    ("config/service.toml", "empty", "secret = ''"),
    ("config/app.yaml", "boolean", "  password: true"),
    ("config/app.yaml", "boolean", "  require_token: false"),
    ("config/app.yaml", "number", "  password_reset_timeout: 3600"),
    ("config/app.yaml", "number", "  token: 12345678"),
    ("deploy/.env.production", "number", "PASSWORD_MIN_LENGTH=12"),
    ("config/app.yaml", "path", "  password_file: /run/secrets/db_password"),
    ("config/app.yaml", "path", "  private_key: ~/.ssh/id_ed25519"),
    ("config/db.ini", "path", "secret = /etc/app/secret.key"),
    ("config/settings.json", "path", '  "credentials": "./secrets/service-account.json",'),
    ("config/app.yaml", "url", "  token_url: https://auth.corp.example/oauth/token"),
    ("config/app.yaml", "url", "  secret: https://vault.corp.example/v1/secret/data/db"),
    ("config/database.yml", "url", "  url: postgres://db.corp.example:5432/app"),
    ("config/app.yaml", "identifier", "  secret_name: prod-db-password"),
    ("config/app.yaml", "identifier", "  password: DB_PASSWORD_SECRET_NAME"),
    ("web/src/config.js", "identifier", "const apiKeyHeader = 'X-Api-Key';"),
    ("web/src/form.js", "identifier", "  passwordField: 'passwordConfirmation',"),
    ("web/src/form.js", "identifier", "  tokenType: 'Bearer',"),
    ("src/main/java/Db.java", "identifier", '    String password = user.getPassword();'),
    ("locales/en.yml", "label", '  password: "Enter your password"'),
    ("locales/fr.yml", "label", '  password: "Mot de passe"'),
    ("locales/en.json", "label", '  "forgot_password": "Forgot your password?",'),
    ("config/app.yaml", "lookalike", "  private_key_path: /etc/ssl/private/app.key"),
    ("config/app.yaml", "lookalike", "  password_policy: strong"),
    ("web/src/config.js", "lookalike", "const tokenEndpoint = 'https://auth.corp.example/token';"),
    ("config/app.yaml", "digest", "  sha256: {hex64}"),
    ("config/app.yaml", "digest", "  checksum: {hex40}"),
    ("package-lock.json", "digest", '      "integrity": "sha512-{b64_88}",'),
    ("SHA256SUMS", "digest", "{hex64}  leakwarden-1.0.tar.gz"),
    ("go.sum", "digest", "example.com/mod v1.2.3 h1:{b64_44}"),
    ("vendor.lock", "digest", "secret_key_hash = \"{hex64}\""),
    ("config/app.yaml", "sequence", "  password: abcdefgh"),
    ("config/app.yaml", "sequence", "  api_key: 1234567890abcdef"),
    ("config/app.yaml", "placeholder", "  secret: example-secret-value"),
    ("ops/backup.sh", "reference", 'mysql -u root -p"$MYSQL_PASSWORD" shop'),
    ("ops/backup.sh", "reference", "docker login -u ci -p $CI_REGISTRY_PASSWORD registry.corp.example"),
]


def _value(f: Fake, kind: str) -> tuple[str, str]:
    """(text written in the file, the credential it stands for)."""
    if kind == "human":
        v = human_password(f)
        return v, v
    if kind == "token":
        v = f.pick(B62, f.rng.choice([24, 32, 40]))
        return v, v
    if kind == "b64":
        v = f.b64(64)
        return v, v
    if kind == "hex":
        v = f.pick(HEX, f.rng.choice([32, 40, 64]))
        return v, v
    if kind == "k8s":
        v = human_password(f)
        return base64.b64encode(v.encode()).decode(), v
    raise ValueError(kind)


def build(out: Path, seed: int = 5) -> dict:
    """Write ``out/repo`` (one commit) and ``out/labels.json``; return the labels."""
    fake = Fake(f"generic:{seed}")
    files: dict[str, list[str]] = {}
    entries: list[Line] = []

    def add(path: str, text: str, line: Line) -> None:
        lines = files.setdefault(path, [])
        lines.extend(text.split("\n"))
        line.path, line.line = path, len(lines)
        entries.append(line)

    for path, syntax, template, kind in POSITIVES:
        written, secret = _value(fake, kind)
        add(path, template.replace("{v}", written), Line(path, 0, syntax, "token" if kind != "human" and kind != "k8s"
                                                   else "human", True, secret))
    fills = {"hex64": fake.pick(HEX, 64), "hex40": fake.pick(HEX, 40), "b64_88": fake.b64(64),
             "b64_44": fake.b64(32)}
    for path, kind, text in DECOYS:
        for name, fill in fills.items():
            text = text.replace("{" + name + "}", fill)
        add(path, text, Line(path, 0, kind, kind, False))
    repo = out / "repo"
    repo.mkdir(parents=True)
    for path, lines in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"GIT_AUTHOR_DATE": "1650000000 +0000", "GIT_COMMITTER_DATE": "1650000000 +0000",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=Gen", "-c", "user.email=gen@corp.test", "commit", "-q", "-m", "configs"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    labels = {"seed": seed, "lines": [asdict(e) for e in entries]}
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    return labels


@dataclass
class GenericScore:
    tool: str
    positives: int
    found: int
    human: tuple[int, int]  # found, planted
    decoys: int
    decoys_hit: int
    missed: list[str]
    decoy_hits: list[str]

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 0.0


def score(labels: dict, reported: set[tuple[str, int]], tool: str) -> GenericScore:
    """By line: a positive counts when the tool reports its line (a Kubernetes
    Secret's value may be reported on the line of the encoded value), a decoy
    is hit when the tool reports its line."""
    pos = [e for e in labels["lines"] if e["positive"]]
    dec = [e for e in labels["lines"] if not e["positive"]]
    found = [e for e in pos if (e["path"], e["line"]) in reported]
    human = [e for e in pos if e["kind"] == "human"]
    hit = [e for e in dec if (e["path"], e["line"]) in reported]
    return GenericScore(
        tool=tool, positives=len(pos), found=len(found),
        human=(sum(1 for e in found if e["kind"] == "human"), len(human)),
        decoys=len(dec), decoys_hit=len(hit),
        missed=[f"{e['syntax']} {e['path']}:{e['line']}" for e in pos if e not in found],
        decoy_hits=[f"{e['kind']} {e['path']}:{e['line']}" for e in hit])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    labels = build(args.out, args.seed)
    pos = sum(1 for e in labels["lines"] if e["positive"])
    print(f"{pos} credential lines, {len(labels['lines']) - pos} decoy lines in {args.out / 'repo'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
