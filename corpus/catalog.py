"""The rule catalog as code: one spec per rule gives its regex, keywords and a
generator of made-up secrets of the right shape.

``rules/*.toml`` are written from these specs by ``python -m corpus.catalog``
(the examples in them are generated, never pasted), and the corpus generator
plants secrets from the same generators, so a rule and its test data cannot
drift apart. The TOML files stay the source a user reads and extends.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from corpus.fakegen import (
    B32L,
    B32U,
    B62,
    B64,
    B64URL,
    DIGITS,
    HEX,
    HEXU,
    LETTERS,
    LOWER_ALNUM,
    UPPER_ALNUM,
    Alphabet,
    Fake,
)
from corpus.spec import (
    ASSIGN,
    SPECS,
    UUID_RE,
    Spec,
    ctx,
    custom,
    token,
    word_gated,
)


def _uuid(f: Fake) -> str:
    return f.uuid()


def _b64_prefixed(prefix: str, plain: str, nbytes: int) -> Callable[[Fake], str]:
    def gen(f: Fake) -> str:
        raw = plain.encode() + bytes(f.rng.getrandbits(8) for _ in range(nbytes))
        return prefix + base64.b64encode(raw).decode().rstrip("=")
    return gen


# ---------------------------------------------------------------------------- aws
custom("aws-access-key-id", "aws", "AWS access key ID (long-term AKIA, temporary ASIA, ABIA/ACCA)",
       r"(?<![A-Z0-9])(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Z0-9])",
       ["akia", "asia", "abia", "acca"], lambda f: f.rng.choice(["AKIA", "ASIA"]) + f.pick(B32U, 16),
       ["aws_access_key_id = {s}", 'export AWS_ACCESS_KEY_ID="{s}"', '"AccessKeyId": "{s}",'],
       entropy=3.0, filename="deploy/aws.ini",
       negatives=["aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX",
                  "lower = akiacqtjkszprfk5cknc"])
custom("aws-secret-access-key", "aws", "AWS secret access key, next to a name that says so",
       r"""(?i)(?:aws|amazon|s3)?[\w.-]{0,20}?(?:secret[_.-]?(?:access[_.-]?)?key|secretaccesskey|secret_key)[\w.-]{0,10}["']?\s{0,5}(?:=|:|:=|=>|,)\s{0,5}[bru]?["'`]?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])""",
       ["secret"], lambda f: f.pick(B64, 40),
       ["aws_secret_access_key = {s}", 'AWS_SECRET_ACCESS_KEY="{s}"', '"SecretAccessKey": "{s}"'],
       entropy=4.0, severity="critical", filename="deploy/aws.ini",
       negatives=["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                  "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
                  "aws_secret_access_key = 0123456789012345678901234567890123456789"])
custom("aws-session-token", "aws", "AWS session token (temporary credentials that come with an ASIA key)",
       r"""(?i)(?:aws[_.-]?)?(?:session[_.-]?token|security[_.-]?token|sessiontoken)["']?\s{0,5}(?:=|:|:=|=>)\s{0,5}["'`]?(?P<secret>[A-Za-z0-9/+=]{100,2048})(?![A-Za-z0-9/+=])""",
       ["token"], lambda f: "FwoGZXIvYXdzE" + f.pick(B64, 160), ["aws_session_token = {s}", 'AWS_SESSION_TOKEN="{s}"'],
       entropy=4.5, filename="deploy/aws.ini",
       negatives=["aws_session_token = ${AWS_SESSION_TOKEN}", "session_token = null"])
custom("aws-ses-smtp-password", "aws", "Amazon SES SMTP password (derived from an IAM secret key)",
       r"""(?i:smtp[\w.-]{0,20}?pass(?:word)?|ses[\w.-]{0,20}?pass(?:word)?)["']?\s{0,5}(?:=|:|:=|=>)\s{0,5}["'`]?(?P<secret>B[A-Za-z0-9/+]{43})(?![A-Za-z0-9/+=])""",
       ["smtp", "ses"], lambda f: "B" + f.pick(B64, 43),
       ["SMTP_PASSWORD={s}", 'ses_smtp_password: "{s}"'], severity="critical", entropy=4.0,
       negatives=["SMTP_PASSWORD=${SES_SMTP_PASSWORD}"])
token("aws-mws-key", "aws", "Amazon Marketplace Web Service auth token",
      ["amzn.mws.", (HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)],
      severity="high")
token("aws-appsync-api-key", "aws", "AWS AppSync GraphQL API key",
      ["da2-", (LOWER_ALNUM, 26)], severity="medium", confidence="medium", entropy=3.5)
token("aws-bedrock-api-key", "aws", "Amazon Bedrock long-term API key",
      ["ABSKQmVkcm9ja0FQSUtleS", (B64, 100, 200)], after="A-Za-z0-9+/",
      gen=_b64_prefixed("ABSK", "BedrockAPIKey-" + "x" * 4, 90), severity="critical",
      keywords=["absk"])

# ---------------------------------------------------------------------------- google
token("gcp-api-key", "google", "Google API key", ["AIza", (B64URL, 35)], before="A-Za-z0-9_-",
      entropy=3.5, negatives=['maps_key = "AIzaXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"'],
      keywords=["aiza"])


def _sa_json(f: Fake) -> str:
    body = f.pem_body(10).replace("\n", "\\n")
    return f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"


custom("gcp-service-account-key", "google",
       "Google Cloud service-account key file (JSON with an embedded private key)",
       r'''"type"\s*:\s*"service_account"[\s\S]{0,800}?"private_key"\s*:\s*"(?P<secret>-----BEGIN (?:RSA )?PRIVATE KEY-----(?:\\n|\\r\\n)[A-Za-z0-9+/=\\rn]{64,}?-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"''',
       ["service_account"], _sa_json,
       ['{{"type": "service_account", "project_id": "billing-{host}", "private_key_id": "{kid}", '
        '"private_key": "{s}", "client_email": "deploy@billing.iam.gserviceaccount.com"}}'],
       extra=lambda f: {"kid": f.pick(HEX, 40)}, max_length=8192, severity="critical",
       filename="deploy/service-account.json",
       negatives=['{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}'])
token("gcp-oauth-client-secret", "google", "Google OAuth client secret", ["GOCSPX-", (B64URL, 28)],
      before="A-Za-z0-9_-", keywords=["gocspx-"])
token("google-oauth-access-token", "google", "Google OAuth access token", ["ya29.", (B64URL, 60, 160)],
      before="A-Za-z0-9_-", keywords=["ya29."], severity="medium")
token("google-oauth-refresh-token", "google", "Google OAuth refresh token", ["1//0", (B64URL, 60, 100)],
      before="A-Za-z0-9_/-", keywords=["1//0"], confidence="medium", entropy=4.0)
custom("firebase-fcm-server-key", "google", "Firebase Cloud Messaging legacy server key",
       r"(?<![A-Za-z0-9_-])(?P<secret>AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})(?![A-Za-z0-9_-])",
       ["apa91b"], lambda f: "AAAA" + f.pick(B64URL, 7) + ":APA91b" + f.pick(B64URL, 134),
       ['FCM_SERVER_KEY="{s}"'])

# ---------------------------------------------------------------------------- azure
custom("azure-storage-account-key", "azure", "Azure storage / Cosmos DB account key in a connection string",
       r"(?i:AccountKey)\s*=\s*(?P<secret>[A-Za-z0-9+/]{86}==)",
       ["accountkey"], lambda f: f.b64(64),
       ["AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=st{user};AccountKey={s};EndpointSuffix=core.windows.net",
        '"ConnectionString": "AccountEndpoint=https://{user}.documents.azure.com:443/;AccountKey={s};"'],
       severity="critical", entropy=4.5, filename="src/appsettings.json",
       negatives=["AccountKey=" + "A" * 86 + "=="])
custom("azure-storage-key-assignment", "azure", "Azure storage account key assigned to a named variable",
       r"""(?i:azure[\w.-]{0,20}?(?:storage|account)[\w.-]{0,10}?key)["']?\s{0,5}(?:=|:|:=|=>)\s{0,5}["'`]?(?P<secret>[A-Za-z0-9+/]{86}==)""",
       ["azure"], lambda f: f.b64(64), ['AZURE_STORAGE_KEY="{s}"', "azure_storage_account_key: {s}"],
       severity="critical", entropy=4.5)
custom("azure-shared-access-key", "azure", "Azure Service Bus / Event Hubs / IoT Hub shared access key",
       r"(?i:SharedAccessKey)\s*=\s*(?P<secret>[A-Za-z0-9+/]{43}=)",
       ["sharedaccesskey"], lambda f: f.b64(32),
       ["Endpoint=sb://{user}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={s}"],
       severity="critical", entropy=4.0)
custom("azure-sas-token", "azure", "Azure shared access signature (SAS) token with its signature",
       r"(?<![A-Za-z0-9])sv=\d{4}-\d\d-\d\d&[^\s\"'<>]{0,300}?sig=(?P<secret>[A-Za-z0-9%+/]{40,70}(?:%3D|=))",
       ["sig="], lambda f: f.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
       ["https://{user}.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2031-01-01T00:00:00Z&spr=https&sig={s}"],
       severity="high", confidence="high", entropy=4.0)
token("azure-ad-client-secret", "azure", "Microsoft Entra ID (Azure AD) application client secret",
      [(B64URL, 3), (DIGITS, 1), "Q~", (B64URL, 34)], before="A-Za-z0-9_~.-", after="A-Za-z0-9_~.-",
      keywords=["q~"], severity="critical", entropy=3.5,
      gen=lambda f: f.pick(B62, 3) + f.pick(DIGITS, 1) + "Q~" + f.pick(B62, 20) + f.rng.choice(".~_-") + f.pick(B62, 13),
      negatives=['AZURE_CLIENT_SECRET="abc1Q~xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'])
# Entra secrets are 37-40 characters of letters, digits and "_~.-" with
# "<digit>Q~" at the fourth character.
SPECS[-1].regex = r"(?<![A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])"
ctx("azure-devops-pat", "azure", "Azure DevOps personal access token (legacy 52-character format)",
    r"azure[\w.-]{0,10}?devops|\bado[_.-]|azdo|vsts|system[_.-]accesstoken",
    ["azure", "ado_", "ado-", "ado.", "azdo", "vsts", "accesstoken"], [(B32L, 52)], "AZURE_DEVOPS_PAT",
    confidence="high", entropy=4.0, severity="critical")
token("azure-devops-pat-v2", "azure", "Azure DevOps personal access token (84-character format)",
      [(B62, 76), "AZDO", (B62, 4)], keywords=["azdo"],
      gen=lambda f: f.pick(B62, 76) + "AZDO" + f.pick(B62, 4), severity="critical")
custom("azure-app-configuration-connection-string", "azure", "Azure App Configuration connection string secret",
       r"Endpoint=https://[A-Za-z0-9_-]+\.azconfig\.io;Id=[^;\s]{4,40};Secret=(?P<secret>[A-Za-z0-9+/]{43}=)",
       ["azconfig.io"], lambda f: f.b64(32),
       ["APPCONFIG=Endpoint=https://{user}.azconfig.io;Id=a1b2-l0-s0:{user};Secret={s}"])
ctx("azure-function-key", "azure", "Azure Functions access key", r"x-functions-key|functions?[_.-]key",
    ["functions-key", "function_key", "functions_key", "function-key", "function.key"],
    [(B64URL, 54), "=="], "AZURE_FUNCTION_KEY", entropy=4.0)
ctx("azure-cognitive-services-key", "azure", "Azure Cognitive Services / Azure OpenAI key",
    r"ocp-apim-subscription-key|azure[_.-]?openai[_.-]?(?:api[_.-]?)?key|cognitive[_.-]?services?[_.-]?key",
    ["ocp-apim", "openai", "cognitive"], [(HEX, 32)], "AZURE_OPENAI_API_KEY", entropy=3.2)
custom("azure-sql-connection-string", "azure", "Azure SQL / SQL Server connection string with a password",
       r"""(?i:Server|Data Source)\s*=\s*(?:tcp:)?[\w.-]+\.database\.windows\.net[^"'\n]{0,200}?(?i:Password|Pwd)\s*=\s*(?P<secret>[^;"'\s]{6,128})""",
       ["database.windows.net"], lambda f: f.password(),
       ["Server=tcp:{user}.database.windows.net,1433;Initial Catalog=app;User ID=app;Password={s};Encrypt=True;"],
       severity="critical", confidence="high")

