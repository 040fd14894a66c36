"""Provider rules added for catalog breadth (issue 15), appended to ``spec.SPECS``
by ``corpus.catalog`` after its own (it imports this module; this one imports
only ``corpus.spec``).

Two kinds, as in ``catalog``:

* ``token``: the format carries its own prefix or structure (``pscale_pw_``,
  ``EZAK``, ``sha256~``) and is found anywhere;
* ``named``: a key with no prefix of its own (32 hex, 40 alphanumerics, a
  UUID) is only a credential of that provider when the provider's name stands
  next to it: the name must be a word (``etsyToken``, ``ETSY_TOKEN``), not in
  an e-mail address, on the value's line at most 40 characters before it (or
  the tag of the XML element holding it); an everyday-word name (``linear``)
  also needs a credential word after it (``spec.name_gate``). These rules say
  so in their description and carry medium confidence.

Formats come from the providers' documentation and from reading the peers'
rule lists (gitleaks, kingfisher, trufflehog); no peer regex or example is
copied: every example here is generated.
"""

from __future__ import annotations

import base64
import json

from corpus.fakegen import B62, B64, B64URL, DIGITS, HEX, LOWER_ALNUM, UPPER_ALNUM, Alphabet
from corpus.spec import (
    NEAR,
    SPECS,
    UUID_RE,
    Spec,
    _gen_of,
    _placeholder_of,
    _regex_of,
    custom,
    name_gate,
    token,
    word_gated,
)

B62X = Alphabet(B62.chars + "_-=", "A-Za-z0-9_=-")       # alphanumerics with _ - = (url-safe, padded)
B64X = Alphabet(B64.chars + "_-=", "A-Za-z0-9+/_=-")
HEXM = Alphabet("0123456789abcdefABCDEF", "0-9a-fA-F")
UUID = [(HEX, 8), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 4), "-", (HEX, 12)]


def named(rule_id: str, file: str, description: str, names: str, keywords: list[str], parts: list,
          *, var: str | None = None, confidence: str = "medium", entropy: float = 3.0,
          secret: str | None = None, gen=None, severity: str = "high", common: bool = False,  # noqa: ANN001
          **kw: object) -> Spec:
    """A value identified only by the provider's name nearby (same line, bounded
    distance); ``common``: the name is an everyday word and needs a credential word too."""
    body = secret or _regex_of(parts)
    classes = "".join(p[0].cls for p in parts if not isinstance(p, str))
    if not secret and "0-9" in classes and ("a-z" in classes or "A-Z" in classes) and not any(
            isinstance(p, str) for p in parts) and all(p[1] >= 16 for p in parts):
        # A generated key mixes letters and digits; an identifier
        # (searchConfluenceUsingCql) does not.
        body = "(?=[A-Za-z_=+/.~-]*[0-9])" + body
    last = parts[-1]
    after = "A-Za-z0-9" if isinstance(last, str) else last[0].cls
    var = var or rule_id.split("-")[0].upper() + "_TOKEN"
    spec = Spec(
        id=rule_id, file=file,
        description=description + " (identified by the provider's name within 40 characters on its line)",
        regex=f"{name_gate(names, common=common)}{NEAR}(?P<secret>{body})(?![{after}])",
        keywords=keywords, gen=gen or _gen_of(parts),
        templates=kw.pop("templates", None) or [f'{var}="{{s}}"', f"{var.lower()}: {{s}}",  # type: ignore[arg-type]
                                                f"{var} = '{{s}}'"],
        negatives=kw.pop("negatives", None) or [f'{var}="${{{var}}}"', f"{var}=",  # type: ignore[arg-type]
                                                f'{var}="{_placeholder_of(parts)}"'],
        confidence=confidence, entropy=entropy, severity=severity, **kw,  # type: ignore[arg-type]
    )
    SPECS.append(spec)
    return spec


def _fix(rule_id: str, **changes: object) -> None:
    spec = next(s for s in SPECS if s.id == rule_id)
    for key, value in changes.items():
        setattr(spec, key, value)


# ---------------------------------------------------------------------------- prefixed tokens
token("planetscale-oauth-token", "cloud", "PlanetScale OAuth token", ["pscale_oauth_", (B62X, 32, 64)],
      before="A-Za-z0-9_-")
token("settlemint-token", "cloud", "SettleMint personal, application or service access token",
      ["sm_pat_", (B62, 16)], keywords=["sm_pat_", "sm_aat_", "sm_sat_"],
      gen=lambda f: f.rng.choice(["sm_pat_", "sm_aat_", "sm_sat_"]) + f.pick(B62, 16))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>sm_(?:pat|aat|sat)_[A-Za-z0-9]{16})(?![A-Za-z0-9])"
token("easypost-api-key", "saas", "EasyPost production or test API key", ["EZAK", (B62, 54)],
      keywords=["ezak", "eztk"], gen=lambda f: f.rng.choice(["EZAK", "EZTK"]) + f.pick(B62, 54))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>EZ[AT]K[A-Za-z0-9]{54})(?![A-Za-z0-9])"
token("clickhouse-cloud-api-secret", "database", "ClickHouse Cloud API key secret", ["4b1d", (B62, 38)],
      keywords=["4b1d"], entropy=3.5)
token("databricks-api-token", "cloud", "Databricks personal access token", ["dapi", (HEX, 32)],
      keywords=["dapi"], gen=lambda f: "dapi" + f.pick(HEX, 32) + f.rng.choice(["", "-2"]))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>dapi[a-f0-9]{32}(?:-\d)?)(?![A-Za-z0-9])"
token("prefect-api-key", "cloud", "Prefect Cloud API key", ["pnu_", (B62, 36)])
token("readme-api-key", "saas", "ReadMe API key", ["rdme_", (LOWER_ALNUM, 70)])
token("openshift-user-token", "kubernetes", "OpenShift user (OAuth) token", ["sha256~", (B64URL, 43)],
      before="A-Za-z0-9_-", keywords=["sha256~"])
