"""gitleaks rule ids and the leakwarden rules that find the same thing.

Used wherever a gitleaks file names rules: ``[extend] disabledRules`` in a
``.gitleaks.toml``, and the rule field of ``.gitleaksignore`` entries. An id
that is a leakwarden id too maps to itself (``gitleaks_to_leakwarden``
checks that against the rule set in use); the table holds the renames.
``generic-api-key`` is special: gitleaks reports a secret under it that
leakwarden's specific rules report under their own id (the generic rule
yields to them), so an ignore entry for it covers whichever rule finds a
secret on that line.
"""

from __future__ import annotations

from collections.abc import Collection

ANY_RULE = "*"

# gitleaks id -> leakwarden ids (ids spelled the same in both are not listed)
GITLEAKS_RULES: dict[str, tuple[str, ...]] = {
    "1password-secret-key": ("onepassword-secret-key",),
    "1password-service-account-token": ("onepassword-service-account-token",),
    "airtable-personnal-access-token": ("airtable-pat",),
    "algolia-api-key": ("algolia-admin-key",),
    "alibaba-secret-key": ("alibaba-access-key-secret",),
    "anthropic-admin-api-key": ("anthropic-admin-key",),
    "aws-access-token": ("aws-access-key-id",),
    "aws-amazon-bedrock-api-key-long-lived": ("aws-bedrock-api-key",),
    "aws-amazon-bedrock-api-key-short-lived": ("aws-bedrock-api-key",),
    "clojars-api-token": ("clojars-token",),
    "cloudflare-api-key": ("cloudflare-api-token",),
    "codecov-access-token": ("codecov-token",),
    "cohere-api-token": ("cohere-api-key",),
    "contentful-delivery-api-token": ("contentful-token",),
    "digitalocean-access-token": ("digitalocean-oauth-token",),
    "discord-api-token": ("discord-bot-token",),
    "doppler-api-token": ("doppler-personal-token", "doppler-service-token"),
    "gcp-service-account": ("gcp-service-account-key",),
    "generic-api-key": (ANY_RULE,),
    "github-app-token": ("github-app-user-token", "github-app-installation-token"),
    "github-oauth": ("github-oauth-token",),
    "gitlab-cicd-job-token": ("gitlab-ci-job-token",),
    "gitlab-kubernetes-agent-token": ("gitlab-agent-token",),
    "gitlab-pat-routable": ("gitlab-pat",),
    "gitlab-ptt": ("gitlab-pipeline-trigger-token",),
    "gitlab-rrt": ("gitlab-runner-registration-token",),
    "gitlab-runner-authentication-token": ("gitlab-runner-auth-token",),
    "gitlab-runner-authentication-token-routable": ("gitlab-runner-auth-token",),
    "gocardless-api-token": ("gocardless-token",),
    "grafana-cloud-api-token": ("grafana-cloud-token",),
    "hashicorp-tf-api-token": ("terraform-cloud-token",),
    "huggingface-access-token": ("huggingface-token",),
    "huggingface-organization-api-token": ("huggingface-org-token",),
    "intercom-api-key": ("intercom-access-token",),
    "jfrog-api-key": ("artifactory-api-key",),
    "jfrog-identity-token": ("artifactory-reference-token",),
    "kubernetes-secret-yaml": ("kubernetes-secret-data",),
    "launchdarkly-access-token": ("launchdarkly-api-token",),
    "mailgun-private-api-token": ("mailgun-api-key", "mailgun-private-key-v2"),
    "mapbox-api-token": ("mapbox-secret-token",),
    "mattermost-access-token": ("mattermost-token",),
    "microsoft-teams-webhook": ("msteams-webhook-url",),
    "netlify-access-token": ("netlify-pat",),
    "new-relic-browser-api-token": ("newrelic-browser-api-token",),
    "new-relic-insert-key": ("newrelic-insert-key",),
    "new-relic-user-api-key": ("newrelic-user-api-key",),
    "notion-api-token": ("notion-integration-token",),
    "okta-access-token": ("okta-api-token",),
    "pkcs12-file": ("pkcs12-password",),
    "plaid-api-token": ("plaid-access-token",),
    "planetscale-api-token": ("planetscale-token",),
    "planetscale-oauth-token": ("planetscale-token",),
    "postman-api-token": ("postman-api-key",),
    "pulumi-api-token": ("pulumi-access-token",),
    "pypi-upload-token": ("pypi-token",),
    "rubygems-api-token": ("rubygems-api-key",),
    "sendgrid-api-token": ("sendgrid-api-key",),
    "sendinblue-api-token": ("sendinblue-api-key",),
    "sentry-access-token": ("sentry-legacy-auth-token",),
    "shippo-api-token": ("shippo-token",),
    "shopify-access-token": ("shopify-admin-at-token",),
    "shopify-custom-access-token": ("shopify-custom-ca-token",),
    "shopify-private-app-access-token": ("shopify-private-pa-token",),
    "shopify-shared-secret": ("shopify-app-ss-token",),
    "slack-config-access-token": ("slack-config-token",),
    "slack-config-refresh-token": ("slack-config-token",),
    "snyk-api-token": ("snyk-token",),
    "sonar-api-token": ("sonarqube-token",),
    "stripe-access-token": ("stripe-secret-key", "stripe-test-secret-key"),
    "telegram-bot-api-token": ("telegram-bot-token",),
    "travisci-access-token": ("travis-ci-token",),
    "typeform-api-token": ("typeform-pat",),
    "zendesk-secret-key": ("zendesk-api-token",),
}


def gitleaks_to_leakwarden(rule: str, known: Collection[str]) -> tuple[str, ...] | None:
    """The leakwarden ids for a gitleaks id (``("*",)``: any rule), or None
    when leakwarden has no counterpart. ``known``: the ids of the rule set."""
    if rule in GITLEAKS_RULES:
        mapped = tuple(r for r in GITLEAKS_RULES[rule] if r == ANY_RULE or r in known)
        if mapped:
            return mapped
    return (rule,) if rule in known else None