# ---------------------------------------------------------------------------- cloud
token("digitalocean-pat", "cloud", "DigitalOcean personal access token", ["dop_v1_", (HEX, 64)])
token("digitalocean-oauth-token", "cloud", "DigitalOcean OAuth access token", ["doo_v1_", (HEX, 64)])
token("digitalocean-refresh-token", "cloud", "DigitalOcean OAuth refresh token", ["dor_v1_", (HEX, 64)])
ctx("heroku-api-key", "cloud", "Heroku API key (UUID next to a Heroku name)", r"heroku", ["heroku"],
    [(HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], "HEROKU_API_KEY",
    gen=_uuid, severity="high")
token("heroku-api-key-v2", "cloud", "Heroku platform API key (HRKU- format)", ["HRKU-AA", (B64URL, 58)],
      before="A-Za-z0-9_-", keywords=["hrku-aa"])
token("alibaba-access-key-id", "cloud", "Alibaba Cloud AccessKey ID", ["LTAI", (B62, 20)],
      keywords=["ltai"], entropy=3.5)
ctx("alibaba-access-key-secret", "cloud", "Alibaba Cloud AccessKey secret",
    r"alibaba|aliyun|access[_.-]?key[_.-]?secret", ["alibaba", "aliyun", "secret"], [(B62, 30)],
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET", confidence="high", entropy=4.0, severity="critical")
ctx("ibm-cloud-api-key", "cloud", "IBM Cloud IAM API key", r"ibm[\w.-]{0,10}?(?:api[_.-]?key|apikey|iam)",
    ["ibm"], [(B64URL, 44)], "IBM_CLOUD_API_KEY", entropy=4.0)
ctx("scaleway-secret-key", "cloud", "Scaleway secret key", r"scw[_.-]secret|scaleway", ["scw", "scaleway"],
    [(HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], "SCW_SECRET_KEY", gen=_uuid)
ctx("linode-token", "cloud", "Linode / Akamai cloud API token", r"linode", ["linode"], [(HEX, 64)],
    "LINODE_TOKEN", confidence="high")
token("tencent-secret-id", "cloud", "Tencent Cloud SecretId", ["AKID", (B62, 32)], keywords=["akid"],
      confidence="medium", entropy=4.0)
token("flyio-access-token", "cloud", "Fly.io access token", ["fo1_", (B64URL, 43)], before="A-Za-z0-9_-")
token("netlify-pat", "cloud", "Netlify personal access token", ["nfp_", (B62, 36)])
ctx("vercel-token", "cloud", "Vercel access token", r"vercel", ["vercel"], [(B62, 24)], "VERCEL_TOKEN",
    entropy=3.8)
token("render-api-key", "cloud", "Render API key", ["rnd_", (B62, 32)])
token("supabase-service-key", "cloud", "Supabase personal access token", ["sbp_", (HEX, 40)])
token("planetscale-token", "cloud", "PlanetScale service token", ["pscale_tkn_", (B64URL, 43)])
token("planetscale-password", "cloud", "PlanetScale database password", ["pscale_pw_", (B64URL, 43)])
token("oci-api-key-fingerprint-secret", "cloud", "Oracle Cloud customer secret key / auth token",
      ["ocid1.credential.oc1..", (LOWER_ALNUM, 60)], confidence="medium", severity="medium")

# ---------------------------------------------------------------------------- github
for _id, _prefix, _desc, _sev in [
    ("github-pat", "ghp_", "GitHub personal access token (classic)", "critical"),
    ("github-oauth-token", "gho_", "GitHub OAuth access token", "critical"),
    ("github-app-user-token", "ghu_", "GitHub App user-to-server token", "high"),
    ("github-app-installation-token", "ghs_", "GitHub App installation (server-to-server) token", "high"),
    ("github-refresh-token", "ghr_", "GitHub refresh token", "high"),
]:
    token(_id, "github", _desc, [_prefix, (B62, 36)], validate="github-crc32", severity=_sev,
          gen=lambda f, p=_prefix: f.crc_token(p),
          negatives=[f'GITHUB_TOKEN="{_prefix}{"x" * 36}"',
                     f'GITHUB_TOKEN="{_prefix}X5pgf5S2R3IaCL26HuSwvzQF8RAn7fyKgZEL"'])
token("github-fine-grained-pat", "github", "GitHub fine-grained personal access token",
      ["github_pat_", (B62, 22), "_", (B62, 59)], entropy=4.0, severity="critical")
custom("github-app-private-key", "github", "GitHub App private key file (downloaded .private-key.pem)",
       r"(?P<secret>-----BEGIN RSA PRIVATE KEY-----[\s\S]{64,8192}?-----END RSA PRIVATE KEY-----)",
       ["private key"], lambda f: f.pem("RSA PRIVATE KEY", 20), ["{s}"], validate="pem",
       path=r"(?i)\.\d{4}-\d\d-\d\d\.private-key\.pem$|github[\w.-]*app[\w.-]*\.pem$",
       filename="secrets/deploy-bot.2024-03-01.private-key.pem", severity="critical",
       max_length=8300)
ctx("github-oauth-client-secret", "github", "GitHub OAuth app client secret",
    r"github[\w.-]{0,20}?(?:client[_.-]?)?secret", ["github"], [(HEX, 40)], "GITHUB_CLIENT_SECRET",
    entropy=3.4)

# ---------------------------------------------------------------------------- gitlab
for _id, _parts, _desc in [
    ("gitlab-pat", ["glpat-", (B64URL, 20)], "GitLab personal, project or group access token"),
    ("gitlab-deploy-token", ["gldt-", (B64URL, 20)], "GitLab deploy token"),
    ("gitlab-runner-auth-token", ["glrt-", (B64URL, 20)], "GitLab runner authentication token"),
    ("gitlab-runner-registration-token", ["GR1348941", (B64URL, 20)], "GitLab runner registration token"),
    ("gitlab-pipeline-trigger-token", ["glptt-", (HEX, 40)], "GitLab pipeline trigger token"),
    ("gitlab-feed-token", ["glft-", (B64URL, 20)], "GitLab feed token"),
    ("gitlab-scim-token", ["glsoat-", (B64URL, 20)], "GitLab SCIM OAuth token"),
    ("gitlab-ci-job-token", ["glcbt-", (HEX, 1, 5), "_", (B64URL, 20)], "GitLab CI/CD job token"),
    ("gitlab-oauth-app-secret", ["gloas-", (B64URL, 64)], "GitLab OAuth application secret"),
    ("gitlab-incoming-mail-token", ["glimt-", (B64URL, 25)], "GitLab incoming mail token"),
    ("gitlab-agent-token", ["glagent-", (B64URL, 50)], "GitLab agent for Kubernetes token"),
    ("gitlab-feature-flag-client-token", ["glffct-", (B64URL, 20)], "GitLab feature flags client token"),
]:
    token(_id, "gitlab", _desc, _parts, before="A-Za-z0-9_-", entropy=3.0,
          severity="critical" if _id in ("gitlab-pat", "gitlab-runner-auth-token") else "high")

# ---------------------------------------------------------------------------- ci
token("bitbucket-app-password", "ci", "Bitbucket / Atlassian app password", ["ATBB", (B62, 28), (HEXU, 8)],
      severity="high")
token("bitbucket-repository-access-token", "ci", "Bitbucket repository/workspace access token",
      ["ATCTT3xFfGN0", (B64URL, 160, 200)], before="A-Za-z0-9_-", after="A-Za-z0-9_=-",
      keywords=["atctt3"])
ctx("bitbucket-client-secret", "ci", "Bitbucket OAuth consumer secret", r"bitbucket[\w.-]{0,20}?secret",
    ["bitbucket"], [(B62, 32)], "BITBUCKET_CLIENT_SECRET", entropy=3.8)
token("circleci-personal-token", "ci", "CircleCI personal API token", ["CCIPAT_", (B62, 22), "_", (HEX, 40)])
token("circleci-project-token", "ci", "CircleCI project API token", ["CCIPRJ_", (B62, 22), "_", (HEX, 40)])
ctx("circleci-legacy-token", "ci", "CircleCI API token (legacy 40-hex format)", r"circle[_.-]?(?:ci)?[_.-]?token",
    ["circle"], [(HEX, 40)], "CIRCLECI_TOKEN", entropy=3.4)
ctx("travis-ci-token", "ci", "Travis CI API token", r"travis[\w.-]{0,10}?token", ["travis"], [(B64URL, 22)],
    "TRAVIS_API_TOKEN", entropy=3.5)
token("buildkite-api-token", "ci", "Buildkite user API access token", ["bkua_", (HEX, 40)])
ctx("buildkite-agent-token", "ci", "Buildkite agent registration token", r"buildkite[\w.-]{0,10}?agent[\w.-]{0,10}?token",
    ["buildkite"], [(HEX, 50)], "BUILDKITE_AGENT_TOKEN", confidence="high")
ctx("jenkins-api-token", "ci", "Jenkins API token", r"jenkins[\w.-]{0,20}?(?:api[_.-]?)?token", ["jenkins"],
    ["11", (HEX, 32)], "JENKINS_API_TOKEN", confidence="high")
token("sonarqube-token", "ci", "SonarQube / SonarCloud user, project or global analysis token",
      ["squ_", (HEX, 40)], keywords=["squ_", "sqp_", "sqa_"],
      gen=lambda f: f.rng.choice(["squ_", "sqp_", "sqa_"]) + f.pick(HEX, 40))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>sq[upa]_[0-9a-f]{40})(?![0-9a-f])"
ctx("codecov-token", "ci", "Codecov upload token", r"codecov", ["codecov"],
    [(HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], "CODECOV_TOKEN", gen=_uuid,
    severity="medium")
ctx("snyk-token", "ci", "Snyk API token", r"snyk", ["snyk"],
    [(HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], "SNYK_TOKEN", gen=_uuid)
token("drone-ci-token", "ci", "Harness / Drone personal access token",
      ["pat.", (B62, 22), ".", (HEX, 24), ".", (B62, 20)], severity="high")

# ---------------------------------------------------------------------------- packages
token("npm-access-token", "packages", "npm access token", ["npm_", (B62, 36)], validate="npm-crc32",
      severity="critical", gen=lambda f: f.crc_token("npm_"),
      templates=["//registry.npmjs.org/:_authToken={s}", 'NPM_TOKEN="{s}"'],
      negatives=["//registry.npmjs.org/:_authToken=npm_FdRTVUfikBd1G6ycuaPpae1l4bFOuk0sYOq6"])
token("pypi-token", "packages", "PyPI upload token", ["pypi-AgEIcHlwaS5vcmc", (B64URL, 60, 200)],
      validate="pypi-macaroon", severity="critical", before="A-Za-z0-9_-", after="A-Za-z0-9_-",
      keywords=["pypi-ageichlwas5vcmc"],
      templates=["password = {s}", 'TWINE_PASSWORD="{s}"'], filename=".pypirc",
      negatives=["password = pypi-AgEIcHlwaS5vcmc<token>"])
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>pypi-AgEIcHlwaS5vcmc[0-9A-Za-z_-]{50,})"
token("rubygems-api-key", "packages", "RubyGems API key", ["rubygems_", (HEX, 48)],
      templates=[":rubygems_api_key: {s}", 'GEM_HOST_API_KEY="{s}"'], filename=".gem/credentials")
token("nuget-api-key", "packages", "NuGet.org API key", ["oy2", (LOWER_ALNUM, 43)], entropy=3.8,
      confidence="medium", templates=["dotnet nuget push pkg.nupkg --api-key {s}", 'NUGET_API_KEY="{s}"'])
token("dockerhub-pat", "packages", "Docker Hub personal access token", ["dckr_pat_", (B64URL, 27)],
      before="A-Za-z0-9_-")
token("dockerhub-org-token", "packages", "Docker Hub organization access token", ["dckr_oat_", (B64URL, 32)],
      before="A-Za-z0-9_-")
token("artifactory-api-key", "packages", "JFrog Artifactory API key", ["AKCp", (B62, 69)], entropy=4.0)
token("artifactory-reference-token", "packages", "JFrog Artifactory reference (access) token",
      ["cmVmdGtuOjAxOj", (B62, 50)], keywords=["cmvmdgtuojaxoj"], entropy=4.0)
token("clojars-token", "packages", "Clojars deploy token", ["CLOJARS_", (LOWER_ALNUM, 60)])
token("crates-io-token", "packages", "crates.io API token", ["cio", (B62, 32)], entropy=4.0,
      confidence="medium", keywords=["cio"],
      templates=['CARGO_REGISTRY_TOKEN="{s}"', "token = \"{s}\""], filename=".cargo/credentials.toml")
token("pulumi-access-token", "packages", "Pulumi access token", ["pul-", (HEX, 40)])
token("hex-pm-api-key", "packages", "Hex.pm API key", ["hexpm_", (B62, 32)], confidence="medium")
custom("maven-settings-password", "packages", "Password in a Maven settings.xml server entry",
       r"<server>[\s\S]{0,300}?<password>(?P<secret>[^<${}\s]{6,128})</password>",
       ["<password>"], lambda f: f.password(),
       ["<server>\n  <id>releases</id>\n  <username>{user}</username>\n  <password>{s}</password>\n</server>"],
       path=r"(?i)(?:^|/)settings(?:-security)?\.xml$", filename=".m2/settings.xml", confidence="high")

# ---------------------------------------------------------------------------- messaging
custom("slack-bot-token", "messaging", "Slack bot token",
       r"(?P<secret>xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})(?![A-Za-z0-9])", ["xoxb-"],
       lambda f: f"xoxb-{f.pick(DIGITS, 12)}-{f.pick(DIGITS, 13)}-{f.pick(B62, 24)}",
       ['SLACK_BOT_TOKEN={s}', 'slack_token: "{s}"'],
       negatives=["SLACK_BOT_TOKEN=xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx"])
custom("slack-user-token", "messaging", "Slack user, app or legacy token",
       r"(?P<secret>xox[pesar]-(?:[0-9]{10,13}-){2,3}[0-9a-zA-Z]{24,64})(?![A-Za-z0-9])",
       ["xoxp-", "xoxe-", "xoxs-", "xoxa-", "xoxr-"],
       lambda f: f"xoxp-{f.pick(DIGITS, 12)}-{f.pick(DIGITS, 12)}-{f.pick(DIGITS, 13)}-{f.pick(HEX, 32)}",
       ['SLACK_USER_TOKEN={s}'], negatives=["token: xoxp-xxxxxxxxxxx-xxxxxxxxxxx-xxxxxxxxxxxxx"])
custom("slack-webhook-url", "messaging", "Slack incoming webhook URL",
       r"(?P<secret>https?://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{20,34})",
       ["hooks.slack.com"],
       lambda f: f"https://hooks.slack.com/services/T{f.pick(UPPER_ALNUM, 10)}/B{f.pick(UPPER_ALNUM, 10)}/{f.pick(B62, 24)}",
       ['SLACK_WEBHOOK="{s}"', "webhook_url: {s}"], severity="medium",
       negatives=['webhook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"'])
custom("slack-app-token", "messaging", "Slack app-level token",
       r"(?<![A-Za-z0-9_-])(?P<secret>xapp-\d-[A-Z0-9]{9,12}-\d{10,13}-[a-f0-9]{64})(?![a-f0-9])",
       ["xapp-"], lambda f: f"xapp-1-A{f.pick(UPPER_ALNUM, 10)}-{f.pick(DIGITS, 13)}-{f.pick(HEX, 64)}",
       ['SLACK_APP_TOKEN="{s}"'])
custom("slack-config-token", "messaging", "Slack configuration access/refresh token",
       r"(?<![A-Za-z0-9_-])(?P<secret>xoxe\.xox[bp]-\d-[A-Z0-9]{163,166})(?![A-Z0-9])",
       ["xoxe.xox"], lambda f: f"xoxe.xoxp-1-{f.pick(UPPER_ALNUM, 164)}", ['SLACK_CONFIG_TOKEN="{s}"'])
custom("discord-bot-token", "messaging", "Discord bot token",
       r"(?i:discord)[\w.-]{0,25}?[\"']?\s{0,5}(?:=|:|:=|=>)\s{0,5}[\"'`]?(?P<secret>[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})",
       ["discord"], lambda f: "M" + f.pick(B64URL, 25) + "." + f.pick(B64URL, 6) + "." + f.pick(B64URL, 38),
       ['DISCORD_BOT_TOKEN="{s}"', "discord_token: {s}"], entropy=4.0)
custom("discord-webhook-url", "messaging", "Discord webhook URL",
       r"(?P<secret>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_-]{60,68})",
       ["discord"], lambda f: f"https://discord.com/api/webhooks/{f.pick(DIGITS, 19)}/{f.pick(B64URL, 68)}",
       ['DISCORD_WEBHOOK="{s}"'], severity="medium")
custom("telegram-bot-token", "messaging", "Telegram bot API token",
       r"(?<![A-Za-z0-9_:-])(?P<secret>\d{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])", [":aa"],
       lambda f: f"{f.pick(DIGITS, 10)}:AA{f.pick(B64URL, 33)}", ['TELEGRAM_BOT_TOKEN="{s}"', "bot_token: {s}"])
token("twilio-api-key", "messaging", "Twilio API key SID", ["SK", (HEX, 32)], keywords=["sk"],
      confidence="medium", entropy=3.3)
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>SK[0-9a-f]{32})(?![0-9A-Za-z])"
ctx("twilio-auth-token", "messaging", "Twilio account auth token", r"twilio[\w.-]{0,20}?(?:auth[_.-]?)?token",
    ["twilio"], [(HEX, 32)], "TWILIO_AUTH_TOKEN", confidence="high", severity="critical")
token("sendgrid-api-key", "messaging", "SendGrid API key", ["SG.", (B64URL, 22), ".", (B64URL, 43)],
      before="A-Za-z0-9_-", keywords=["sg."], severity="high")
ctx("mailgun-api-key", "messaging", "Mailgun private API key", r"mailgun", ["mailgun"],
    ["key-", (HEX, 32)], "MAILGUN_API_KEY", confidence="high")
token("mailgun-private-key-v2", "messaging", "Mailgun API key (new format)",
      [(HEX, 32), "-", (HEX, 8), "-", (HEX, 8)], keywords=["mailgun"], confidence="medium")
SPECS[-1].regex = r"(?i:mailgun)" + ASSIGN + r"(?P<secret>[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![0-9a-f])"
SPECS[-1].templates = ['MAILGUN_API_KEY="{s}"']
SPECS[-1].negatives = ['MAILGUN_API_KEY="${MAILGUN_API_KEY}"']
token("mailchimp-api-key", "messaging", "Mailchimp API key", [(HEX, 32), "-us", (DIGITS, 1, 2)],
      keywords=["-us"], confidence="high", entropy=3.3)
SPECS[-1].regex = r"(?<![A-Za-z0-9])(?P<secret>[0-9a-f]{32}-us\d{1,2})(?![0-9])"
ctx("postmark-server-token", "messaging", "Postmark server API token", r"postmark", ["postmark"],
    [(HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], "POSTMARK_SERVER_TOKEN",
    gen=_uuid, confidence="high", common=True)
custom("msteams-webhook-url", "messaging", "Microsoft Teams incoming webhook URL",
       # The current host (<tenant>.webhook.office.com/webhookb2/) and the older outlook.office.com/webhook/.
       r"(?P<secret>https://(?:[a-z0-9-]+\.webhook\.office\.com/webhookb2|outlook\.office(?:365)?\.com/webhook)/"
       + UUID_RE + "@" + UUID_RE + r"/IncomingWebhook/[a-f0-9]{32}/" + UUID_RE + ")",
       ["webhook.office.com", "outlook.office.com/webhook", "outlook.office365.com/webhook"],
       lambda f: f"https://corp.webhook.office.com/webhookb2/{f.uuid()}@{f.uuid()}/IncomingWebhook/{f.pick(HEX, 32)}/{f.uuid()}",
       ['TEAMS_WEBHOOK="{s}"'], severity="medium")
token("sendinblue-api-key", "messaging", "Brevo (Sendinblue) API key", ["xkeysib-", (HEX, 64), "-", (B62, 16)])
ctx("pusher-secret", "messaging", "Pusher channels app secret", r"pusher[\w.-]{0,10}?secret", ["pusher"],
    [(HEX, 20)], "PUSHER_APP_SECRET", confidence="high", entropy=2.5)  # 20 random hex: ~1 in 50 under 3.0
ctx("intercom-access-token", "messaging", "Intercom access token", r"intercom", ["intercom"],
    ["dG9rOj", (B64, 50, 60), "="], "INTERCOM_ACCESS_TOKEN", confidence="high")
ctx("zendesk-api-token", "messaging", "Zendesk API token", r"zendesk", ["zendesk"], [(B62, 40)],
    "ZENDESK_API_TOKEN", entropy=3.8)
ctx("mattermost-token", "messaging", "Mattermost personal access token", r"mattermost", ["mattermost"],
    [(LOWER_ALNUM, 26)], "MATTERMOST_TOKEN", entropy=3.5)

# ---------------------------------------------------------------------------- payments
token("stripe-secret-key", "payments", "Stripe live secret or restricted key", ["sk_live_", (B62, 24, 99)],
      entropy=3.5, severity="critical", keywords=["sk_live_", "rk_live_"],
      gen=lambda f: f.rng.choice(["sk_live_", "rk_live_"]) + f.pick(B62, 99))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>(?:sk|rk)_live_[0-9A-Za-z]{24,247})(?![A-Za-z0-9])"
token("stripe-test-secret-key", "payments", "Stripe test-mode secret key (no money moves, but it reads test data)",
      ["sk_test_", (B62, 24, 99)], entropy=3.5, severity="low", confidence="medium",
      negatives=['stripe.api_key = "sk_test_..."'])
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>sk_test_[0-9A-Za-z]{24,247})(?![A-Za-z0-9])"
token("stripe-webhook-secret", "payments", "Stripe webhook signing secret", ["whsec_", (B62, 32)],
      entropy=3.5)
token("square-access-token", "payments", "Square access token", ["EAAA", (B64URL, 60)],
      before="A-Za-z0-9_-", keywords=["eaaa"], entropy=4.0, confidence="medium")
token("square-legacy-access-token", "payments", "Square access token (legacy sq0atp-)", ["sq0atp-", (B64URL, 22)],
      before="A-Za-z0-9_-")
token("square-oauth-secret", "payments", "Square OAuth application secret", ["sq0csp-", (B64URL, 43)],
      before="A-Za-z0-9_-")
token("braintree-access-token", "payments", "PayPal Braintree access token",
      ["access_token$production$", (LOWER_ALNUM, 16), "$", (HEX, 32)], keywords=["access_token$production$"])
ctx("paypal-client-secret", "payments", "PayPal REST client secret", r"paypal[\w.-]{0,20}?secret", ["paypal"],
    [(B64URL, 80)], "PAYPAL_CLIENT_SECRET", entropy=4.0, confidence="high")
for _p, _d in [("shpat_", "Shopify admin API access token"), ("shpca_", "Shopify custom app access token"),
               ("shppa_", "Shopify private app access token"), ("shpss_", "Shopify app shared secret")]:
    token(f"shopify-{_d.split()[1].lower()}-{_p[3:5]}-token", "payments", _d, [_p, (HEX, 32)],
          gen=lambda f, p=_p: p + f.pick(HEX, 32))
    SPECS[-1].regex = rf"(?<![A-Za-z0-9_])(?P<secret>{_p}[a-fA-F0-9]{{32}})(?![a-fA-F0-9])"
token("plaid-access-token", "payments", "Plaid access token", ["access-production-", (HEX, 8), "-", (HEX, 4),
      "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], keywords=["access-production-"])
token("razorpay-live-key", "payments", "Razorpay live key id", ["rzp_live_", (B62, 14)], severity="medium",
      confidence="medium")
token("flutterwave-secret-key", "payments", "Flutterwave secret key", ["FLWSECK-", (HEX, 32), "-X"],
      keywords=["flwseck-"])
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>FLWSECK(?:_TEST)?-[a-f0-9]{32}-X)(?![A-Za-z0-9])"
ctx("gocardless-token", "payments", "GoCardless live access token", r"gocardless", ["gocardless"],
    ["live_", (B64URL, 40)], "GOCARDLESS_ACCESS_TOKEN", confidence="high")
token("coinbase-api-secret", "payments", "Coinbase CDP API key name (organizations/.../apiKeys/...)",
      ["organizations/", (HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12), "/apiKeys/",
       (HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], keywords=["/apikeys/"],
      severity="medium", confidence="medium")
SPECS[-1].keywords = ["/apikeys/"]
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>organizations/" + UUID_RE + r"/apiKeys/" + UUID_RE + ")"
SPECS[-1].gen = lambda f: f"organizations/{f.uuid()}/apiKeys/{f.uuid()}"

# ---------------------------------------------------------------------------- saas
token("atlassian-api-token", "saas", "Atlassian (Jira/Confluence) API token", ["ATATT3xFfGF0", (B64URL, 170, 190),
      "=", (HEXU, 8)], before="A-Za-z0-9_-", after="A-Za-z0-9", keywords=["atatt3"])
ctx("atlassian-api-token-legacy", "saas", "Atlassian API token (legacy 24-character format)",
    r"(?:jira|confluence|atlassian)[\w.-]{0,20}?(?:api[_.-]?)?token", ["jira", "confluence", "atlassian"],
    [(B62, 24)], "JIRA_API_TOKEN", entropy=3.8)
ctx("okta-api-token", "saas", "Okta API token", r"okta", ["okta"], ["00", (B64URL, 40)], "OKTA_API_TOKEN",
    confidence="high", severity="critical")
ctx("auth0-client-secret", "saas", "Auth0 application client secret", r"auth0[\w.-]{0,20}?secret", ["auth0"],
    [(B64URL, 64)], "AUTH0_CLIENT_SECRET", confidence="high", entropy=4.0)
ctx("auth0-management-token", "saas", "Auth0 Management API token", r"auth0[\w.-]{0,20}?token", ["auth0"],
    ["eyJ", (B64URL, 10, 800), ".eyJ", (B64URL, 10, 3000), ".", (B64URL, 20, 800)], "AUTH0_MGMT_TOKEN", entropy=4.0,
    gen=lambda f: f.jwt({"iss": "https://corp.auth0.com/", "aud": "https://corp.auth0.com/api/v2/",
                         "scope": "read:users update:users", "gty": "client-credentials"}))
ctx("datadog-api-key", "saas", "Datadog API key", r"datadog[\w.-]{0,20}?api[_.-]?key|dd[_.-]api[_.-]key",
    ["datadog", "dd_api", "dd-api", "dd.api"], [(HEX, 32)], "DD_API_KEY", confidence="high")
ctx("datadog-app-key", "saas", "Datadog application key", r"datadog[\w.-]{0,20}?app[\w.-]{0,10}?key|dd[_.-]app(?:lication)?[_.-]key",
    ["datadog", "dd_app", "dd-app", "dd.app"], [(HEX, 40)], "DD_APP_KEY", confidence="high")
token("newrelic-user-api-key", "saas", "New Relic user API key", ["NRAK-", (UPPER_ALNUM, 27)])
token("newrelic-insert-key", "saas", "New Relic insights insert key", ["NRII-", (B64URL, 32)], before="A-Za-z0-9_-")
token("newrelic-browser-api-token", "saas", "New Relic browser API token", ["NRJS-", (HEX, 19)],
      severity="medium")
ctx("newrelic-license-key", "saas", "New Relic ingest license key", r"new[_.-]?relic[\w.-]{0,10}?license",
    ["relic"], [(HEX, 36), "NRAL"], "NEW_RELIC_LICENSE_KEY", confidence="high")
token("sentry-org-token", "saas", "Sentry organization auth token", ["sntrys_eyJ", (B64, 60, 300), "_", (B64URL, 43)],
      before="A-Za-z0-9_", after="A-Za-z0-9_-",
      gen=lambda f: "sntrys_" + base64.b64encode(json.dumps(
          {"iat": 1700000000 + f.rng.randrange(10**6), "url": "https://sentry.io", "region_url": "https://us.sentry.io",
           "org": "acme-" + f.pick(LOWER_ALNUM, 6)}).encode()).decode().rstrip("=") + "_" + f.pick(B64URL, 43))
token("sentry-user-token", "saas", "Sentry user auth token", ["sntryu_", (HEX, 64)])
ctx("sentry-legacy-auth-token", "saas", "Sentry auth token (legacy 64-hex format)",
    r"sentry[\w.-]{0,10}?(?:auth[_.-]?)?token", ["sentry"], [(HEX, 64)], "SENTRY_AUTH_TOKEN", confidence="high")
ctx("pagerduty-api-key", "saas", "PagerDuty REST API key", r"pagerduty|pd[_.-](?:api[_.-])?(?:key|token)",
    ["pagerduty", "pd_", "pd-", "pd."], ["u+", (B64URL, 18)], "PAGERDUTY_API_KEY", entropy=3.5)
ctx("pagerduty-integration-key", "saas", "PagerDuty Events API integration (routing) key",
    r"pagerduty[\w.-]{0,20}?(?:integration|routing|service)[_.-]?key", ["pagerduty"], [(HEX, 32)],
    "PAGERDUTY_ROUTING_KEY", confidence="high")
token("vault-service-token", "saas", "HashiCorp Vault service token", ["hvs.", (B64URL, 90, 120)],
      before="A-Za-z0-9_.-", keywords=["hvs."], severity="critical")
token("vault-batch-token", "saas", "HashiCorp Vault batch token", ["hvb.", (B64URL, 138, 300)],
      before="A-Za-z0-9_.-", keywords=["hvb."])
ctx("vault-legacy-token", "saas", "HashiCorp Vault token (legacy s. format)", r"vault[\w.-]{0,10}?token",
    ["vault"], ["s.", (B62, 24)], "VAULT_TOKEN", confidence="high")
token("terraform-cloud-token", "saas", "Terraform Cloud / Enterprise API token",
      [(B62, 14), ".atlasv1.", (B64URL, 67)], keywords=[".atlasv1."], severity="critical")
for _kind, _desc in [("pt", "personal"), ("st", "service"), ("sa", "service account"), ("ct", "CLI"),
                     ("scim", "SCIM"), ("audit", "audit")]:
    token(f"doppler-{_desc.replace(' ', '-')}-token", "saas", f"Doppler {_desc} token",
          [f"dp.{_kind}.", (B62, 43)], before="A-Za-z0-9_.", keywords=[f"dp.{_kind}."])
token("onepassword-service-account-token", "saas", "1Password service account token",
      ["ops_eyJ", (B64, 250, 3000)], after="A-Za-z0-9+/=", severity="critical",
      gen=lambda f: "ops_" + base64.b64encode(json.dumps(
          {"signInAddress": "acme.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256",
           "iterations": 650000, "salt": f.b64(16)}, "email": f"{f.pick(LOWER_ALNUM, 12)}@1passwordserviceaccounts.com",
           "srpX": f.pick(HEX, 64), "muk": {"alg": "A256GCM", "ext": True, "k": f.b64(32, url=True, pad=False),
           "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"}, "secretKey": "A3-" + f.pick(UPPER_ALNUM, 6),
           "throttleSecret": {"seed": f.pick(HEX, 64), "uuid": f.pick(UPPER_ALNUM, 26)},
           "deviceUuid": f.pick(LOWER_ALNUM, 26)}).encode()).decode().rstrip("="))
token("onepassword-secret-key", "saas", "1Password account secret key",
      ["A3-", (UPPER_ALNUM, 6), "-", (UPPER_ALNUM, 11), "-", (UPPER_ALNUM, 5), "-", (UPPER_ALNUM, 5), "-",
       (UPPER_ALNUM, 5)], keywords=["a3-"], entropy=3.5)
# 1Password writes the key in seven groups (A3-XXXXXX-XXXXXX-XXXXX-XXXXX-XXXXX-XXXXX);
# some exports join the second and third.
SPECS[-1].regex = (r"(?<![A-Za-z0-9_])(?P<secret>A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})"
                   r"-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})(?![A-Za-z0-9])")
SPECS[-1].gen = lambda f: "A3-" + "-".join(f.pick(UPPER_ALNUM, n) for n in (
    f.rng.choice([(6, 11, 5, 5, 5), (6, 6, 5, 5, 5, 5)])))
token("grafana-service-account-token", "saas", "Grafana service account token", ["glsa_", (B62, 32), "_", (HEX, 8)])
token("grafana-cloud-token", "saas", "Grafana Cloud access policy token", ["glc_eyJ", (B64, 60, 300)],
      after="A-Za-z0-9+/=",
      gen=lambda f: "glc_" + base64.b64encode(json.dumps({"o": f.pick(DIGITS, 6), "n": "stack-" + f.pick(LOWER_ALNUM, 6),
          "k": f.pick(B62, 24), "m": {"r": "prod-us-east-0"}}).encode()).decode().rstrip("="))
token("linear-api-key", "saas", "Linear API key", ["lin_api_", (B62, 40)])
token("notion-integration-token", "saas", "Notion integration token", ["ntn_", (DIGITS, 11), (B62, 35)],
      gen=lambda f: "ntn_" + f.pick(DIGITS, 11) + f.pick(B62, 35))
token("airtable-pat", "saas", "Airtable personal access token", ["pat", (B62, 14), ".", (HEX, 64)],
      keywords=["pat"], entropy=3.5)
token("figma-pat", "saas", "Figma personal access token", ["figd_", (B64URL, 40)], before="A-Za-z0-9_-")
token("postman-api-key", "saas", "Postman API key", ["PMAK-", (HEX, 24), "-", (HEX, 34)])
ctx("algolia-admin-key", "saas", "Algolia admin API key", r"algolia[\w.-]{0,20}?(?:admin|write|api)[_.-]?key",
    ["algolia"], [(HEX, 32)], "ALGOLIA_ADMIN_KEY", confidence="high")
ctx("contentful-token", "saas", "Contentful delivery/management token", r"contentful", ["contentful"],
    [(B64URL, 43)], "CONTENTFUL_ACCESS_TOKEN", entropy=4.0)
token("contentful-pat", "saas", "Contentful personal access token", ["CFPAT-", (B64URL, 43)], before="A-Za-z0-9_-")
ctx("segment-write-key", "saas", "Segment source write key", r"segment[\w.-]{0,10}?write[_.-]?key", ["segment"],
    [(B62, 32)], "SEGMENT_WRITE_KEY", severity="medium", entropy=3.8)
token("launchdarkly-sdk-key", "saas", "LaunchDarkly server SDK key", ["sdk-", (HEX, 8), "-", (HEX, 4), "-",
      (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], confidence="medium", severity="medium")
token("launchdarkly-api-token", "saas", "LaunchDarkly API access token", ["api-", (HEX, 8), "-", (HEX, 4), "-",
      (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], confidence="medium")
token("hubspot-private-app-token", "saas", "HubSpot private app access token",
      ["pat-na1-", (HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)], keywords=["pat-na1-"])
token("asana-pat", "saas", "Asana personal access token", ["2/", (DIGITS, 16), "/", (DIGITS, 16), ":", (HEX, 32)],
      keywords=["asana"], confidence="medium")
SPECS[-1].regex = r"(?i:asana)" + ASSIGN + r"(?P<secret>[12]/\d{16}/\d{16}:[0-9a-f]{32})(?![0-9a-f])"
SPECS[-1].templates = ['ASANA_TOKEN="{s}"']
SPECS[-1].negatives = ['ASANA_TOKEN="${ASANA_TOKEN}"']
ctx("mapbox-secret-token", "saas", "Mapbox secret access token", r"mapbox", ["mapbox"],
    ["sk.eyJ", (B64URL, 60, 80), ".", (B64URL, 22)], "MAPBOX_SECRET_TOKEN", confidence="high",
    gen=lambda f: "sk." + base64.urlsafe_b64encode(json.dumps({"u": "acme" + f.pick(LOWER_ALNUM, 4),
        "a": f.pick(LOWER_ALNUM, 25)}).encode()).decode().rstrip("=") + "." + f.pick(B64URL, 22))
token("mapbox-secret-token-bare", "saas", "Mapbox secret access token (sk.eyJ... without context)",
      ["sk.eyJ1Ijoi", (B64URL, 40, 120), ".", (B64URL, 22)], before="A-Za-z0-9_.-", keywords=["sk.eyj1ijoi"],
      gen=lambda f: "sk." + base64.urlsafe_b64encode(json.dumps({"u": "acme" + f.pick(LOWER_ALNUM, 4),
          "a": f.pick(LOWER_ALNUM, 25)}, separators=(",", ":")).encode()).decode().rstrip("=") + "." + f.pick(B64URL, 22))
ctx("cloudflare-api-token", "saas", "Cloudflare API token", r"cloudflare|\bcf[_.-]api[_.-]token", ["cloudflare", "cf_api", "cf-api", "cf.api"],
    [(B64URL, 40)], "CLOUDFLARE_API_TOKEN", confidence="high", entropy=4.0, severity="critical")
ctx("cloudflare-global-api-key", "saas", "Cloudflare global API key", r"cloudflare[\w.-]{0,20}?(?:global[_.-]?)?(?:api[_.-]?)?key",
    ["cloudflare"], [(HEX, 37)], "CLOUDFLARE_API_KEY", confidence="high", severity="critical")
token("cloudflare-origin-ca-key", "saas", "Cloudflare Origin CA key", ["v1.0-", (HEX, 24), "-", (HEX, 146)])
ctx("fastly-api-token", "saas", "Fastly API token", r"fastly", ["fastly"], [(B64URL, 32)], "FASTLY_API_TOKEN",
    confidence="high", entropy=3.8)
ctx("shippo-token", "saas", "Shippo live API token", r"shippo", ["shippo"], ["shippo_live_", (HEX, 40)],
    "SHIPPO_API_TOKEN", confidence="high")
token("typeform-pat", "saas", "Typeform personal access token", ["tfp_", (B64URL, 44), "_", (B64URL, 14)],
      before="A-Za-z0-9_-")
token("dynatrace-api-token", "saas", "Dynatrace API token", ["dt0c01.", (UPPER_ALNUM, 24), ".", (UPPER_ALNUM, 64)])
token("age-secret-key", "keys", "age encryption secret key",
      ["AGE-SECRET-KEY-1", (Alphabet("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"), 58)],
      keywords=["age-secret-key-1"], severity="critical", templates=["# created: 2024-01-01\n{s}", "AGE_KEY={s}"])

# ---------------------------------------------------------------------------- ai
token("openai-api-key", "ai", "OpenAI API key (project, service-account, admin or legacy)",
      ["sk-proj-", (B64URL, 74), "T3BlbkFJ", (B64URL, 74)], before="A-Za-z0-9_-", keywords=["t3blbkfj"],
      severity="critical",
      gen=lambda f: f.rng.choice(["sk-proj-", "sk-svcacct-", "sk-admin-"]) + f.pick(B64URL, 74) + "T3BlbkFJ" + f.pick(B64URL, 74))
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,180}T3BlbkFJ[A-Za-z0-9_-]{20,180})(?![A-Za-z0-9_-])"
token("anthropic-api-key", "ai", "Anthropic API key", ["sk-ant-api03-", (B64URL, 93), "AA"], before="A-Za-z0-9_-",
      keywords=["sk-ant-api"], severity="critical")
token("anthropic-admin-key", "ai", "Anthropic admin API key", ["sk-ant-admin01-", (B64URL, 93), "AA"],
      before="A-Za-z0-9_-", keywords=["sk-ant-admin"], severity="critical")
token("huggingface-token", "ai", "Hugging Face access token", ["hf_", (LETTERS, 34)], entropy=3.5)
token("huggingface-org-token", "ai", "Hugging Face organization API token", ["api_org_", (LETTERS, 34)], entropy=3.5)
token("groq-api-key", "ai", "Groq API key", ["gsk_", (B62, 52)])
token("replicate-api-token", "ai", "Replicate API token", ["r8_", (B62, 37)])
token("perplexity-api-key", "ai", "Perplexity API key", ["pplx-", (B62, 48)])
token("xai-api-key", "ai", "xAI API key", ["xai-", (B62, 80)])
token("langsmith-api-key", "ai", "LangSmith API key", ["lsv2_pt_", (HEX, 32), "_", (HEX, 10)],
      keywords=["lsv2_"])
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10})(?![0-9a-f])"
ctx("cohere-api-key", "ai", "Cohere API key", word_gated("cohere") + r"|\bco[_.-]api[_.-]key", ["cohere", "co_api", "co-api"],
    [(B62, 40)], "COHERE_API_KEY", confidence="high", entropy=4.0)