token("scalingo-api-token", "cloud", "Scalingo API token", ["tk-us-", (B64URL, 48)], before="A-Za-z0-9_-")
token("authress-access-key", "saas", "Authress service client access key",
      ["sc_", (LOWER_ALNUM, 5, 30), ".", (LOWER_ALNUM, 4, 6), ".acc_", (LOWER_ALNUM, 10, 32), ".",
       (B64X, 30, 120)], keywords=[".acc_", ".acc-"],
      gen=lambda f: f"{f.rng.choice(['sc', 'ext', 'scauth', 'authress'])}_{f.pick(LOWER_ALNUM, 12)}."
                    f"{f.pick(LOWER_ALNUM, 5)}.acc_{f.pick(LOWER_ALNUM, 20)}.{f.pick(B64, 60)}")
SPECS[-1].regex = (r"(?<![A-Za-z0-9_])(?P<secret>(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}"
                   r"\.acc[_-][A-Za-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,120})(?![A-Za-z0-9+/_=-])")
token("defined-networking-api-token", "cloud", "Defined Networking (Nebula) API token",
      ["dnkey-", (B62X, 26), "-", (B62X, 52)], before="A-Za-z0-9_-")
token("duffel-api-token", "saas", "Duffel API token", ["duffel_live_", (B62X, 43)], before="A-Za-z0-9_-",
      keywords=["duffel_live_", "duffel_test_"],
      gen=lambda f: f.rng.choice(["duffel_live_", "duffel_test_"]) + f.pick(B62X, 43))
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>duffel_(?:live|test)_[A-Za-z0-9_=-]{43})(?![A-Za-z0-9_=-])"
token("frameio-api-token", "saas", "Frame.io developer token", ["fio-u-", (B62X, 64)], before="A-Za-z0-9_-")
token("infracost-api-token", "saas", "Infracost API key", ["ico-", (B62, 32)], before="A-Za-z0-9_.-")
token("maxmind-license-key", "saas", "MaxMind license key", [(B62, 6), "_", (B62, 29), "_mmk"],
      keywords=["_mmk"])
token("sourcegraph-access-token", "saas", "Sourcegraph access token", ["sgp_", (HEX, 16), "_", (HEX, 40)],
      keywords=["sgp_"],
      gen=lambda f: "sgp_" + f.rng.choice([f.pick(HEX, 16) + "_", "local_", ""]) + f.pick(HEX, 40))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40})(?![A-Za-z0-9])"
token("intra42-client-secret", "saas", "42 intranet (Intra) application secret", ["s-s4t2ud-", (HEX, 64)],
      before="A-Za-z0-9_-", keywords=["s-s4t2ud-", "s-s4t2af-"])
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>s-s4t2(?:ud|af)-[a-f0-9]{64})(?![a-f0-9])"
token("octopus-deploy-api-key", "ci", "Octopus Deploy API key", ["API-", (UPPER_ALNUM, 26)], before="A-Za-z0-9_-",
      keywords=["api-"], confidence="medium", entropy=3.5)
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>API-[A-Z0-9]{26})(?![A-Za-z0-9])"
token("adobe-client-secret", "saas", "Adobe client secret", ["p8e-", (B62, 32)], before="A-Za-z0-9_-")
token("flyio-macaroon-token", "cloud", "Fly.io macaroon token (fm1/fm2)", ["fm2_", (B64, 100, 300)],
      after="A-Za-z0-9+/=", keywords=["fm1a_", "fm1r_", "fm2_"],
      gen=lambda f: f.rng.choice(["fm1a_", "fm1r_", "fm2_"]) + f.b64(120))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>(?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,}={0,3})(?![A-Za-z0-9+/=])"
SPECS[-1].max_length = 4096
token("gitlab-session-cookie", "gitlab", "GitLab session cookie", ["_gitlab_session=", (LOWER_ALNUM, 32)],
      keywords=["_gitlab_session="], before="A-Za-z0-9", severity="medium")
token("slack-config-refresh-token", "messaging", "Slack configuration refresh token",
      ["xoxe-1-", (UPPER_ALNUM, 146)], before="A-Za-z0-9_.-", keywords=["xoxe-"])
token("grafana-api-key", "saas", "Grafana API key (legacy, base64 JSON with k/n/id)",
      ["eyJrIjoi", (B62, 70, 400)], after="A-Za-z0-9=", keywords=["eyjrijoi"],
      gen=lambda f: base64.b64encode(json.dumps({"k": f.pick(B62, 32), "n": "ci-" + f.pick(LOWER_ALNUM, 5),
                                                  "id": f.rng.randrange(1, 99)}, separators=(",", ":")
                                                 ).encode()).decode())
SPECS[-1].regex = r"(?<![A-Za-z0-9+/])(?P<secret>eyJrIjoi[A-Za-z0-9]{70,400}={0,3})(?![A-Za-z0-9+/=])"
token("facebook-page-access-token", "messaging", "Meta (Facebook) access token (EAA...)",
      ["EAAC", (B62, 100, 200)], keywords=["eaa"], entropy=4.0,
      gen=lambda f: f.rng.choice(["EAAC", "EAAM", "EAAG", "EAAJ"]) + f.pick(B62, 160))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>EAA[A-Z][A-Za-z0-9]{100,400})(?![A-Za-z0-9])"
token("facebook-access-token-appid", "messaging", "Meta (Facebook) app access token (app id|secret)",
      [(DIGITS, 15), "|", (B64URL, 27, 40)], keywords=["|", "%7c"], entropy=3.5, confidence="medium",
      gen=lambda f: f.pick(DIGITS, 15) + "|" + f.pick(B64URL, 32))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>\d{15,16}(?:\||%7[Cc])[0-9A-Za-z_-]{27,40})(?![A-Za-z0-9_-])"
token("dropbox-short-lived-token", "saas", "Dropbox short-lived access token (sl.)",
      ["sl.", (B62X, 135, 160)], before="A-Za-z0-9_.-", keywords=["sl."], entropy=4.0)
SPECS[-1].regex = r"(?<![A-Za-z0-9_.-])(?P<secret>sl\.(?:u\.)?[A-Za-z0-9_=-]{130,1400})(?![A-Za-z0-9_=-])"
SPECS[-1].max_length = 1500
token("sidekiq-sensitive-url", "packages", "Sidekiq Pro/Enterprise gem source URL with credentials",
      ["https://", (HEX, 8), ":", (HEX, 8), "@gems.contribsys.com/"], keywords=["contribsys.com"])
SPECS[-1].regex = (r"(?i)https?://(?P<secret>[a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com"
                   r"(?:[/#?:]|$)")
