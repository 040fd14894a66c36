"""Generated Terraform state and plan documents with a known answer.

``build(seed)`` returns documents (state v4 with modules, counts and
for_each, state v3, ``terraform show -json`` of a plan) over several
providers, each with the secrets it holds (address -> value) and the
values that must never be reported (ids, ARNs, hashes, public keys,
usernames, nulls). Every value is made up here.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from corpus.fakegen import B32U, B62, B64, HEX, LOWER_ALNUM, UPPER_ALNUM, Fake


@dataclass
class StateDoc:
    name: str  # a file name (prod.tfstate, plan.json)
    data: bytes
    secrets: dict[str, str] = field(default_factory=dict)  # address -> value
    not_secrets: set[str] = field(default_factory=set)


def _sens(*names: str) -> list[list[dict[str, Any]]]:
    return [[{"type": "get_attr", "value": n}] for n in names]


class _Builder:
    def __init__(self, f: Fake, account: str) -> None:
        self.f = f
        self.account = account
        self.secrets: dict[str, str] = {}
        self.plain: set[str] = set()

    def secret(self, address: str, value: str) -> str:
        self.secrets[address] = value
        return value

    def keep(self, value: str) -> str:
        self.plain.add(value)
        return value

    def arn(self, service: str, rest: str) -> str:
        return self.keep(f"arn:aws:{service}:us-east-1:{self.account}:{rest}")

    def pem_public(self) -> str:
        return self.keep("-----BEGIN PUBLIC KEY-----\n" + self.f.pem_body(4) + "\n-----END PUBLIC KEY-----\n")


def _resources_v4(b: _Builder) -> list[dict[str, Any]]:
    f = b.f
    aws = 'provider["registry.terraform.io/hashicorp/aws"]'
    out: list[dict[str, Any]] = []
    # module.db: RDS instance + Aurora cluster + random_password feeding them
    pw = f.password(24)
    out.append({"module": "module.db", "mode": "managed", "type": "random_password", "name": "db",
                "provider": 'provider["registry.terraform.io/hashicorp/random"]',
                "instances": [{"schema_version": 3, "attributes": {
                    "bcrypt_hash": b.keep("$2a$10$" + f.pick(B62, 53)), "id": "none",
                    "keepers": None, "length": 24, "lower": True, "min_lower": 0,
                    "override_special": "!%^*-_+", "result": b.secret("module.db.random_password.db.result", pw),
                    "special": True}, "sensitive_attributes": _sens("bcrypt_hash", "result")}]})
    out.append({"module": "module.db", "mode": "managed", "type": "aws_db_instance", "name": "main",
                "provider": aws, "instances": [{"schema_version": 2, "attributes": {
                    "address": b.keep("main.c" + f.pick(LOWER_ALNUM, 12) + ".us-east-1.rds.amazonaws.com"),
                    "arn": b.arn("rds", "db:prod-main"), "engine": "postgres", "engine_version": "15.4",
                    "id": b.keep("db-" + f.pick(UPPER_ALNUM, 26)), "identifier": "prod-main",
                    "kms_key_id": b.arn("kms", "key/" + f.uuid()), "master_user_secret": [],
                    "password": b.secret("module.db.aws_db_instance.main.password", pw),
                    "username": b.keep("app_admin"), "port": 5432, "tags": {"env": "prod"},
                    "ca_cert_identifier": "rds-ca-rsa2048-g1", "timeouts": None,
                }, "sensitive_attributes": _sens("password"),
                    "dependencies": ["module.db.random_password.db"]}]})
    aurora = f.password(20)
    out.append({"module": "module.db", "mode": "managed", "type": "aws_rds_cluster", "name": "reporting",
                "provider": aws, "instances": [{"schema_version": 0, "attributes": {
                    "arn": b.arn("rds", "cluster:reporting"), "cluster_identifier": "reporting",
                    "master_password": b.secret("module.db.aws_rds_cluster.reporting.master_password", aurora),
                    "master_username": "report", "id": "reporting", "storage_encrypted": True},
                    "sensitive_attributes": _sens("master_password")}]})
    # IAM access keys with count: index_key 0 and 1
    instances = []
    for i in range(2):
        secret = f.pick(B64, 40)
        smtp = "B" + f.pick(B64, 43)
        instances.append({"index_key": i, "schema_version": 0, "attributes": {
            "create_date": "2026-01-02T03:04:05Z", "encrypted_secret": None,
            "encrypted_ses_smtp_password_v4": None,
            "id": "AKIA" + f.pick(B32U, 16),
            "key_fingerprint": None, "pgp_key": None,
            "secret": b.secret(f"aws_iam_access_key.ci[{i}].secret", secret),
            "ses_smtp_password_v4": b.secret(f"aws_iam_access_key.ci[{i}].ses_smtp_password_v4", smtp),
            "status": "Active", "user": "ci"},
            "sensitive_attributes": _sens("secret", "ses_smtp_password_v4")})
    out.append({"mode": "managed", "type": "aws_iam_access_key", "name": "ci", "provider": aws,
                "instances": instances})
    # Secrets Manager value holding JSON, SSM SecureString and a String (not secret)
    secret_json = json.dumps({"username": "svc", "password": f.password(18)})
    out.append({"mode": "managed", "type": "aws_secretsmanager_secret_version", "name": "api",
                "provider": aws, "instances": [{"schema_version": 0, "attributes": {
                    "arn": b.arn("secretsmanager", "secret:api-" + f.pick(B62, 6)),
                    "id": b.keep(f"arn:aws:secretsmanager:us-east-1:{b.account}:secret:api|" + f.uuid()),
                    "secret_binary": "", "secret_id": b.arn("secretsmanager", "secret:api"),
                    "secret_string": b.secret("aws_secretsmanager_secret_version.api.secret_string", secret_json),
                    "version_id": b.keep(f.uuid()), "version_stages": ["AWSCURRENT"]},
                    "sensitive_attributes": _sens("secret_string")}]})
    out.append({"mode": "managed", "type": "aws_ssm_parameter", "name": "token", "provider": aws,
                "instances": [{"schema_version": 0, "attributes": {
                    "arn": b.arn("ssm", "parameter/app/token"), "name": "/app/token", "type": "SecureString",
                    "value": b.secret("aws_ssm_parameter.token.value", f.pick(B62, 32)),
                    "insecure_value": None, "key_id": "alias/aws/ssm", "tier": "Standard", "version": 3},
                    "sensitive_attributes": _sens("value")}]})
    out.append({"mode": "managed", "type": "aws_ssm_parameter", "name": "region", "provider": aws,
                "instances": [{"schema_version": 0, "attributes": {
                    "arn": b.arn("ssm", "parameter/app/region"), "name": "/app/region", "type": "String",
                    "value": b.keep("eu-central-1-primary"), "insecure_value": None, "version": 1},
                    "sensitive_attributes": _sens("value")}]})
    # A key pair: only the public half is in state
    out.append({"mode": "managed", "type": "aws_key_pair", "name": "deploy", "provider": aws,
                "instances": [{"schema_version": 1, "attributes": {
                    "arn": b.arn("ec2", "key-pair/deploy"), "fingerprint": b.keep(":".join(
                        f.pick(HEX, 2) for _ in range(16))), "key_name": "deploy",
                    "public_key": b.keep("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA" + f.pick(B64, 43) + " deploy"),
                    "id": "deploy"}, "sensitive_attributes": []}]})
    # tls_private_key: private halves secret, public halves and fingerprints not
    out.append({"module": "module.bastion", "mode": "managed", "type": "tls_private_key", "name": "ssh",
                "provider": 'provider["registry.terraform.io/hashicorp/tls"]',
                "instances": [{"schema_version": 1, "attributes": {
                    "algorithm": "RSA", "ecdsa_curve": "P224", "id": b.keep(f.pick(HEX, 40)),
                    "private_key_openssh": b.secret("module.bastion.tls_private_key.ssh.private_key_openssh",
                                                    f.pem("OPENSSH PRIVATE KEY", 8) + "\n"),
                    "private_key_pem": b.secret("module.bastion.tls_private_key.ssh.private_key_pem",
                                                f.pem("RSA PRIVATE KEY", 10) + "\n"),
                    "private_key_pem_pkcs8": b.secret("module.bastion.tls_private_key.ssh.private_key_pem_pkcs8",
                                                      f.pem("PRIVATE KEY", 10) + "\n"),
                    "public_key_fingerprint_md5": b.keep(":".join(f.pick(HEX, 2) for _ in range(16))),
                    "public_key_fingerprint_sha256": b.keep("SHA256:" + f.pick(B64, 43)),
                    "public_key_openssh": b.keep("ssh-rsa AAAAB3NzaC1yc2E" + f.pick(B64, 200) + "\n"),
                    "public_key_pem": b.pem_public(), "rsa_bits": 4096},
                    "sensitive_attributes": _sens("private_key_openssh", "private_key_pem",
                                                  "private_key_pem_pkcs8")}]})
    # Azure storage account (for_each) and a SQL server
    azure = 'provider["registry.terraform.io/hashicorp/azurerm"]'
    instances = []
    for name in ("logs", "backups"):
        key1, key2 = f.b64(64), f.b64(64)
        account = f"st{name}{f.pick(LOWER_ALNUM, 6)}"
        conn = (f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key1};"
                "EndpointSuffix=core.windows.net")
        base = f'azurerm_storage_account.data["{name}"]'
        instances.append({"index_key": name, "schema_version": 4, "attributes": {
            "id": b.keep(f"/subscriptions/{f.uuid()}/resourceGroups/rg/providers/"
                         f"Microsoft.Storage/storageAccounts/{account}"),
            "name": account, "primary_access_key": b.secret(f"{base}.primary_access_key", key1),
            "secondary_access_key": b.secret(f"{base}.secondary_access_key", key2),
            "primary_connection_string": b.secret(f"{base}.primary_connection_string", conn),
            "primary_blob_endpoint": b.keep(f"https://{account}.blob.core.windows.net/"),
            "network_rules": [{"default_action": "Deny", "ip_rules": ["203.0.113.0/24"]}]},
            "sensitive_attributes": _sens("primary_access_key", "secondary_access_key",
                                          "primary_connection_string")})
    out.append({"mode": "managed", "type": "azurerm_storage_account", "name": "data",
                "provider": azure, "instances": instances})
    sql_pw = f.password(22)
    out.append({"mode": "managed", "type": "azurerm_mssql_server", "name": "main", "provider": azure,
                "instances": [{"schema_version": 0, "attributes": {
                    "administrator_login": "sqladmin",
                    "administrator_login_password": b.secret(
                        "azurerm_mssql_server.main.administrator_login_password", sql_pw),
                    "fully_qualified_domain_name": "main.database.windows.net",
                    "identity": [], "id": b.keep(f"/subscriptions/{f.uuid()}/servers/main")},
                    "sensitive_attributes": _sens("administrator_login_password")}]})
    # Google service account key (base64 JSON) and SQL user
    google = 'provider["registry.terraform.io/hashicorp/google"]'
    sa_key = base64.b64encode(json.dumps({"type": "service_account", "private_key_id": f.pick(HEX, 40),
                                          "private_key": f.pem("PRIVATE KEY", 8)}).encode()).decode()
    out.append({"module": "module.gke", "mode": "managed", "type": "google_service_account_key",
                "name": "ci", "provider": google, "instances": [{"schema_version": 0, "attributes": {
                    "id": b.keep(f"projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/{f.pick(HEX, 40)}"),
                    "key_algorithm": "KEY_ALG_RSA_2048", "name": "keys/ci",
                    "private_key": b.secret("module.gke.google_service_account_key.ci.private_key", sa_key),
                    "private_key_type": "TYPE_GOOGLE_CREDENTIALS_FILE",
                    "public_key": b.keep(base64.b64encode(b.pem_public().encode()).decode()),
                    "valid_after": "2026-01-01T00:00:00Z"},
                    "sensitive_attributes": _sens("private_key")}]})
    # kubernetes_secret: every data value is a secret, metadata is not
    k8s_pw, k8s_token = f.password(20), f.pick(B62, 40)
    out.append({"module": "module.app", "mode": "managed", "type": "kubernetes_secret", "name": "app",
                "provider": 'provider["registry.terraform.io/hashicorp/kubernetes"]',
                "instances": [{"schema_version": 0, "attributes": {
                    "binary_data": None,
                    "data": {"DB_PASSWORD": b.secret('module.app.kubernetes_secret.app.data["DB_PASSWORD"]', k8s_pw),
                             "API_TOKEN": b.secret('module.app.kubernetes_secret.app.data["API_TOKEN"]', k8s_token)},
                    "id": "default/app-secrets", "immutable": False,
                    "metadata": [{"name": "app-secrets", "namespace": "default",
                                  "uid": b.keep(f.uuid()), "resource_version": "48121",
                                  "annotations": {}, "labels": {"app": "web"}}],
                    "type": "Opaque"},
                    "sensitive_attributes": [[{"type": "get_attr", "value": "data"}]]}]})
    # vault token, data source
    out.append({"mode": "data", "type": "vault_generic_secret", "name": "stripe",
                "provider": 'provider["registry.terraform.io/hashicorp/vault"]',
                "instances": [{"schema_version": 0, "attributes": {
                    "data": {"secret_key": b.secret('data.vault_generic_secret.stripe.data["secret_key"]',
                                                    "sk_live_" + f.pick(B62, 24))},
                    "data_json": None, "id": "secret/stripe", "lease_duration": 0,
                    "lease_id": "", "path": "secret/stripe", "version": -1},
                    "sensitive_attributes": []}]})
    # Lambda environment: a map of variables, secret by name only
    lambda_pw = f.password(20)
    out.append({"mode": "managed", "type": "aws_lambda_function", "name": "worker", "provider": aws,
                "instances": [{"schema_version": 0, "attributes": {
                    "arn": b.arn("lambda", "function:worker"), "function_name": "worker",
                    "environment": [{"variables": {
                        "DB_PASSWORD": b.secret('aws_lambda_function.worker.environment[0].variables["DB_PASSWORD"]',
                                                lambda_pw),
                        "LOG_LEVEL": b.keep("debug-verbose"), "QUEUE_URL": b.keep(
                            f"https://sqs.us-east-1.amazonaws.com/{b.account}/jobs")}}],
                    "source_code_hash": b.keep(f.b64(32)), "kms_key_arn": "",
                    "role": b.arn("iam", "role/worker"), "timeout": 30},
                    "sensitive_attributes": []}]})
    # a resource with nothing secret, nulls and computed values
    out.append({"mode": "managed", "type": "aws_s3_bucket", "name": "state", "provider": aws,
                "instances": [{"schema_version": 0, "attributes": {
                    "arn": b.arn("s3", "tf-state"), "bucket": "tf-state",
                    "bucket_regional_domain_name": "tf-state.s3.us-east-1.amazonaws.com",
                    "hosted_zone_id": b.keep("Z3AQBSTGFYJSTF"), "id": "tf-state", "policy": "",
                    "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [
                        {"kms_master_key_id": "", "sse_algorithm": "AES256"}]}]}],
                    "tags": None, "versioning": [{"enabled": True, "mfa_delete": False}]},
                    "sensitive_attributes": []}]})
    return out


def state_v4(f: Fake, account: str = "111122223333") -> StateDoc:
    b = _Builder(f, account)
    outputs = {
        "db_endpoint": {"value": b.keep("main.c0ffee.us-east-1.rds.amazonaws.com:5432"), "type": "string"},
        "db_password": {"value": b.secret("output.db_password", f.password(24)), "type": "string",
                        "sensitive": True},
        "ci_key_id": {"value": "AKIA" + f.pick(B32U, 16), "type": "string"},
    }
    resources = _resources_v4(b)
    doc = {"version": 4, "terraform_version": "1.7.5", "serial": 42, "lineage": f.uuid(),
           "outputs": outputs, "resources": resources, "check_results": None}
    text = json.dumps(doc, indent=2)
    # Terraform writes &, <, > escaped (Go's encoding/json)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return StateDoc("env/prod.tfstate", text.encode() + b"\n", b.secrets, b.plain)


def state_v3(f: Fake) -> StateDoc:
    b = _Builder(f, "222233334444")
    pw = f.password(20)
    token = f.pick(B62, 32)
    doc = {"version": 3, "terraform_version": "0.11.14", "serial": 7, "lineage": f.uuid(),
           "modules": [
               {"path": ["root"], "outputs": {
                   "admin_password": {"sensitive": True, "type": "string",
                                      "value": b.secret("output.admin_password", f.password(16))}},
                "resources": {"aws_db_instance.legacy": {"type": "aws_db_instance", "depends_on": [],
                              "primary": {"id": b.keep("legacy-db"), "attributes": {
                                  "arn": b.arn("rds", "db:legacy"), "id": "legacy-db",
                                  "password": b.secret("aws_db_instance.legacy.password", pw),
                                  "username": "root", "tags.%": "1", "tags.env": "old"}},
                              "provider": "provider.aws"}}},
               {"path": ["root", "cache"], "outputs": {}, "resources": {
                   "aws_elasticache_replication_group.main": {
                       "type": "aws_elasticache_replication_group", "provider": "provider.aws",
                       "primary": {"id": "main", "attributes": {
                           "auth_token": b.secret("module.cache.aws_elasticache_replication_group.main.auth_token",
                                                  token),
                           "id": "main", "number_cache_clusters": "2",
                           "member_clusters.#": "2", "member_clusters.1": "main-001",
                           "member_clusters.2": "main-002"}}}}},
           ]}
    return StateDoc("legacy/terraform.tfstate.backup", json.dumps(doc, indent=2).encode(), b.secrets, b.plain)


def plan_json(f: Fake) -> StateDoc:
    b = _Builder(f, "333344445555")
    pw = f.password(22)
    values = {"allocated_storage": 20, "identifier": "stage", "password": pw, "username": "stage_admin",
              "arn": None, "id": None}
    b.secrets["module.stage.aws_db_instance.this.password"] = pw
    token = "hvs." + f.pick(B62, 24)
    b.secrets["vault_token.ci.client_token"] = token
    webhook = f.pick(B62, 32)
    b.secrets["var.webhook_secret"] = webhook
    doc = {
        "format_version": "1.2", "terraform_version": "1.8.0",
        "variables": {"region": {"value": b.keep("us-east-1-stage")}, "webhook_secret": {"value": webhook}},
        "planned_values": {"root_module": {
            "resources": [{"address": "vault_token.ci", "mode": "managed", "type": "vault_token",
                           "name": "ci", "provider_name": "registry.terraform.io/hashicorp/vault",
                           "values": {"client_token": token, "policies": ["ci"], "ttl": "24h",
                                      "lease_duration": 86400},
                           "sensitive_values": {"client_token": True, "policies": [False]}}],
            "child_modules": [{"address": "module.stage", "resources": [
                {"address": "module.stage.aws_db_instance.this", "mode": "managed", "type": "aws_db_instance",
                 "name": "this", "provider_name": "registry.terraform.io/hashicorp/aws",
                 "values": values, "sensitive_values": {"password": True, "tags": {}}}]}]}},
        "resource_changes": [
            {"address": "module.stage.aws_db_instance.this", "module_address": "module.stage",
             "mode": "managed", "type": "aws_db_instance", "name": "this",
             "provider_name": "registry.terraform.io/hashicorp/aws",
             "change": {"actions": ["create"], "before": None, "after": values,
                        "after_unknown": {"arn": True, "id": True},
                        "before_sensitive": False, "after_sensitive": {"password": True}}}],
        "configuration": {"provider_config": {"aws": {"name": "aws"}}},
    }
    return StateDoc("plans/stage.plan.json", json.dumps(doc, indent=2).encode(), b.secrets, b.plain)


def build(seed: int | str = 1) -> list[StateDoc]:
    f = Fake(f"tfstate-{seed}")
    return [state_v4(f), state_v3(f), plan_json(f)]