ctx("mistral-api-key", "ai", "Mistral AI API key", r"mistral", ["mistral"], [(B62, 32)], "MISTRAL_API_KEY",
    confidence="high", entropy=4.0, common=True)
# `pcsk_` plus the two-part body is Pinecone's alone: no name needed (the
# key often sits under a `pinecone:` block, a line above).
token("pinecone-api-key", "ai", "Pinecone API key", ["pcsk_", (B62, 5, 6), "_", (B62, 60, 70)],
      keywords=["pcsk_"])
token("deepseek-api-key", "ai", "DeepSeek API key", ["sk-", (HEX, 32)], keywords=["deepseek"],
      confidence="medium")
SPECS[-1].regex = r"(?i:deepseek)" + ASSIGN + r"(?P<secret>sk-[0-9a-f]{32})(?![0-9a-f])"
SPECS[-1].templates = ['DEEPSEEK_API_KEY="{s}"']
SPECS[-1].negatives = ['DEEPSEEK_API_KEY="sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"']

# ---------------------------------------------------------------------------- keys
_PEM_KINDS = ["RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY",
              "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]
custom("private-key", "keys", "Private key (RSA, DSA, EC, OpenSSH, PGP, PKCS#8, encrypted PKCS#8)",
       r"(?P<secret>-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,32768}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)",
       ["private key"], lambda f: f.pem(f.rng.choice(_PEM_KINDS), f.rng.randint(6, 24)), ["{s}"],
       validate="pem", max_length=33000, severity="critical", filename="deploy/id_rsa",
       negatives=["-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
                  "-----BEGIN PUBLIC KEY-----\n" + "VU49/YDK8TBJOB62bHbJH3jtt9hZtsD1TvH/+/3Fx/220VBZcbhstdOvoTXai7CJ30PHkiYEpOUf\n-----END PUBLIC KEY-----"])


def _ppk(f: Fake) -> str:
    pub = "\n".join(f.pick(B64, 64) for _ in range(6))
    priv = "\n".join(f.pick(B64, 64) for _ in range(14))
    return (f"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: {f.pick(LOWER_ALNUM, 8)}@laptop\n"
            f"Public-Lines: 6\n{pub}\nKey-Derivation: Argon2id\nPrivate-Lines: 14\n{priv}\n"
            f"Private-MAC: {f.pick(HEX, 64)}")


custom("putty-private-key", "keys", "PuTTY private key file (.ppk)",
       # The secret is the private part only: the header's comment is free
       # text ("dummy-key") that must not decide whether the key is reported.
       r"PuTTY-User-Key-File-[23]: [\w-]+\r?\n[\s\S]{0,8000}?Private-Lines: \d+\r?\n(?P<secret>(?:[A-Za-z0-9+/=]{4,64}\r?\n){3,}Private-MAC: [0-9a-f]{40,64})",
       ["putty-user-key-file"], _ppk, ["{s}"], severity="critical", filename="keys/server.ppk", max_length=9000,
       negatives=["PuTTY-User-Key-File-3: ssh-rsa\nPrivate-Lines: 14\n...\n"])
custom("pkcs12-password", "keys", "Password for a PKCS#12 / Java keystore file (.p12, .pfx, .jks)",
       r"""(?i:(?:keystore|truststore|pkcs12|p12|pfx|jks|key[_.-]?store|cert(?:ificate)?)[\w.-]{0,20}?pass(?:word|phrase)?)["']?\s{0,5}(?:=|:|:=|=>)\s{0,5}["'`]?(?P<secret>[^\s"'`$<>{}]{8,64})""",
       ["pass"], lambda f: f.password(), ["KEYSTORE_PASSWORD={s}", 'pfx_password: "{s}"',
                                          "server.ssl.key-store-password={s}"],
       severity="high", confidence="medium", entropy=3.3,
       negatives=["KEYSTORE_PASSWORD=${KEYSTORE_PASSWORD}", "keystore_password: changeit"])
custom("jwt", "keys", "JSON Web Token carrying claims (HMAC- or key-signed)",
       r"(?<![A-Za-z0-9_-])(?P<secret>eyJ[A-Za-z0-9_-]{10,800}\.eyJ[A-Za-z0-9_-]{10,2000}\.[A-Za-z0-9_-]{20,800})(?![A-Za-z0-9_-])",
       ["eyj"], lambda f: f.jwt(), ['Authorization: Bearer {s}', 'SUPABASE_SERVICE_ROLE_KEY="{s}"'],
       validate="jwt", severity="medium", confidence="medium",
       negatives=["token = eyJhbGciOiJIUzI1NiJ9.eyJub3Rqc29uIjo.aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"])
custom("pgp-private-key-block", "keys", "PGP/GPG armored secret key block exported with --armor",
       r"(?P<secret>-----BEGIN PGP SECRET KEY BLOCK-----[\s\S]{64,32768}?-----END PGP SECRET KEY BLOCK-----)",
       ["pgp secret key"], lambda f: f.pem("PGP SECRET KEY BLOCK", 12), ["{s}"], validate="pem",
       max_length=33000, severity="critical", filename="keys/release.asc")
custom("ssh2-encrypted-private-key", "keys", "SSH.com / Tectia private key",
       r"(?P<secret>---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----[\s\S]{64,16384}?---- END SSH2 ENCRYPTED PRIVATE KEY ----)",
       ["ssh2 encrypted private key"],
       lambda f: "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n" + f.pem_body(10) + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
       ["{s}"], max_length=16500, severity="critical", filename="keys/id_ssh2")

# ---------------------------------------------------------------------------- database
custom("database-url-password", "database", "Database or broker connection URL with a password in it",
       r"""(?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|jdbc:[a-z]+|clickhouse|cockroachdb|couchdb|neo4j|nats|mqtt|memcached)://[^:/?#\s@'"<>]{1,64}:(?P<secret>[^@/\s'"<>]{3,128})@[A-Za-z0-9._\[\]-]+""",
       ["postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql", "sqlserver", "jdbc", "clickhouse",
        "cockroachdb", "couchdb", "neo4j", "nats", "mqtt", "memcached"],
       lambda f: f.pick(B62, f.rng.randint(14, 24)),
       ["DATABASE_URL=postgres://{user}:{s}@{host}:5432/billing", 'MONGO_URI="mongodb+srv://{user}:{s}@{host}/prod"',
        "REDIS_URL=redis://default:{s}@{host}:6379/0", "BROKER_URL=amqp://{user}:{s}@{host}:5672//",
        'url: "mysql://{user}:{s}@{host}:3306/app"'],
       confidence="medium", severity="high",
       negatives=["postgres://user:password@localhost/db", "postgres://user:${DB_PASSWORD}@localhost/db",
                  "mysql://root:<password>@localhost", "postgres://user:pass@localhost/db"],
       allow={"description": "words people write where the password goes",
              "regexes": [r"(?i)^(?:pass(?:word)?|passwd|pwd|secret|root|admin|user(?:name)?|postgres|mysql|guest|test|changeme|\*+|x+|\$\w+|%s|\{.*\}|:?\w*_password|<[^>]*>?)$"]})
custom("jdbc-password-parameter", "database", "JDBC URL with a password parameter",
       r"""(?i)jdbc:[a-z0-9]+:[^\s"'<>]{0,200}?[;&?](?:password|pwd)=(?P<secret>[^;&\s"'<>]{4,128})""",
       ["jdbc"], lambda f: f.password(),
       ['spring.datasource.url=jdbc:sqlserver://{host}:1433;databaseName=app;user=app;password={s};encrypt=true',
        'JDBC_URL="jdbc:mysql://{host}:3306/app?user=app&password={s}"'],
       confidence="high", negatives=["jdbc:mysql://localhost/app?user=root&password=${DB_PASS}"])
custom("ado-net-connection-string", "database", "ADO.NET / ODBC connection string with a password",
       r"""(?i:(?:Server|Data Source|Host)\s*=\s*[^;"'\n]{1,100};[^"'\n]{0,200}?(?:Password|Pwd)\s*=\s*)(?P<secret>[^;"'\s]{6,128})""",
       ["password", "pwd"], lambda f: f.password(),
       ['"DefaultConnection": "Server={host};Database=App;User Id=sa;Password={s};"',
        "ConnectionStrings__Db=Host={host};Port=5432;Database=app;Username=app;Password={s}"],
       confidence="high", entropy=3.0,
       negatives=['"DefaultConnection": "Server=.;Database=App;User Id=sa;Password=${SA_PASSWORD};"'])
custom("database-password-env", "database", "Database password in a server environment variable",
       r"""(?:PGPASSWORD|POSTGRES_PASSWORD|MYSQL_(?:ROOT_)?PASSWORD|MYSQL_PWD|MARIADB_(?:ROOT_)?PASSWORD|MONGO_INITDB_ROOT_PASSWORD|REDIS_PASSWORD|MSSQL_SA_PASSWORD|SA_PASSWORD|RABBITMQ_DEFAULT_PASS)["']?\s{0,3}(?:=|:)\s{0,3}["']?(?P<secret>[^\s"'$`{}<>]{8,128})""",
       ["password", "pgpass", "mysql_pwd", "rabbitmq_default_pass"], lambda f: f.password(),
       ["POSTGRES_PASSWORD={s}", "      MYSQL_ROOT_PASSWORD: '{s}'", "export PGPASSWORD={s}"],
       confidence="medium", entropy=3.2,
       negatives=["POSTGRES_PASSWORD=postgres", "MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}"])
custom("redis-requirepass", "database", "Redis server password in redis.conf",
       r"(?m)^\s*(?:requirepass|masterauth)\s+\"?(?P<secret>[^\s\"]{8,128})", ["requirepass", "masterauth"],
       lambda f: f.password(), ["requirepass {s}", "masterauth {s}"], confidence="high", entropy=3.0,
       filename="deploy/redis.conf", negatives=["requirepass foobared"])

# ---------------------------------------------------------------------------- frameworks
# Framework documentation shows how to generate and set a key, with an
# example value (Flask's docs carry two, in over a hundred blob versions).
_DOCS_ALLOW = {"description": "example keys in documentation",
               "paths": [r"(?i)(?:^|/)docs?/|\.(?:rst|md|adoc)$"]}
custom("django-secret-key", "frameworks", "Django SECRET_KEY in settings",
       r"""(?<![\w.])SECRET_KEY\s*=\s*[bru]?["'](?P<secret>[^"'\s]{40,100})["']""", ["secret_key"],
       lambda f: f.pick(Alphabet("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)", ""), 50),
       ["SECRET_KEY = '{s}'"], filename="app/settings.py", confidence="high", entropy=4.0,
       negatives=["SECRET_KEY = 'django-insecure-placeholder-key-for-local-dev-only-000'",
                  "SECRET_KEY = os.environ['SECRET_KEY']"], allow=_DOCS_ALLOW)
custom("flask-secret-key", "frameworks", "Flask secret_key / SECRET_KEY set in code",
       r"""(?:\.secret_key|\[["']SECRET_KEY["']\]|SECRET_KEY\s*=)\s*=?\s*[bru]?["'](?P<secret>[^"'\s]{16,100})["']""",
       ["secret_key"], lambda f: f.pick(HEX, 48),
       ["app.secret_key = '{s}'", "app.config['SECRET_KEY'] = '{s}'"], filename="app/__init__.py",
       confidence="medium", entropy=3.5, negatives=["app.secret_key = 'dev'", "app.secret_key = os.urandom(24)"],
       allow=_DOCS_ALLOW)
custom("rails-master-key", "frameworks", "Rails master key (config/master.key or credentials/*.key)",
       r"(?m)^(?P<secret>[0-9a-f]{32})[ \t]*$", [], lambda f: f.pick(HEX, 32), ["{s}"],
       path=r"(?:^|/)config/(?:master\.key|credentials/[\w.-]+\.key)$", filename="config/master.key",
       severity="critical", entropy=3.0, negatives=["0" * 32])
custom("rails-secret-key-base", "frameworks", "Rails / Phoenix secret_key_base",
       r"""(?i:secret_key_base)\\?["']?\s*(?::|=|=>)\s*\\?["']?(?P<secret>[0-9a-fA-F]{64,128}|[A-Za-z0-9+/]{64,88})(?![A-Za-z0-9+/])""",
       ["secret_key_base"], lambda f: f.pick(HEX, 128),
       ["  secret_key_base: {s}", 'config :app, AppWeb.Endpoint, secret_key_base: "{s}"'],
       filename="config/secrets.yml", confidence="high", entropy=3.5, severity="critical")
custom("laravel-app-key", "frameworks", "Laravel APP_KEY", r"APP_KEY\s*=\s*[\"']?(?P<secret>base64:[A-Za-z0-9+/]{43}=)",
       ["app_key"], lambda f: "base64:" + f.b64(32), ["APP_KEY={s}"], filename=".env", severity="high")
custom("symfony-app-secret", "frameworks", "Symfony APP_SECRET", r"APP_SECRET\s*=\s*[\"']?(?P<secret>[0-9a-f]{32})(?![0-9a-f])",
       ["app_secret"], lambda f: f.pick(HEX, 32), ["APP_SECRET={s}"], filename=".env", confidence="high",
       entropy=3.0)
custom("spring-datasource-password", "frameworks", "Spring datasource / mail password in application properties",
       r"""(?i:spring\.(?:datasource|mail|rabbitmq|redis|data\.redis|data\.mongodb|r2dbc|flyway|liquibase)[\w.-]{0,20}?\.password)\s*[=:]\s*["']?(?P<secret>[^\s"'${}]{6,128})""",
       ["spring."], lambda f: f.password(), ["spring.datasource.password={s}", "spring.mail.password: {s}"],
       filename="src/main/resources/application.properties", confidence="high", entropy=3.0,
       negatives=["spring.datasource.password=${DB_PASSWORD}"])
custom("wordpress-auth-salt", "frameworks", "WordPress authentication key or salt in wp-config.php",
       r"""define\(\s*['"](?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)['"]\s*,\s*['"](?P<secret>[^'"]{32,128})['"]""",
       ["_key", "_salt"],
       lambda f: f.pick(Alphabet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*()-_[]{}<>~+=,.;:/?|", ""), 64),
       ["define( 'AUTH_KEY', '{s}' );", "define('NONCE_SALT', '{s}');"], filename="wp-config.php",
       severity="medium", confidence="high", entropy=4.0,
       negatives=["define( 'AUTH_KEY', 'put your unique phrase here' );"])

# ---------------------------------------------------------------------------- kubernetes
custom("kubeconfig-user-token", "kubernetes", "Bearer token for a user in a kubeconfig",
       r"""(?m)^\s*(?:token|id-token|refresh-token):\s*["']?(?P<secret>[A-Za-z0-9._~+/=-]{20,2048})["']?\s*$""",
       ["token"], lambda f: f.jwt({"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ci:deployer"}),
       ["users:\n- name: deployer\n  user:\n    token: {s}"],
       path=r"(?i)(?:^|/)(?:\.kube/config|kubeconfig[\w.-]*|[\w.-]*\.kubeconfig|kube[\w.-]*\.ya?ml)$",
       filename=".kube/config", severity="critical", entropy=3.5,
       allow={"description": "names rather than values", "regexes": [r"^[A-Z0-9_]+$", r"^[a-z_]+$"]},
       negatives=["users:\n- name: x\n  user:\n    token: REPLACE_WITH_TOKEN_VALUE_HERE"])
custom("kubeconfig-client-key-data", "kubernetes", "Client private key embedded in a kubeconfig (client-key-data)",
       r"client-key-data:\s*[\"']?(?P<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/=]{100,8000})", ["client-key-data"],
       lambda f: base64.b64encode((f.pem("RSA PRIVATE KEY", 12) + "\n").encode()).decode(),
       ["users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n    client-key-data: {s}"],
       filename=".kube/config", severity="critical", max_length=8200)
custom("kubernetes-secret-data", "kubernetes", "Base64 value under a secret-looking key in a Kubernetes Secret",
       r"""(?m)^[ \t]+[\w.-]*(?i:password|passwd|pwd|token|secret|api[_-]?key|apikey|credentials?|private[_-]?key)[\w.-]*:[ \t]*["']?(?P<secret>[A-Za-z0-9+/]{12,}={0,2})["']?[ \t]*$(?<=kind:\s*Secret\b[\s\S]{0,3000})""",
       ["password", "passwd", "pwd", "token", "secret", "api_key", "api-key", "apikey", "credential", "private"],
       lambda f: base64.b64encode(f.password(20).encode()).decode(),
       ["apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-db\ntype: Opaque\ndata:\n  db-password: {s}\n"],
       validate="base64-secret", filename="k8s/secret.yaml", confidence="high", max_length=4096,
       negatives=["apiVersion: v1\nkind: ConfigMap\ndata:\n  db-password: c2VjcmV0cGFzc3dvcmQ=\n",
                  "kind: Secret\ndata:\n  password: cGFzc3dvcmQ=\n"])

# ---------------------------------------------------------------------------- terraform
custom("terraform-state-secret", "terraform", "Password, secret or key attribute recorded in Terraform state",
       r'''"(?:password|master_password|admin_password|secret|client_secret|secret_key|access_key|private_key|token|api_key|auth_token|connection_string|primary_access_key|secret_access_key)"\s*:\s*"(?P<secret>[^"\\]{8,1000})"''',
       ['"password"', '"master_password"', '"admin_password"', '"secret"', '"client_secret"', '"secret_key"',
        '"access_key"', '"private_key"', '"token"', '"api_key"', '"auth_token"', '"connection_string"',
        '"primary_access_key"', '"secret_access_key"'],
       lambda f: f.password(24), ['            "password": "{s}",', '            "master_password": "{s}",'],
       path=r"\.tfstate(?:\.backup)?$", filename="infra/terraform.tfstate", severity="critical",
       entropy=3.0, max_length=1200)
custom("terraform-state-sensitive-output", "terraform", "Output marked sensitive in Terraform state",
       r'''"value"\s*:\s*"(?P<secret>[^"\\]{8,2000})",\s*"type"\s*:\s*"string",\s*"sensitive"\s*:\s*true''',
       ['"sensitive"'], lambda f: f.password(32),
       ['    "db_password": {{\n      "value": "{s}",\n      "type": "string",\n      "sensitive": true\n    }}'],
       path=r"\.tfstate(?:\.backup)?$", filename="infra/prod.tfstate", severity="high", entropy=3.0,
       max_length=2200)
custom("terraform-tfvars-secret", "terraform", "Secret-named variable set in a .tfvars file",
       r'''(?m)^\s*[\w-]*(?i:password|secret|token|api_key|access_key|private_key)[\w-]*\s*=\s*"(?P<secret>[^"$\s]{8,512})"''',
       ["password", "secret", "token", "api_key", "access_key", "private_key"], lambda f: f.password(20),
       ['db_password = "{s}"', 'datadog_api_token = "{s}"'], path=r"\.tfvars(?:\.json)?$|\.auto\.tfvars$",
       filename="infra/prod.tfvars", entropy=3.0, confidence="high")

# ---------------------------------------------------------------------------- env
custom("dotenv-secret", "env", "Secret-named variable in a .env file",
       r'''(?m)^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|PASS|PWD|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|AUTH|CREDENTIALS?)[A-Z0-9_]*[ \t]*=[ \t]*["']?(?P<secret>[^\s"'#$`]{8,512})''',
       ["secret", "pass", "pwd", "token", "key", "auth", "credential"], lambda f: f.password(22),
       ["DB_PASSWORD={s}", "STRIPE_SECRET={s}", 'SESSION_SECRET="{s}"'],
       path=r"(?:^|/)\.env(?:\.(?!example|sample|template|dist|defaults)[\w-]+)*$",
       filename=".env.production", confidence="high", entropy=3.2,
       negatives=["DB_PASSWORD=", "DB_PASSWORD=${VAULT_DB_PASSWORD}"])
custom("shell-export-secret", "env", "Secret-named variable exported in a shell profile or script",
       r'''(?m)^[ \t]*export[ \t]+[A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Z0-9_]*=["']?(?P<secret>[^\s"'$`]{8,512})''',
       ["export"], lambda f: f.password(24), ["export DEPLOY_TOKEN={s}", 'export DB_PASSWORD="{s}"'],
       filename="scripts/.bash_profile", confidence="medium", entropy=3.3,
       negatives=["export DB_PASSWORD=$(vault read -field=pw secret/db)", 'export API_TOKEN="${API_TOKEN}"'])

# ---------------------------------------------------------------------------- credential files
_PASSWORD_WORDS = (r"(?i)^(?:pass(?:word)?|passwd|pwd|secret|root|admin|user(?:name)?|guest|test|changeme|"
                   r"\*+|x+|\$\w+|%s|\{.*\}|<[^>]*>?|null|none|true|false|\w*_password|\w+_here)$")
_PW_ALLOW = {"description": "words and references people write where the password goes",
             "regexes": [_PASSWORD_WORDS]}
custom("netrc-password", "credfiles", "Password in a .netrc file", r"(?:^|\s)password\s+(?P<secret>[^\s#]{3,128})",
       ["password"], lambda f: f.password(), ["machine {host}\n  login {user}\n  password {s}\n",
                                              "machine api.heroku.com login {user} password {s}"],
       path=r"(?:^|/)[._]?netrc$", filename=".netrc", severity="high", allow=_PW_ALLOW,
       negatives=["machine example.com login me password <password>"])
custom("pgpass-password", "credfiles", "Password in a PostgreSQL .pgpass file",
       r"(?m)^[^:\s#]+:(?:\d+|\*):[^:\s]+:[^:\s]+:(?P<secret>[^\s]{3,128})$", [],
       lambda f: f.password(), ["{host}:5432:billing:{user}:{s}", "*:*:*:{user}:{s}"],
       path=r"(?:^|/)(?:\.pgpass|pgpass\.conf)$", filename=".pgpass", allow=_PW_ALLOW,
       negatives=["localhost:5432:db:user:password"])
custom("git-credentials", "credfiles", "Password or token in a git credential store (.git-credentials)",
       # The user may hold an "@" (an e-mail); the password ends at the last "@".
       r"https?://[^:/\s]+:(?P<secret>\S{3,256})@[\w.-]+(?=[:/\s]|$)", ["http"], lambda f: f.password(24),
       ["https://{user}:{s}@github.com", "https://oauth2:{s}@gitlab.corp.example.net"],
       path=r"(?:^|/)\.git-credentials$", filename=".git-credentials", severity="critical", allow=_PW_ALLOW)
custom("npmrc-auth-token", "credfiles", "Registry auth token in an .npmrc (_authToken)",
       r"""_authToken\s*=\s*["']?(?P<secret>[^\s"'$]{10,512})""", ["_authtoken"],
       lambda f: f.uuid(), ["//npm.pkg.corp.net/:_authToken={s}", "//registry.npmjs.org/:_authToken=\"{s}\""],
       filename=".npmrc", severity="critical", entropy=3.0,
       negatives=["//registry.npmjs.org/:_authToken=${NPM_TOKEN}"])
custom("npmrc-basic-auth", "credfiles", "Base64 user:password in an .npmrc (_auth / _password)",
       r"""(?m)(?:^|:)_(?:auth|password)\s*=\s*["']?(?P<secret>[A-Za-z0-9+/]{8,512}={0,2})""", ["_auth", "_password"],
       lambda f: base64.b64encode(f"{f.pick(LOWER_ALNUM, 8)}:{f.password()}".encode()).decode(),
       ["_auth={s}", "//nexus.corp.net/repository/npm/:_password={s}"], filename=".npmrc",
       validate="base64-text", severity="critical")
custom("docker-config-auth", "credfiles", "Registry credentials in a Docker config.json / .dockercfg (auth)",
       r'''"auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{8,1024}={0,2})"''', ['"auth"'],
       lambda f: base64.b64encode(f"{f.pick(LOWER_ALNUM, 8)}:{f.password()}".encode()).decode(),
       ['{{"auths": {{"registry.corp.net": {{"auth": "{s}", "email": "ci@corp.net"}}}}}}'],
       filename=".docker/config.json", validate="base64-userpass", severity="critical")
custom("s3cfg-secret-key", "credfiles", "Secret key in an s3cmd configuration (.s3cfg)",
       r"(?m)^\s*secret_key\s*=\s*(?P<secret>\S{16,128})", ["secret_key"], lambda f: f.pick(B64, 40),
       ["[default]\naccess_key = {ak}\nsecret_key = {s}\n"], extra=lambda f: {"ak": "DO00" + f.pick(B32U, 16)},
       path=r"(?:^|/)\.?s3cfg$", filename=".s3cfg", severity="critical", entropy=3.0)
custom("filezilla-password", "credfiles", "Saved password in FileZilla sitemanager.xml / recentservers.xml",
       r"<Pass(?:\s+encoding=\\?\"base64\\?\")?>(?P<secret>[^<\s]{3,256})</Pass>", ["<pass"],
       lambda f: base64.b64encode(f.password().encode()).decode(),
       ['<Server>\n  <Host>{host}</Host>\n  <User>{user}</User>\n  <Pass encoding="base64">{s}</Pass>\n</Server>'],
       filename="filezilla/sitemanager.xml", severity="high")
custom("winscp-password", "credfiles", "Obfuscated saved password in WinSCP.ini / registry export",
       r"(?m)^\"?Password\"?=(?:hex:)?\"?(?P<secret>[A-F0-9]{20,512})\"?\s*$", ["password="],
       lambda f: "A35C" + f.pick(HEXU, 60),
       ["[Sessions\\{user}@{host}]\nHostName={host}\nUserName={user}\nPassword={s}\n"],
       filename="WinSCP.ini", severity="high", entropy=3.0)
custom("wordpress-db-password", "credfiles", "Database password in wp-config.php (DB_PASSWORD)",
       r"""define\(\s*['"]DB_PASSWORD['"]\s*,\s*['"](?P<secret>[^'"]{4,128})['"]""", ["db_password"],
       lambda f: f.password(), ["define( 'DB_PASSWORD', '{s}' );", "define('DB_PASSWORD', \"{s}\");"],
       filename="wp-config.php", severity="high", allow=_PW_ALLOW,
       negatives=["define( 'DB_PASSWORD', 'password_here' );"])
custom("htpasswd-hash", "credfiles", "Password hash in an .htpasswd file (crackable offline)",
       r"(?m)^[\w.@-]+:(?P<secret>\$apr1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}|\{SHA\}[A-Za-z0-9+/]{27}=|\$2[aby]\$\d\d\$[./0-9A-Za-z]{53})[ \t]*$",
       ["$apr1$", "{sha}", "$2y$", "$2a$", "$2b$"],
       lambda f: f"$apr1${f.pick(B62, 8)}${f.pick(B62, 22)}", ["{user}:{s}", "admin:{s}"],
       filename="web/.htpasswd", severity="low", confidence="high")
custom("shadow-hash", "credfiles", "Password hash in a shadow-style file (crypt $1$/$5$/$6$/$y$)",
       r"(?m)^[a-z_][a-z0-9_.-]{0,31}:(?P<secret>\$(?:1|5|6|y|gy|7|2[aby])\$[^:\s]{8,200}):\d*:",
       ["$1$", "$5$", "$6$", "$y$", "$gy$", "$7$", "$2a$", "$2b$", "$2y$"],
       lambda f: f"$6${f.pick(B62, 16)}${f.pick(Alphabet(B62.chars + './', ''), 86)}",
       ["{user}:{s}:19500:0:99999:7:::", "root:{s}:19000::::::"], filename="etc/shadow", severity="low")
custom("credential-file-password", "credfiles",
       "Password or token saved by a client tool (sftp/ftp configs, Robomongo, Mongoid, hub, my.cnf, ...)",
       r"""(?i:pass(?:word|wd)?|pwd|oauth_token|access_token|api_token)["']?[ \t]*[=:][ \t]*["']?(?P<secret>[^\s"',<>{}]{3,256})""",
       ["pass", "pwd", "token"], lambda f: f.password(),
       ['{{\n  "host": "{host}",\n  "user": "{user}",\n  "password": "{s}"\n}}', "password = {s}"],
       path=(r"(?i)(?:^|/)(?:sftp-config\.json|sftp\.json|\.ftpconfig|\.remote-sync\.json|robomongo\.json|"
             r"deployment-config\.json|WebServers\.xml|dataSources\.xml|ventrilo_srv\.ini|\.tugboat|\.esmtprc|"
             r"\.muttrc|\.fetchmailrc|\.?my\.cnf|\.pypirc|mongoid\.yml|hub|\.credentials|\.boto|\.dbeaver[\w/.-]*\.json|"
             r"credentials\.xml|\.s3cfg|\.gem/credentials|\.cargo/credentials(?:\.toml)?)$"),
       filename="deploy/sftp-config.json", severity="high", allow=_PW_ALLOW)
custom("password-hash-bcrypt", "credfiles", "bcrypt password hash (crackable offline: database dumps, fixtures, configs)",
       r"""(?<![\w$])(?P<secret>\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53})(?![./A-Za-z0-9])""",
       ["$2y$", "$2a$", "$2b$", "$2x$"],
       lambda f: f"$2y$12${f.pick(Alphabet(B62.chars + './', ''), 53)}",
       ["(1, '{user}', '{s}', 'ops@corp.test'),", "  password: '{s}'"],
       filename="db/dump.sql", severity="low", confidence="medium",
       # A hash under a name that says hash is where hashes belong (Terraform
       # state, seed data); a hash in a dump row or a password field leaked.
       allow={"description": "a hash stored under a name that says hash", "regexTarget": "line",
              "regexes": [r"""(?i)[\w.-]*(?:hash|digest|crypted)[\w.-]*["']?\s*[:=]"""]},
       negatives=["$2y$12$" + "x" * 53, '  "bcrypt_hash": "$2a$10$' + "Qm9yZ2VzUmFuZG9tU2FsdFZhbHVlSGVyZUFuZE1vcmVUZXh0WH" + 'ab1",'])
custom("firefox-logins", "credfiles", "Saved (encrypted) login in a Firefox profile's logins.json",
       r'"encrypted(?:Username|Password)"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{20,}={0,2})"',
       ["encrypted"], lambda f: "MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECA" + f.pick(B64, 30),
       ['{{"logins": [{{"hostname": "https://{host}", "encryptedPassword": "{s}"}}]}}'],
       path=r"(?:^|/)logins\.json$", filename=".mozilla/firefox/abc.default/logins.json", severity="high",
       confidence="high", negatives=['{"encryptedPassword": ""}'])
custom("php-config-password", "credfiles", "Password assigned in a PHP configuration file",
       r"""(?:\$[\w\[\]'"]*(?i:pass(?:word|wd)?|pwd)[\w'"\]]*\s*=|['"](?i:[\w]*pass(?:word|wd)?|pwd)['"]\s*=>)\s*['"](?P<secret>[^'"\s$]{4,128})['"]""",
       ["pass", "pwd"], lambda f: f.password(),
       ["$db_password = '{s}';", "    'password' => '{s}',", "$cfg['Servers'][$i]['password'] = '{s}';"],
       path=r"\.php$|\.inc$", filename="web/config.php", confidence="medium", entropy=2.8, allow=_PW_ALLOW,
       negatives=["$password = 'password';", "$password = $_POST['password'];"])

# ---------------------------------------------------------------------------- generic
_NOT_VALUES = [
    r"^[a-z_]+$", r"^[A-Z_]+$", r"^[A-Za-z]+(?:\.[A-Za-z_]+)+$", r"^(?:/|\./|\.\./|~/)",
    r"^https?://[^:@]*$", r"^[0-9a-f]{40}$|^[0-9a-f]{64}$|^[0-9a-f]{32}$|^[0-9a-f]{128}$",
    r"^(?:sha(?:1|256|384|512)|md5)[-:]", r"^h1:", r"^" + UUID_RE + "$", r"^data:",
    r"^[A-Za-z]+(?:[A-Z][a-z0-9]+)+$",  # CamelCase identifiers
]
# The assignment detector (scanner/engine/assignments.py) judges name and value in
# Python; its regex only tells the prefilter where a credential-name word
# stands before an operator, in a tag, a flag or SQL. Findings carry their own
# confidence (high / medium / low).
_KEY_QUALS = ("api|access|secret|private|account|signing|encryption|master|app|application|client|consumer|"
              "shared|storage|auth|service|subscription|license|admin|sas|hmac|jwt|session|cookie|primary|"
              "secondary|ssh|crypt|cipher|aes|rest|server|deploy|write|read|root|secure|dev|prod|live|test")
_CRED_WORD = rf"(?:pass|pwd|secret|token|cred|conn\w{{0,10}}str|(?:{_KEY_QUALS})[_.\-]?key)"
_ASSIGNMENT_PREFILTER = "(?i)" + "|".join([
    # Every alternative starts at a credential word or a rare literal: a
    # leading repeat would cost Hyperscan a third of its speed.
    rf"""{_CRED_WORD}[a-z]{{0,8}}(?:[_.\-]?(?:value|str|string|plain|raw|b64|base64|hex|data|\d))?["'\]]{{0,2}}[ \t]{{0,64}}(?::{{1,3}}=|[?.]=|=>|=|:)""",
    r"""auth(?:[_.\-]?(?:token|key|pass\w{0,8}|secret|string))?["'\]]{0,2}[ \t]{0,64}(?::{1,3}=|[?.]=|=>|=|:)""",
    r"""(?:pass|pwd|secret|token|key|cred)[\w:.\-]{0,30}>[ \t]{0,8}[^<\s]""",
    r"""-(?:[a-z0-9]{1,12}-){0,2}(?:pass|pwd|secret|token|key|cred)[a-z]{0,8}[ \t]{1,5}["'A-Za-z0-9]""",
    r"""identified\s{1,10}(?:with\s{1,10}\w{1,40}\s{1,10})?by(?:\s{1,10}password)?\s{0,10}["']""",
    r"""with\s{1,10}(?:(?:en|unen)crypted\s{1,10})?password\s{0,10}=?\s{0,10}["']|asplaintext""",
    r"""(?:pass|pwd|secret|token|key|cred)[^"'<>\n]{0,60}["'][^<>\n]{0,100}value\s{0,3}=""",
    r"""(?:define|setproperty|setenv|putenv|setenvironmentvariable)\(\s{0,5}["'][\w.\-]{0,60}(?:pass|pwd|secret|token|key|auth|cred)""",
    r"""\s-p\s?["'A-Za-z0-9!@#%^&*+?]""",
    r"""\s(?:-u|--user)\s{1,5}["']?(?:[^\s:"'@/]{1,64}@)?[^\s:"'@/]{1,64}:[^\s"'@]""",
])
custom("generic-secret-assignment", "generic",
       "Password, secret, token or key assigned to a credential name (any config or code syntax)",
       _ASSIGNMENT_PREFILTER,
       ["pass", "pwd", "secret", "token", "cred", "key", "auth", "connstr", "connectionstring",
        "identified", "asplaintext", "mysql", "mariadb", "login", "sshpass", "-u ", "--user"],
       lambda f: f.pick(B62, 20) + f.rng.choice("!*&%") + f.pick(B62, 6),
       ['client_secret = "{s}"', "partner:\n  api_key: {s}\n", "const apiKey = '{s}';",
        'password                = "{s}"', "<password>{s}</password>"],
       detector="assignment", max_length=160, severity="high", confidence="medium", filename="src/config.py",
       negatives=['password = "hunter2"', 'password = "correct horse battery staple"',
                  'client_secret = "${CLIENT_SECRET}"', 'api_key = "your_api_key_here"',
                  'password_field = "password_confirmation"', 'secret = os.environ["SECRET"]',
                  'password_reset_timeout = "3600s"', 'token_url = "https://auth.corp.example/oauth/token"',
                  'private_key_path = "/etc/ssl/private/app.key"', 'PASSWORD_MIN_LENGTH = 12',
                  'api_key: "{{ .Values.apiKey }}"', "password = var.db_password",
                  "password = random_password.db.result", 'password: "<your-password>"',
                  "DB_PASSWORD=changeme", 'secret: "********"', "api_key = REPLACE_ME",
                  '"integrity": "sha512-' + "q" * 20 + 'Z3kR9vA2pL0sT5wX8yB1cD4eF7gH0jK3mN6pQ9rS2uV5wY8zA1bC4dE7fG0hJ3kL6mN9pR2sT5vW8xZ1A=="',
                  'label_password = "Enter your password"', "password: true", "token_count = 4096"],
       allow={"description": "lockfiles, minified bundles and maps hold digests, not credentials",
              "paths": [
                  r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|"
                  r"\.terraform\.lock\.hcl|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|"
                  r"uv\.lock|pdm\.lock|packages\.lock\.json|gradle\.lockfile|flake\.lock)$",
                  r"\.min\.(?:js|css)$|\.(?:svg|map)$"]})
custom("basic-auth-header", "generic", "HTTP Basic credentials in an Authorization header",
       r"""(?i:authorization)["']?\s*[:=]\s*["']?(?i:basic)\s+(?P<secret>[A-Za-z0-9+/]{8,512}={0,2})""",
       ["basic"], lambda f: base64.b64encode(f"{f.pick(LOWER_ALNUM, 6)}:{f.password()}".encode()).decode(),
       ['curl -H "Authorization: Basic {s}" https://{host}/api', "headers = {{'Authorization': 'Basic {s}'}}"],
       validate="base64-userpass", severity="high", confidence="medium", filename="scripts/deploy.sh")
# Bearer and DRF-style "Token" schemes. A hex token measures at most 4 bits
# a character, so the bar is letters and digits mixed and 3.0 bits, not 4.0.
custom("bearer-token", "generic", "Bearer token written into an Authorization header",
       r"""(?i:authorization)["']?\s*[:=]\s*["']?(?i:bearer|token|api-token)\s+"""
       r"""(?P<secret>(?=[A-Za-z._~+/-]*[0-9])(?=[0-9._~+/-]*[A-Za-z])[A-Za-z0-9._~+/-]{16,1024}=*)""",
       ["authorization"], lambda f: f.pick(B64URL, 40),
       ['curl -H "Authorization: Bearer {s}" https://{host}/v1/jobs',
        'curl -H "Authorization: Token {s}" https://{host}/api/'], entropy=3.0, severity="medium",
       confidence="medium", filename="scripts/deploy.sh",
       negatives=['curl -H "Authorization: Bearer $TOKEN" https://api.corp.net',
                  'curl -H "Authorization: Bearer ${ACCESS_TOKEN}" https://api.corp.net',
                  'headers["Authorization"] = "Bearer " + token'])
# A token sent as its own request header on a curl command line.
custom("curl-header-token", "generic", "API token passed in a curl request header",
       r"""(?:-H\s+["']|--header(?:\s+["']?|=["']?))(?i:x-)?(?i:api[-_]?(?:token|key)|auth[-_]?token|access[-_]?token|"""
       r"""private[-_]?token|token)\s*:\s*(?P<secret>(?=[A-Za-z_-]*[0-9])(?=[0-9_-]*[A-Za-z])[A-Za-z0-9_-]{12,256})"""
       r"""(?![A-Za-z0-9_-])""",
       ['-h "', "-h '", "--header"], lambda f: f.pick(B62, 32),
       ['curl -H "X-Api-Key: {s}" https://{host}/v1/jobs', "curl --header 'Private-Token: {s}' https://{host}/api/v4"],
       entropy=3.0, severity="medium", confidence="medium", filename="scripts/deploy.sh",
       negatives=['curl -H "X-Api-Key: $API_KEY" https://api.corp.net', 'curl -H "Token: <your-token>" https://x.io'])
custom("url-credentials", "generic", "Credentials embedded in a URL (scheme://user:password@host, any scheme)",
       r"""://[^\s:/@'"<>(){}\[\]\\]{0,64}:[^\s@/'"<>\\]{1,128}@""",
       ["://"], lambda f: f.password(20),
       ["PROXY=http://{user}:{s}@proxy.corp.net:3128", 'git remote add origin "https://{user}:{s}@git.corp.net/app.git"',
        "amqps://{user}:{s}@{host}:5671/vhost"],
       detector="url", max_length=160, severity="high", confidence="medium", filename="scripts/bootstrap.sh",
       negatives=["http://user:password@example.com", "https://user:${TOKEN}@host.com",
                  "postgres://app:<password>@db:5432/app", "https://:@host.com", "ftp://anonymous:guest@ftp.corp"])


# Provider rules, then (imported by it) the name-only long tail: appended to
# SPECS after the ones above, which they refine and must not duplicate.
from corpus import catalog_providers  # noqa: E402,F401

# ---------------------------------------------------------------------------- TOML writer

def _toml_str(value: str) -> str:
    if "'''" not in value and "\n" not in value and "'" not in value:
        return f"'{value}'"
    if "'''" not in value and not value.endswith("'"):
        return f"'''{value}'''" if "\n" not in value else f"'''\n{value}'''"
    return json.dumps(value)


def _toml_list(values: list[str], indent: str = "  ") -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"{indent}{_toml_str(v)},\n" for v in values) + "]"


def examples_for(spec: Spec, count: int = 2) -> list[str]:
    fake = Fake(f"example:{spec.id}")
    return [spec.render(fake, spec.templates[i % len(spec.templates)])[0] for i in range(count)]


def default_negatives(spec: Spec) -> list[str]:
    """The rule's own shape filled with x: what docs and templates write."""
    fake = Fake(f"negative:{spec.id}")
    text, secret = spec.render(fake, spec.templates[0])
    return [text.replace(secret, re.sub(r"[A-Za-z0-9]", "x", secret))]


def render_file(family: str, specs: list[Spec]) -> str:
    out = [f"# {family}: written by `python -m corpus.catalog` from corpus/catalog.py.\n"
           "# Examples are generated fakes (right prefix, length, charset, checksum), never real.\n"]
    for spec in specs:
        out.append("\n[[rules]]")
        out.append(f"id = {_toml_str(spec.id)}")
        out.append(f"description = {json.dumps(spec.description)}")
        out.append(f"regex = {_toml_str(spec.regex)}")
        out.append(f"keywords = {json.dumps(spec.keywords)}")
        if spec.entropy is not None:
            out.append(f"entropy = {spec.entropy}")
        if spec.path:
            out.append(f"path = {_toml_str(spec.path)}")
        if spec.validate:
            out.append(f"validate = {json.dumps(spec.validate)}")
        if spec.max_length:
            out.append(f"max_length = {spec.max_length}")
        if spec.detector:
            out.append(f"detector = {json.dumps(spec.detector)}")
        out.append(f"severity = {json.dumps(spec.severity)}")
        out.append(f"confidence = {json.dumps(spec.confidence)}")
        out.append(f"examples = {_toml_list(examples_for(spec))}")
        out.append(f"negative_examples = {_toml_list(spec.negatives or default_negatives(spec))}")
        if spec.allow:
            out.append("\n[[rules.allowlists]]")
            out.append(f"description = {json.dumps(spec.allow.get('description', ''))}")
            if spec.allow.get("regexTarget"):
                out.append(f"regexTarget = {json.dumps(spec.allow['regexTarget'])}")
            if spec.allow.get("regexes"):
                out.append(f"regexes = {_toml_list(spec.allow['regexes'])}")
            if spec.allow.get("paths"):
                out.append(f"paths = {_toml_list(spec.allow['paths'])}")
            if spec.allow.get("stopwords"):
                out.append(f"stopwords = {_toml_list(spec.allow['stopwords'])}")
    return "\n".join(out) + "\n"


def write_rules(directory: Path) -> list[Path]:
    families: dict[str, list[Spec]] = {}
    for spec in SPECS:
        families.setdefault(spec.file, []).append(spec)
    written = []
    for family, specs in sorted(families.items()):
        path = directory / f"{family}.toml"
        path.write_text(render_file(family, specs), encoding="utf-8")
        written.append(path)
    return written


BY_ID = {s.id: s for s in SPECS}

if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "rules"
    for p in write_rules(target):
        print(p)
    print(f"{len(SPECS)} rules")