token("nuget-config-password", "credfiles", "Password in a NuGet.Config packageSourceCredentials entry",
      ['<add key="ClearTextPassword" value="', (B62, 16), '" />'], keywords=["password"],
      gen=lambda f: f.password())
SPECS[-1].regex = r"""(?i)<add\s+key=\\?["'](?:ClearText)?Password\\?["']\s+value=\\?["'](?P<secret>[^"'\\\s]{8,256})\\?["']"""
SPECS[-1].templates = ['<add key="ClearTextPassword" value="{s}" />', '<add key="Password" value="{s}" />']
SPECS[-1].negatives = ['<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />']
SPECS[-1].negatives = ['<add key="Username" value="someone@example.com" />']
token("new-relic-insert-key-nrii", "saas", "New Relic insights query key", ["NRIQ-", (B64URL, 32)],
      before="A-Za-z0-9_-")
token("new-relic-mobile-app-token", "saas", "New Relic mobile app token", ["AA", (HEX, 40), "-NRMA"],
      keywords=["-nrma"])
token("twitter-bearer-token", "messaging", "X (Twitter) app bearer token", ["AAAAAAAAAAAAAAAAAAAAA", (B62, 70, 100)],
      keywords=["aaaaaaaaaaaaaaaaaaaaa"], entropy=3.5,
      gen=lambda f: "A" * 22 + f.pick(B62, 40) + "%3D" + f.pick(B62, 40))
SPECS[-1].regex = r"(?<![A-Za-z0-9])(?P<secret>A{22}[A-Za-z0-9%]{80,120})(?![A-Za-z0-9%])"
token("pagerduty-user-token", "saas", "PagerDuty REST API user token (u+...)", ["u+", (B64URL, 18)],
      keywords=["u+"], confidence="low", entropy=3.5, gen=lambda f: "u+" + f.pick(B62, 18))
SPECS.pop()  # judged too weak without context: kept as the named pagerduty rule below


# ---------------------------------------------------------------------------- named (provider name nearby)
def _id_and_secret(prefix: str, names: str, keywords: list[str], pairs: list[tuple[str, str, list]],
                   file: str = "saas", **kw: object) -> None:
    for suffix, desc, parts in pairs:
        named(f"{prefix}-{suffix}", file, desc, names, keywords, parts, var=f"{prefix.upper().replace('-', '_')}_"
              f"{suffix.upper().replace('-', '_')}", **kw)  # type: ignore[arg-type]


A = B62  # gitleaks-style "alphanumeric": providers issue mixed case
_id_and_secret("jfrog", r"jfrog|artifactory|bintray|" + word_gated("xray"), ["jfrog", "artifactory", "bintray", "xray"], [
    ("api-key", "JFrog platform API key", [(LOWER_ALNUM, 73)]),
    ("identity-token", "JFrog identity token", [(LOWER_ALNUM, 64)]),
], file="packages", entropy=3.5)
_id_and_secret("twitter", r"twitter|\bx[_.-]api", ["twitter", "x_api", "x-api"], [
    ("api-key", "X (Twitter) API key", [(A, 25)]),
    ("api-secret", "X (Twitter) API secret", [(A, 50)]),
    ("access-token", "X (Twitter) access token", [(DIGITS, 15, 25), "-", (A, 20, 40)]),
    ("access-secret", "X (Twitter) access token secret", [(A, 45)]),
], file="messaging", entropy=3.5)
_id_and_secret("messagebird", r"message[_.-]?bird", ["messagebird", "message_bird", "message-bird",
                                                       "message.bird"], [
    ("api-key", "MessageBird (Bird) API key", [(A, 25)]),
    ("client-id", "MessageBird client id", UUID),
], file="messaging")
named("telegram-bot-token-named", "messaging", "Telegram bot token (short bot id)", r"telegram|telegraf", ["telegr"],
      [(DIGITS, 5, 16), ":A", (B64URL, 34)], var="TELEGRAM_BOT_TOKEN", entropy=3.5)
_id_and_secret("yandex", r"yandex", ["yandex"], [
    ("aws-access-token", "Yandex Cloud static access key", ["YC", (B64URL, 38)]),
    ("api-key", "Yandex Cloud API key", ["AQVN", (B64URL, 35, 38)]),
], file="cloud")
_id_and_secret("discord", word_gated("discord"), ["discord"], [
    ("api-key", "Discord application API key", [(HEXM, 64)]),
    ("client-secret", "Discord application client secret", [(B62X, 32)]),
], file="messaging")
named("etsy-access-token", "saas", "Etsy API key", r"etsy", ["etsy"], [(A, 24)], entropy=3.5)
_id_and_secret("plaid", word_gated("plaid"), ["plaid"], [
    ("client-id", "Plaid client id", [(A, 24)]),
    ("secret-key", "Plaid secret", [(A, 30)]),
], file="payments", entropy=3.5)
token("plaid-api-token", "payments", "Plaid access token (any environment)",
      ["access-sandbox-", *UUID], keywords=["access-sandbox-", "access-development-", "access-production-"],
      gen=lambda f: f"access-{f.rng.choice(['sandbox', 'development', 'production'])}-{f.uuid()}")
SPECS[-1].regex = (r"(?<![A-Za-z0-9_-])(?P<secret>access-(?:sandbox|development|production)-" + UUID_RE
                   + r")(?![A-Za-z0-9])")
named("sidekiq-secret", "packages", "Sidekiq Pro/Enterprise gem server credentials",
      r"BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM", ["contribsys__com"], [(HEX, 8), ":", (HEX, 8)],
      var="BUNDLE_GEMS__CONTRIBSYS__COM")
_id_and_secret("sumologic", word_gated("(?-i:[Ss]umo|SUMO)(?:[_.-]?(?i:logic))?"), ["sumo"], [
    ("access-id", "Sumo Logic access id", ["su", (A, 12)]),
    ("access-token", "Sumo Logic access key", [(A, 64)]),
], entropy=3.5)
_id_and_secret("asana", r"asana", ["asana"], [
    ("client-secret", "Asana OAuth client secret", [(A, 32)]),
], entropy=2.8)
token("asana-personal-access-token", "saas", "Asana personal access token (1/ or 2/ format)",
      ["2/", (DIGITS, 16), "/", (DIGITS, 16), ":", (HEX, 32)], keywords=["/"],
      gen=lambda f: f"{f.rng.choice('12')}/{f.pick(DIGITS, 16)}/{f.pick(DIGITS, 16)}:{f.pick(HEX, 32)}")
SPECS[-1].regex = r"(?<![A-Za-z0-9/])(?P<secret>[12]/\d{12,16}/\d{12,16}:[0-9a-f]{32})(?![0-9a-f])"
_id_and_secret("bitbucket", r"bitbucket", ["bitbucket"], [
    ("client-id", "Bitbucket OAuth consumer key", [(A, 32)]),
    ("client-secret-long", "Bitbucket OAuth consumer secret", [(B62X, 64)]),
], file="ci", entropy=3.5)
_id_and_secret("lob", word_gated("lob"), ["lob"], [
    ("api-key", "Lob API key", ["live_", (HEX, 35)]),
    ("pub-api-key", "Lob publishable API key", ["live_pub_", (HEX, 31)]),
])
SPECS[-2].regex = SPECS[-2].regex.replace("live_", "(?:live|test)_")
SPECS[-1].regex = SPECS[-1].regex.replace("live_pub_", "(?:live|test)_pub_")
_id_and_secret("confluent", word_gated("confluent"), ["confluent"], [
    ("access-token", "Confluent Cloud API key", [(A, 16)]),
    ("secret-key", "Confluent Cloud API secret", [(A, 64)]),
], file="cloud", entropy=3.3)
_id_and_secret("finicity", r"finicity", ["finicity"], [
    ("client-secret", "Finicity partner secret", [(A, 20)]),
    ("api-token", "Finicity app key", [(HEX, 32)]),
], file="payments")
_id_and_secret("linkedin", r"linked[_.-]?in", ["linkedin", "linked_in", "linked-in", "linked.in"], [
    ("client-id", "LinkedIn client id", [(A, 14)]),
    ("client-secret", "LinkedIn client secret", [(A, 16)]),
], file="messaging")
token("harness-access-token", "ci", "Harness personal or service account token (pat./sat.)",
      ["pat.", (B64URL, 22), ".", (B62, 24), ".", (B62, 20)], keywords=["pat.", "sat."],
      gen=lambda f: f"{f.rng.choice(['pat', 'sat'])}.{f.pick(B64URL, 22)}.{f.pick(B62, 24)}.{f.pick(B62, 20)}",
      severity="critical")
SPECS[-1].regex = (r"(?<![A-Za-z0-9_])(?P<secret>(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20})"
                   r"(?![A-Za-z0-9])")
named("droneci-access-token", "ci", "Drone CI access token", r"drone(?:[_.-]?ci)?", ["drone"], [(A, 32)], entropy=3.5,
      common=True)
_id_and_secret("kucoin", r"kucoin", ["kucoin"], [
    ("access-token", "KuCoin API key", [(HEX, 24)]),
    ("secret-key", "KuCoin API secret", UUID),
], file="payments")
_id_and_secret("sendbird", r"sendbird", ["sendbird"], [
    ("access-token", "Sendbird API token", [(HEX, 40)]),
    ("access-id", "Sendbird application id", [(HEXU := Alphabet("0123456789ABCDEF", "0-9A-F"), 8), "-",
                                                (HEXU, 4), "-", (HEXU, 4), "-", (HEXU, 4), "-", (HEXU, 12)]),
], file="messaging")
SPECS[-1].regex = SPECS[-1].regex.replace("0-9A-F", "0-9A-Fa-f")
_id_and_secret("bittrex", r"bittrex", ["bittrex"], [
    ("access-key", "Bittrex API key", [(A, 32)]),
], file="payments")
_id_and_secret("looker", word_gated("looker"), ["looker"], [
    ("client-id", "Looker API client id", [(A, 20)]),
    ("client-secret", "Looker API client secret", [(A, 24)]),
])
_id_and_secret("newrelic", r"new[_.-]?relic|\bnr[_.-]", ["relic", "nr_", "nr-", "nr."], [
    ("user-api-id", "New Relic user API id", [(A, 64)]),
], entropy=3.3)
_id_and_secret("facebook", r"facebook|\bfb[_.-]", ["facebook", "fb_", "fb-", "fb."], [
    ("app-secret", "Meta (Facebook) app secret", [(HEX, 32)]),
], file="messaging")
_id_and_secret("mailgun", r"mailgun", ["mailgun"], [
    ("pub-key", "Mailgun public validation key", ["pubkey-", (HEX, 32)]),
    ("signing-key", "Mailgun webhook signing key", [(HEX, 32), "-", (HEX, 8), "-", (HEX, 8)]),
], file="messaging")
SPECS[-1].regex = SPECS[-1].regex.replace("[0-9a-f]", "[0-9a-h]")
_id_and_secret("cloudflare", r"cloudflare", ["cloudflare"], [
    ("api-key-any", "Cloudflare API token", [(B62X, 40)]),
], entropy=3.5)
_id_and_secret("shippo", r"shippo", ["shippo"], [("test-token", "Shippo test API token", ["shippo_test_", (HEX, 40)])])
token("shippo-api-token", "saas", "Shippo API token", ["shippo_live_", (HEXM, 40)],
      keywords=["shippo_live_", "shippo_test_"],
      gen=lambda f: f.rng.choice(["shippo_live_", "shippo_test_"]) + f.pick(HEX, 40))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>shippo_(?:live|test)_[a-fA-F0-9]{40})(?![A-Za-z0-9])"
SPECS.pop(-2)  # the bare token rule covers both
_id_and_secret("sentry", word_gated("sentry"), ["sentry"], [("access-token", "Sentry auth token (64 hex)", [(HEX, 64)])])
_id_and_secret("squarespace", r"squarespace", ["squarespace"], [("access-token", "Squarespace API key", UUID)])
_id_and_secret("beamer", word_gated("beamer"), ["beamer"], [("api-token", "Beamer API key", ["b_", (B62X, 44)])])
_id_and_secret("datadog", r"datadog", ["datadog"], [("access-token", "Datadog application/API key", [(A, 40)])],
               entropy=3.5)
_id_and_secret("launchdarkly", r"launch[_.-]?darkly", ["launchdarkly", "launch_darkly", "launch-darkly"], [
    ("access-token", "LaunchDarkly access token", [(B62X, 40)])], entropy=3.5)
_id_and_secret("intercom", r"intercom", ["intercom"], [("api-key", "Intercom API key", [(B62X, 60)])], entropy=3.5)
_id_and_secret("netlify", r"netlify", ["netlify"], [("access-token", "Netlify access token (legacy)", [(B62X, 40, 46)])],
               file="cloud", entropy=3.5)
_id_and_secret("okta", r"okta", ["okta"], [("access-token", "Okta API token", ["00", (B62X, 40)])],
               severity="critical")
_id_and_secret("adobe", word_gated("adobe"), ["adobe"], [("client-id", "Adobe client id", [(HEX, 32)])], severity="medium")
_id_and_secret("trello", r"trello", ["trello"], [("access-token", "Trello API token/key", [(A, 32)])], entropy=3.5)
_id_and_secret("rapidapi", r"rapid[_.-]?api", ["rapidapi", "rapid_api", "rapid-api"], [
    ("access-token", "RapidAPI key", [(B62X, 50)])], entropy=3.5)
_id_and_secret("sendgrid", r"sendgrid", ["sendgrid"], [("api-token-named", "SendGrid API key", ["SG.", (B62X, 66)])],
               file="messaging")
_id_and_secret("algolia", r"algolia", ["algolia"], [("api-key", "Algolia API key", [(LOWER_ALNUM, 32)])], entropy=3.5)
_id_and_secret("coinbase", r"coinbase", ["coinbase"], [("access-token", "Coinbase API key", [(B62X, 64)])],
               file="payments", entropy=3.5)
_id_and_secret("dropbox", r"dropbox", ["dropbox"], [
    ("api-token", "Dropbox app key", [(A, 15)]),
    ("long-lived-token", "Dropbox long-lived access token", [(A, 11), "AAAAAAAAAA", (B62X, 43)]),
])
_id_and_secret("flickr", r"flickr", ["flickr"], [("access-token", "Flickr API key", [(A, 32)])], entropy=3.5)
_id_and_secret("kraken", word_gated("kraken"), ["kraken"], [("access-token", "Kraken API key", [(B64X, 80, 90)])],
               file="payments", entropy=3.5)
_id_and_secret("meraki", r"meraki", ["meraki"], [("api-key", "Cisco Meraki API key", [(HEX, 40)])], file="cloud")
_id_and_secret("twitch", word_gated("twitch"), ["twitch"], [("api-token", "Twitch API token", [(A, 30)])], file="messaging",
               entropy=3.5)
_id_and_secret("adafruit", r"adafruit", ["adafruit"], [("api-key", "Adafruit IO key", [(B62X, 32)])], entropy=3.5)
_id_and_secret("airtable", r"airtable", ["airtable"], [("api-key", "Airtable API key (legacy)", [(A, 17)])],
               entropy=3.3)
_id_and_secret("codecov", r"codecov", ["codecov"], [("access-token", "Codecov access token", [(A, 32)])],
               file="ci", entropy=3.5)
_id_and_secret("finnhub", r"finnhub", ["finnhub"], [("access-token", "Finnhub API key", [(A, 20)])],
               file="payments", entropy=3.3)
_id_and_secret("freshbooks", r"freshbooks", ["freshbooks"], [("access-token", "FreshBooks access token", [(A, 64)])],
               file="payments", entropy=3.5)
_id_and_secret("gitter", r"gitter", ["gitter"], [("access-token", "Gitter access token", [(B62X, 40)])],
               file="messaging", entropy=3.5)
_id_and_secret("hubspot", r"hubspot", ["hubspot"], [("api-key", "HubSpot API key (legacy)", UUID)])
_id_and_secret("linear", word_gated("linear"), ["linear"], [("client-secret", "Linear OAuth client secret", [(HEX, 32)])])
_id_and_secret("nytimes", r"nytimes|new[_.-]?york[_.-]?times", ["nytimes", "newyorktimes", "new_york_times",
                                                                  "new-york-times"], [
    ("access-token", "New York Times API key", [(B62X, 32)])], entropy=3.5)
_id_and_secret("typeform", r"typeform", ["typeform"], [("api-token", "Typeform token", ["tfp_", (B62X, 59)])])
_id_and_secret("mattermost", r"mattermost", ["mattermost"], [("access-token", "Mattermost access token",
                                                               [(A, 26)])], file="messaging", entropy=3.3)
_id_and_secret("zendesk", r"zendesk", ["zendesk"], [("secret-key", "Zendesk API token", [(A, 40)])], entropy=3.5)
_id_and_secret("contentful", r"contentful", ["contentful"], [("delivery-token", "Contentful delivery API token",
                                                               [(B62X, 43)])], entropy=3.5)
_id_and_secret("fastly", r"fastly", ["fastly"], [("api-token-any", "Fastly API token", [(B62X, 32)])], entropy=3.5)
_id_and_secret("travisci", r"travis", ["travis"], [("access-token", "Travis CI access token", [(A, 22)])],
               file="ci", entropy=3.3)
_id_and_secret("heroku", r"heroku", ["heroku"], [("api-key-uuid", "Heroku API key", UUID)], file="cloud")
_id_and_secret("alibaba", r"alibaba|aliyun", ["alibaba", "aliyun"], [("secret-key", "Alibaba Cloud AccessKey secret",
                                                                       [(A, 30)])], file="cloud", entropy=3.5)
_id_and_secret("gocardless", r"gocardless", ["gocardless"], [("api-token", "GoCardless access token",
                                                               ["live_", (B62X, 40)])], file="payments")
_id_and_secret("snyk", r"snyk", ["snyk"], [("api-token", "Snyk API token", UUID)], file="ci")
_id_and_secret("sonar", word_gated("sonar"), ["sonar"], [("api-token", "SonarQube / SonarCloud token", [(B62X, 40)])],
               file="ci", entropy=3.3)
_id_and_secret("mapbox", r"mapbox", ["mapbox"], [("public-token", "Mapbox public token", ["pk.", (B62X, 60), ".",
                                                                                          (B62X, 22)])],
               severity="low")
_id_and_secret("mailchimp", r"mailchimp", ["mailchimp"], [("api-key-named", "Mailchimp API key",
                                                           [(HEX, 32), "-us", (DIGITS, 2)])], file="messaging")
_id_and_secret("privateai", r"private[_.-]?ai", ["privateai", "private_ai", "private-ai"], [
    ("api-token", "Private AI API key", [(A, 32)])], file="ai", entropy=3.5)
_id_and_secret("atlassian", r"atlassian|jira|" + word_gated("confluence"), ["atlassian", "confluence", "jira"], [
    ("api-token-any", "Atlassian API token", [(A, 24)])], entropy=3.5)
token("cloudflare-scannable-token", "saas", "Cloudflare user or account API token (cfut_/cfat_)",
      ["cfut_", (B62, 40), (HEX, 8)], keywords=["cfut_", "cfat_"], severity="critical",
      gen=lambda f: f.rng.choice(["cfut_", "cfat_"]) + f.pick(B62, 40) + f.pick(HEX, 8))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>cf[ua]t_[A-Za-z0-9]{40}[a-f0-9]{8})(?![A-Za-z0-9])"
token("newrelic-browser-key", "saas", "New Relic browser key", ["NRBR-", (HEX, 19)], before="A-Za-z0-9_-")
token("salesforce-access-token", "saas", "Salesforce access/session token (org id ! session)",
      ["00D", (B62, 12), "!", (B62X, 96)], keywords=["!"], entropy=3.5,
      gen=lambda f: "00D" + f.pick(B62, 12) + "!" + f.pick(B62, 96))
SPECS[-1].regex = r"(?<![A-Za-z0-9_])(?P<secret>00D[A-Za-z0-9]{12,15}![A-Za-z0-9_.]{80,110})(?![A-Za-z0-9_.])"
named("mandrill-api-key", "messaging", "Mailchimp Transactional (Mandrill) API key", word_gated("mandrill"),
      ["mandrill"], [(B62X, 22)], var="MANDRILL_API_KEY", entropy=3.5,
      gen=lambda f: f.rng.choice(["", "md-"]) + f.pick(B62, 22))
SPECS[-1].regex = SPECS[-1].regex.replace("(?P<secret>", "(?P<secret>(?:md-)?")
named("particle-access-token", "saas", "Particle (particle.io) access token", word_gated(r"particle(?:[_.-]?io)?"),
      ["particle"], [(HEX, 40)], var="PARTICLE_ACCESS_TOKEN", entropy=3.0)
_id_and_secret("freemius", r"freemius|secret_key", ["freemius", "secret_key"], [
    ("secret-key", "Freemius secret key", ["sk_", (B62X, 29)])])

# ---------------------------------------------------------------------------- fixes to existing rules
# Lengths and alphabets the providers document more widely than the first rules did.
_fix("planetscale-token", regex=r"(?<![A-Za-z0-9_])(?P<secret>pscale_tkn_[A-Za-z0-9_=.-]{32,64})(?![A-Za-z0-9_=.-])")
_fix("planetscale-password",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>pscale_pw_[A-Za-z0-9_=.-]{32,64})(?![A-Za-z0-9_=.-])")
_fix("flutterwave-secret-key",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>FLW(?:SECK|PUBK)(?:_TEST)?-[A-Za-z0-9]{32}-X|FLWSECK_TEST[A-Za-z0-9]{12})"
           r"(?![A-Za-z0-9])", keywords=["flwseck", "flwpubk"])
_fix("flyio-access-token", regex=r"(?<![A-Za-z0-9_-])(?P<secret>fo1_[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")
_fix("square-access-token", regex=r"(?<![A-Za-z0-9_-])(?P<secret>EAAA[A-Za-z0-9_-]{22,60})(?![A-Za-z0-9_?=-])")
_fix("square-legacy-access-token",
     regex=r"(?<![A-Za-z0-9_-])(?P<secret>sq0atp-[A-Za-z0-9_-]{22,60})(?![A-Za-z0-9_-])")
_fix("dynatrace-api-token",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64})(?![A-Za-z0-9])")
_fix("terraform-cloud-token",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})(?![A-Za-z0-9_=-])")
_fix("sendgrid-api-key",
     regex=r"(?<![A-Za-z0-9_-])(?P<secret>SG\.[A-Za-z0-9_-]{20,24}\.[A-Za-z0-9_-]{39,50})(?![A-Za-z0-9_-])")
_fix("linear-api-key", regex=r"(?<![A-Za-z0-9_])(?P<secret>lin_api_[A-Za-z0-9]{40})(?![A-Za-z0-9])")
_fix("grafana-cloud-token",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,3})(?![A-Za-z0-9+/=])", keywords=["glc_"])
_fix("grafana-service-account-token",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9])")
_fix("vault-service-token", regex=r"(?<![A-Za-z0-9_.-])(?P<secret>hvs\.[A-Za-z0-9_-]{90,120})(?![A-Za-z0-9_-])")
_fix("doppler-personal-token",
     regex=r"(?<![A-Za-z0-9_.])(?P<secret>dp\.pt\.[A-Za-z0-9]{40,44})(?![A-Za-z0-9])")
_fix("postman-api-key", regex=r"(?<![A-Za-z0-9_])(?P<secret>PMAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34})(?![A-Za-z0-9])")
_fix("hex-pm-api-key", confidence="medium")
_fix("okta-api-token", regex=name_gate("okta") + NEAR + r"(?P<secret>00[A-Za-z0-9_=-]{40})(?![A-Za-z0-9_=-])")
_fix("cloudflare-origin-ca-key",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})(?![A-Za-z0-9])")
_fix("gitlab-ci-job-token",
     regex=r"(?<![A-Za-z0-9_-])(?P<secret>glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20})(?![A-Za-z0-9_-])")
_fix("gitlab-session-cookie", regex=r"_gitlab_session=(?P<secret>[0-9a-z]{32})(?![A-Za-z0-9])")
_fix("newrelic-user-api-key", regex=r"(?<![A-Za-z0-9_])(?P<secret>NRAK-[A-Za-z0-9]{27})(?![A-Za-z0-9])")
_fix("slack-config-token",
     regex=r"(?<![A-Za-z0-9_-])(?P<secret>xoxe\.xox[bp]-\d-[A-Za-z0-9]{140,200})(?![A-Za-z0-9])")
_fix("slack-config-refresh-token",
     regex=r"(?<![A-Za-z0-9_.-])(?P<secret>xoxe-\d-[A-Za-z0-9]{130,170})(?![A-Za-z0-9])")
# Google documents access tokens only as opaque and up to 2 KB; short ones exist.
# The pattern is open-ended and max_length bounds it: a long bounded repeat
# multiplies Hyperscan's compile time.
_fix("google-oauth-access-token",
     regex=r"(?<![A-Za-z0-9_-])(?P<secret>ya29\.[A-Za-z0-9_-]{30,})(?![A-Za-z0-9_-])", max_length=2100)
_fix("slack-webhook-url",
     regex=r"(?P<secret>(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/"
           r"(?:T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/(?:\d{12,20}/)?[A-Za-z0-9]{20,34}|[A-Za-z0-9+/]{43,56}))(?![A-Za-z0-9])")
_fix("sentry-org-token",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>sntrys_eyJ[A-Za-z0-9+/]{60,400}={0,2}_[A-Za-z0-9_/+-]{43})(?![A-Za-z0-9_-])")
_fix("sidekiq-secret", entropy=2.5)
_fix("flutterwave-secret-key",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>FLW(?:SECK|PUBK)(?:_TEST)?-[A-Za-z0-9]{32}-X|FLWSECK_TEST-?[A-Za-z0-9]{12})"
           r"(?![A-Za-z0-9])")
# Stripe keys are alphanumeric; a `sk_live_` key with `-` in it is another
# provider's (Apideck), and 40 lowercase hex after it is Paystack's format.
_fix("stripe-secret-key",
     regex=r"(?<![A-Za-z0-9_])(?P<secret>(?:sk|rk)_live_(?![a-f0-9]{40}(?![A-Za-z0-9_-]))[0-9A-Za-z]{24,247})"
           r"(?![A-Za-z0-9_-])")
token("paystack-secret-key", "payments", "Paystack live secret key", ["sk_live_", (HEX, 40)],
      keywords=["sk_live_"], severity="critical")
token("slack-legacy-bot-token", "messaging", "Slack legacy bot token (two-part)",
      ["xoxb-", (DIGITS, 8, 14), "-", (B62, 18, 26)], keywords=["xoxb-"])
token("slack-legacy-workspace-token", "messaging", "Slack legacy workspace access/refresh token (xoxa-/xoxr-)",
      ["xoxa-2-", (DIGITS, 10), "-", (DIGITS, 11), "-", (DIGITS, 13), "-", (HEX, 18, 40)], keywords=["xoxa-", "xoxr-"])
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>xox[ar]-(?:\d-)?[0-9A-Za-z-]{8,90})(?![A-Za-z0-9?-])"
SPECS[-1].entropy = 3.0
token("slack-legacy-token", "messaging", "Slack legacy user token (xoxs-/xoxo-)",
      ["xoxs-", (DIGITS, 12), "-", (DIGITS, 9), "-", (DIGITS, 10), "-", (HEX, 10, 64)], keywords=["xoxs-", "xoxo-"])
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>xox[os]-\d+-\d+-\d+-[a-fA-F0-9]{6,64})(?![A-Za-z0-9])"
token("gitlab-pat-routable", "gitlab", "GitLab routable personal/project/group access token",
      ["glpat-", (B64URL, 27, 40), ".", (LOWER_ALNUM, 9)], before="A-Za-z0-9_-", keywords=["glpat-"],
      severity="critical")
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>glpat-[0-9A-Za-z_-]{27,300}\.[0-9a-z]{9})(?![A-Za-z0-9])"
token("gitlab-runner-auth-token-routable", "gitlab", "GitLab routable runner authentication token",
      ["glrt-t1_", (B64URL, 27, 40), ".", (LOWER_ALNUM, 9)], before="A-Za-z0-9_-", keywords=["glrt-"],
      severity="critical")
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>glrt-(?:t\d_)?[0-9A-Za-z_-]{27,300}\.[0-9a-z]{9})(?![A-Za-z0-9])"
named("yandex-iam-token", "cloud", "Yandex Cloud IAM token", r"yandex", ["yandex"],
      ["t1.", (B64URL, 10, 100), "==.", (B64URL, 86), "=="], var="YANDEX_IAM_TOKEN")
SPECS[-1].regex = (name_gate("yandex") + NEAR
                   + r"(?P<secret>t1\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]{86}={0,2})(?![A-Za-z0-9_=-])")
named("cloudflare-global-api-key-any", "saas", "Cloudflare global API key", r"cloudflare", ["cloudflare"],
      [(HEX, 37)], var="CLOUDFLARE_KEY", severity="critical")

# ---------------------------------------------------------------------------- more prefixed formats
token("openrouter-api-key", "ai", "OpenRouter API key", ["sk-or-v1-", (HEX, 64)], before="A-Za-z0-9_-",
      keywords=["sk-or-v1-"])
# Teamwork's `tkn.v1_` keys are not documented as Teamwork's alone: the
# product's name on the line is the evidence that the prefix is theirs.
named("teamwork-api-token", "saas", "Teamwork.com API token (tkn.v1_)", r"teamwork(?:[._-]?(?:crm|desk|spaces|projects))?",
      ["tkn.v1_"], ["tkn.v1_", (B64, 71), "="], var="TEAMWORK_API_TOKEN", gen=lambda f: "tkn.v1_" + f.b64(54),
      secret=r"tkn\.v1_[A-Za-z0-9+/_-]{60,120}={0,2}")
token("sourcegraph-cody-gateway-key", "ai", "Sourcegraph Cody Gateway access key", ["slk_", (HEX, 64)],
      before="A-Za-z0-9_-")
token("adafruit-io-key", "saas", "Adafruit IO key", ["aio_", (B62, 28)], before="A-Za-z0-9_-")
token("dependency-track-api-key", "ci", "Dependency-Track API key", ["odt_", (B62, 32, 40)],
      before="A-Za-z0-9_-", entropy=3.5)
token("notion-integration-secret", "saas", "Notion internal integration secret (secret_, before ntn_)",
      ["secret_", (B62, 43)], before="A-Za-z0-9_-", confidence="medium", entropy=4.0)
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>secret_(?=[A-Za-z]*[0-9])(?=[0-9]*[A-Za-z])[A-Za-z0-9]{43})(?![A-Za-z0-9])"
token("tines-webhook-url", "ci", "Tines webhook URL (path carries the secret)",
      ["https://", (LOWER_ALNUM, 6, 12), ".tines.com/webhook/", (LOWER_ALNUM, 32), "/", (LOWER_ALNUM, 32)],
      keywords=[".tines.com/webhook/"], before="A-Za-z0-9_-")
SPECS[-1].regex = (r"(?<![A-Za-z0-9_-])(?P<secret>https://[A-Za-z0-9-]{1,63}\.tines\.com/webhook/"
                   r"[a-z0-9]{32}/[a-z0-9]{32})(?![A-Za-z0-9])")
token("zapier-webhook-url", "ci", "Zapier catch hook URL (anyone with it can trigger the Zap)",
      ["https://hooks.zapier.com/hooks/catch/", (DIGITS, 6, 9), "/", (LOWER_ALNUM, 6, 8), "/"],
      keywords=["hooks.zapier.com/hooks/catch/"], confidence="medium", entropy=None)
# With the account id in the path the hook id is short (letters and digits);
# without it, the hook id alone must look generated.
SPECS[-1].regex = (r"(?P<secret>https://hooks\.zapier\.com/hooks/catch/(?:\d{3,12}/(?=[0-9]{0,39}[A-Za-z])[A-Za-z0-9]{5,40}"
                   r"|(?=[A-Za-z]*[0-9])(?=[0-9]*[A-Za-z])[A-Za-z0-9]{12,40}))(?![A-Za-z0-9])")
token("rootly-api-key", "saas", "Rootly API key", ["rootly_", (HEX, 64)], before="A-Za-z0-9_-")
token("salad-cloud-api-key", "cloud", "SaladCloud API key", ["salad_cloud_org_", (B62, 48, 56)],
      keywords=["salad_cloud_"], before="A-Za-z0-9_-",
      gen=lambda f: f.rng.choice(["salad_cloud_org_", "salad_cloud_user_"]) + f.pick(B62, 49))
SPECS[-1].regex = r"(?<![A-Za-z0-9_-])(?P<secret>salad_cloud_(?:org|user)_[A-Za-z0-9]{40,64})(?![A-Za-z0-9])"
token("ramp-client-secret", "payments", "Ramp API client secret", ["ramp_sec_", (B62, 48)], before="A-Za-z0-9_-",
      keywords=["ramp_sec_"])
token("trufflehog-enterprise-secret", "ci", "TruffleHog Enterprise API secret", ["thog-secret-", (HEX, 32)],
      before="A-Za-z0-9_-")
token("flexport-api-key", "saas", "Flexport API key", ["shltm_", (B64URL, 40)], before="A-Za-z0-9_-",
      keywords=["shltm_"], entropy=3.5)
named("zoho-oauth-token", "saas", "Zoho OAuth access or refresh token", r"zoho", ["zoho"],
      ["1000.", (HEX, 32), ".", (HEX, 32)], var="ZOHO_REFRESH_TOKEN")
token("nvidia-api-key", "ai", "NVIDIA API key (build.nvidia.com, NGC)", ["nvapi-", (B64URL, 64)],
      before="A-Za-z0-9_-")
# Password hashes are not the password, but the crypt(3) family is cracked
# offline in hours when the password is weak: a shadow file in a repository is
# a leak. Kerberos AS-REP / TGS hashes are the same story for a domain account.
custom("crypt-password-hash", "keys", "Password hash in crypt(3) format (MD5, SHA-256/512, yescrypt, "
       "Cisco type 8/9): crackable offline", r"", ["$1$", "$5$", "$6$", "$y$", "$8$", "$9$"],
       gen=lambda f: "$6$" + f.pick(Alphabet(B62.chars, "A-Za-z0-9"), 12) + "$"
       + f.pick(Alphabet(B62.chars + "./", "A-Za-z0-9./"), 86),
       templates=["root:{s}:19000:0:99999:7:::", 'password_hash = "{s}"'],
       negatives=['password_hash = "$6$rounds=5000$salt$"', "price: $5$ per unit"],
       severity="medium", confidence="medium", entropy=3.5)
SPECS[-1].regex = (
    r"(?<![A-Za-z0-9$])(?P<secret>\$(?:1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}"
    r"|[56]\$(?:rounds=\d{1,9}\$)?[./0-9A-Za-z]{1,16}\$(?:[./0-9A-Za-z]{86}|[./0-9A-Za-z]{43})"
    r"|y\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{1,86}\$[./0-9A-Za-z]{43}"
    r"|[89]\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}))(?![./0-9A-Za-z$])")
custom("kerberos-roast-hash", "keys", "Kerberos AS-REP or TGS ticket hash (crackable offline to the account's "
       "password)", r"", ["$krb5asrep$", "$krb5tgs$"],
       gen=lambda f: "$krb5asrep$23$" + f.pick(HEX, 32) + "$" + f.pick(HEX, 200),
       templates=["{s}", "hash: {s}"], negatives=["$krb5asrep$23$"], severity="medium", confidence="medium",
       entropy=3.0)
SPECS[-1].regex = (r"(?P<secret>\$krb5(?:asrep|tgs)\$(?:17|18|23)\$(?:[^$\s]{1,120}\$)?[0-9a-fA-F]{32}"
                   r"\$[0-9a-fA-F]{64,})(?![0-9a-fA-F])")
SPECS[-1].max_length = 4200

# Where an older context rule now covers the same value (its name search got
# the same bounded form), the copy added above would only report it twice.
for _dup in ("okta-access-token", "heroku-api-key-uuid", "snyk-api-token", "cloudflare-api-key-any",
             "sentry-access-token", "mailchimp-api-key-named", "travisci-access-token", "alibaba-secret-key",
             "gocardless-api-token", "contentful-delivery-token", "fastly-api-token-any", "zendesk-secret-key",
             "mattermost-access-token"):
    SPECS.remove(next(s for s in SPECS if s.id == _dup))

# A Harness `pat.` token was reported as Drone CI: the old rule becomes Harness's.
SPECS.remove(next(s for s in SPECS if s.id == "drone-ci-token"))

from corpus import catalog_longtail  # noqa: E402,F401 - the name-only rules, after the structured ones

_ids = [s.id for s in SPECS]
assert len(_ids) == len(set(_ids)), sorted(i for i in _ids if _ids.count(i) > 1)
