"""Terraform state and plan JSON, parsed: each secret under its resource address.

Byte scanners see ``"password": "..."`` in a state file but not whose
password it is, and miss the secrets that carry no recognisable prefix
(``random_password.db.result``, ``aws_iam_access_key.ci.secret``). This
module reads the document the way Terraform wrote it:

* state format 4 (``resources[].instances[].attributes`` with
  ``sensitive_attributes`` paths) and format 3 (``modules[].resources`` with
  flattened ``primary.attributes``), and their outputs;
* ``terraform show -json`` of a state (``values``) and of a plan
  (``planned_values``, ``prior_state``, ``resource_changes``, ``variables``).

A string attribute is a secret when the provider marked it sensitive, when
the table below names it for its resource type, or when its name says so
(``*_password``, ``*_connection_string``, ...) -- and never when its name
says it is an id, an ARN, a hash or a public key. Each one becomes a
``Match`` at the byte span of the value in the document, labelled with the
resource address, so a finding reads ``module.db.aws_db_instance.main.password``.

Pure: bytes in, matches out, no I/O (it belongs with the engine).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scanner.engine.entropy import shannon_entropy
from scanner.model import Confidence, JSONObject, Match, Severity

# Bump when what this parser reports changes: ``RuleSet.version`` (on which
# incremental stores key their "already scanned" records) includes it.
PARSER_VERSION = "tfstate-1"
PARSER = "terraform-state"

ATTRIBUTE_RULE = "terraform-state-attribute"
OUTPUT_RULE = "terraform-state-output"
VARIABLE_RULE = "terraform-plan-variable"


@dataclass(frozen=True)
class ParsedRule:
    """What the parser reports under one rule id. ``scanner.engine.rules``
    makes a ``Rule`` of each (``RuleSet.parsed``), so the ids can be listed,
    enabled and disabled like any rule's. There is no regex (the parser is
    the matcher); the confidence is high whatever the entropy, because the
    provider or the attribute table, not the value, says "secret"."""

    id: str
    severity: Severity
    description: str
    confidence: Confidence = "high"


PARSED_RULES: tuple[ParsedRule, ...] = (
    ParsedRule(ATTRIBUTE_RULE, "critical",
               "Secret attribute of a resource in Terraform state or plan"),
    ParsedRule(OUTPUT_RULE, "high",
               "Sensitive or secret-named output in Terraform state or plan"),
    ParsedRule(VARIABLE_RULE, "high",
               "Secret input variable recorded in a Terraform plan"),
)

# Attribute paths (dotted, list indices dropped, ``*`` = every map key) that
# hold secrets, by resource type. From the providers' documentation of
# sensitive/secret attributes; the name patterns below catch the rest.
SECRET_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    # AWS
    "aws_db_instance": ("password",),
    "aws_rds_cluster": ("master_password",),
    "aws_docdb_cluster": ("master_password",),
    "aws_neptune_cluster": ("master_password",),
    "aws_redshift_cluster": ("master_password",),
    "aws_redshiftserverless_namespace": ("admin_user_password",),
    "aws_elasticache_replication_group": ("auth_token",),
    "aws_elasticache_user": ("passwords",),
    "aws_memorydb_user": ("authentication_mode.passwords",),
    "aws_mq_broker": ("user.password",),
    "aws_opensearch_domain": ("advanced_security_options.master_user_options.master_user_password",),
    "aws_elasticsearch_domain": ("advanced_security_options.master_user_options.master_user_password",),
    "aws_dms_endpoint": ("password",),
    "aws_directory_service_directory": ("password",),
    "aws_iam_access_key": ("secret", "ses_smtp_password_v4"),
    "aws_iam_user_login_profile": ("password",),
    "aws_secretsmanager_secret_version": ("secret_string", "secret_binary"),
    "aws_ssm_parameter": ("value",),
    "aws_lightsail_key_pair": ("private_key",),
    "aws_kms_ciphertext": ("plaintext",),
    "aws_appsync_api_key": ("key",),
    "aws_api_gateway_api_key": ("value",),
    # random / tls
    "random_password": ("result",),
    "tls_private_key": ("private_key_pem", "private_key_pem_pkcs8", "private_key_openssh"),
    "tls_self_signed_cert": ("private_key_pem",),
    "tls_cert_request": ("private_key_pem",),
    "tls_locally_signed_cert": ("ca_private_key_pem",),
    # Azure
    "azurerm_storage_account": ("primary_access_key", "secondary_access_key",
                                "primary_connection_string", "secondary_connection_string",
                                "primary_blob_connection_string",
                                "secondary_blob_connection_string"),
    "azurerm_cosmosdb_account": ("primary_key", "secondary_key", "primary_readonly_key",
                                 "secondary_readonly_key", "connection_strings",
                                 "primary_sql_connection_string",
                                 "secondary_sql_connection_string"),
    "azurerm_redis_cache": ("primary_access_key", "secondary_access_key",
                            "primary_connection_string", "secondary_connection_string"),
    "azurerm_mssql_server": ("administrator_login_password",),
    "azurerm_sql_server": ("administrator_login_password",),
    "azurerm_postgresql_server": ("administrator_login_password",),
    "azurerm_postgresql_flexible_server": ("administrator_password",),
    "azurerm_mysql_flexible_server": ("administrator_password",),
    "azurerm_linux_virtual_machine": ("admin_password",),
    "azurerm_windows_virtual_machine": ("admin_password",),
    "azurerm_key_vault_secret": ("value",),
    "azurerm_application_insights": ("instrumentation_key", "connection_string"),
    "azurerm_container_registry": ("admin_password",),
    "azurerm_eventhub_namespace": ("default_primary_key", "default_secondary_key",
                                   "default_primary_connection_string",
                                   "default_secondary_connection_string"),
    "azurerm_servicebus_namespace": ("default_primary_key", "default_secondary_key",
                                     "default_primary_connection_string",
                                     "default_secondary_connection_string"),
    "azurerm_kubernetes_cluster": ("kube_config_raw", "kube_admin_config_raw",
                                   "kube_config.client_key", "kube_config.password",
                                   "kube_admin_config.client_key", "kube_admin_config.password"),
    # Google
    "google_service_account_key": ("private_key",),
    "google_sql_user": ("password",),
    "google_sql_database_instance": ("root_password",),
    "google_secret_manager_secret_version": ("secret_data",),
    "google_storage_hmac_key": ("secret",),
    "google_container_cluster": ("master_auth.client_key", "master_auth.password"),
    # Kubernetes, Vault
    "kubernetes_secret": ("data.*", "binary_data.*"),
    "kubernetes_secret_v1": ("data.*", "binary_data.*"),
    "vault_token": ("client_token",),
    "vault_approle_auth_backend_role_secret_id": ("secret_id",),
    "vault_generic_secret": ("data_json", "data.*"),
    "vault_kv_secret_v2": ("data_json", "data.*"),
    "vault_kv_secret": ("data_json", "data.*"),
    "vault_aws_access_credentials": ("secret_key", "security_token"),
    "vault_database_secret_backend_connection": ("*.password", "*.connection_url"),
    # databases and SaaS
    "postgresql_role": ("password",),
    "mysql_user": ("plaintext_password", "password"),
    "mongodbatlas_database_user": ("password",),
    "snowflake_user": ("password",),
    "digitalocean_database_cluster": ("password", "uri", "private_uri"),
    "github_actions_secret": ("plaintext_value",),
    "github_actions_organization_secret": ("plaintext_value",),
    "databricks_token": ("token_value",),
    "gitlab_personal_access_token": ("token",),
    "gitlab_project_access_token": ("token",),
    "gitlab_group_access_token": ("token",),
    "gitlab_deploy_token": ("token",),
    "cloudflare_api_token": ("value",),
    "tfe_team_token": ("token",),
    "tfe_organization_token": ("token",),
    "datadog_api_key": ("key",),
    "datadog_application_key": ("key",),
}

# Any resource: an attribute (last path step) whose name says "secret".
_SECRET_NAME = re.compile(
    r"""^(?:
        (?:[a-z0-9]+_)*(?:password|passwd|secret|token|connection_string|connection_strings)
      | (?:[a-z0-9]+_)*private_key(?:_pem|_openssh|_pem_pkcs8)?
      | (?:[a-z0-9]+_)*(?:access_key|secret_key|api_key|auth_token|client_secret|primary_key|secondary_key)
      | (?:[a-z0-9]+_)*(?:dsn|database_url|db_url)
    )$""", re.X | re.I)
# Never a secret, whatever the provider marks: identities, references,
# one-way hashes, public halves, encrypted blobs (useless without their key).
_NOT_SECRET_NAME = re.compile(
    r"""(?:^|_)(?:
        id|ids|arn|arns|name|names|hash|sha1|sha256|sha512|md5|fingerprint|fingerprints
      | version|versions|length|policy|type|path|format|status|enabled|kms_key|key_id
      | expiration|expires|ttl|rotation|wo_version
    )$
    | ^(?:public_key\w*|encrypted_\w*|key_fingerprint\w*|bcrypt_hash|\w*_hash|\w*_arn|\w*_id
         |secret_string_wo_version|token_type|secret_type|password_last_used
         |password_reset_required|password_length)$
    """, re.X | re.I)
_ARN = re.compile(r"^arn:aws[\w-]*:")
_MIN_LENGTH = 6  # shorter strings are flags and enums ("true", "md5"), not credentials


@dataclass(frozen=True)
class StateSecret:
    """One secret the parser found, before it is turned into a ``Match``."""

    rule_id: str
    address: str  # module.db.aws_db_instance.main.password
    resource: str  # module.db.aws_db_instance.main (or output.x, var.x)
    resource_type: str
    provider: str
    attribute: str  # password, data["DB_PASSWORD"], master_auth[0].client_key
    key: str  # the JSON key the value stands under (for locating it)
    value: str
    why: str  # sensitive, table, name


def looks_like_terraform(data: bytes, paths: list[str] | tuple[str, ...] | None = None) -> bool:
    """Cheap test before parsing: a JSON object that names Terraform near its start."""
    head = data[:4096].lstrip()
    if not head.startswith(b"{"):
        return False
    if b'"terraform_version"' in head:
        return True
    if paths and any(p.endswith((".tfstate", ".tfstate.backup")) for p in paths):
        return True
    return b'"version"' in head and (b'"resources"' in head or b'"modules"' in head) \
        and b'"lineage"' in head


def parse(data: bytes) -> tuple[str, list[StateSecret]]:
    """The document's kind (``state-v4``, ``state-v3``, ``plan``, ``show``, or
    ``""`` when it is not Terraform) and its secrets, in document order."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "", []
    if not isinstance(doc, dict):
        return "", []
    if isinstance(doc.get("resources"), list) and doc.get("version") in (4, "4"):
        return "state-v4", list(_state_v4(doc))
    if isinstance(doc.get("modules"), list) and doc.get("version") in (1, 2, 3, "3"):
        return "state-v3", list(_state_v3(doc))
    if "format_version" in doc and any(k in doc for k in ("planned_values", "resource_changes")):
        return "plan", list(_plan(doc))
    if "format_version" in doc and isinstance(doc.get("values"), dict):
        return "show", list(_values(doc["values"]))
    return "", []


def find_matches(data: bytes, paths: list[str] | tuple[str, ...] | None = None) -> list[Match]:
    """Matches for every secret in a Terraform document (none for other bytes)."""
    if not looks_like_terraform(data, paths):
        return []
    kind, secrets = parse(data)
    out: list[Match] = []
    seen: set[tuple[str, str]] = set()
    cursor = 0
    for secret in secrets:
        # One finding per (address, value): a plan repeats each value in
        # planned_values, resource_changes and prior_state.
        if (secret.address, secret.value) in seen:
            continue
        seen.add((secret.address, secret.value))
        span = _locate(data, secret.key, secret.value, cursor)
        if span is None:
            span = _locate(data, secret.key, secret.value, 0)
            if span is None:
                continue  # not where we can point at it; the regex rules still see the bytes
        else:
            cursor = span[1]
        start, end, key_start = span
        raw = data[start:end]
        labels = (("address", secret.address), ("resource", secret.resource),
                  ("resource_type", secret.resource_type), ("provider", secret.provider),
                  ("attribute", secret.attribute), ("terraform", kind), ("why", secret.why))
        out.append(Match(secret.rule_id, start, end, key_start, end + 1, raw,
                         round(shannon_entropy(raw), 3), labels=labels))
    return out


# -- locating a value in the raw bytes ----------------------------------------------------

def _encodings(value: str) -> list[bytes]:
    plain = json.dumps(value, ensure_ascii=False)[1:-1].encode()
    ascii_ = json.dumps(value)[1:-1].encode()
    # Terraform (Go's encoding/json) escapes <, > and & in strings.
    go = ascii_.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
    return list(dict.fromkeys([plain, ascii_, go]))


def _locate(data: bytes, key: str, value: str, start: int) -> tuple[int, int, int] | None:
    """(value start, value end, start of its key) of ``"key": "value"`` at or
    after ``start``; list items (``key`` empty) are found by value alone."""
    for encoded in _encodings(value):
        if key:
            pattern = re.compile(re.escape(json.dumps(key).encode()) + rb'\s*:\s*"'
                                 + re.escape(encoded) + b'"')
        else:
            pattern = re.compile(b'"' + re.escape(encoded) + b'"')
        m = pattern.search(data, start)
        if m:
            return m.end() - 1 - len(encoded), m.end() - 1, m.start()
    return None


# -- walking the document -------------------------------------------------------------------

def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string leaf with its path of keys/indices, in document order."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))


# Attributes that are maps (user keys), shown as data["KEY"] the way
# Terraform addresses them, not as nested attributes.
_MAP_ATTRIBUTES = frozenset({"data", "binary_data", "tags", "tags_all", "labels", "annotations",
                             "environment", "variables", "app_settings", "secrets"})


def _show_path(path: tuple[Any, ...]) -> str:
    out = ""
    previous: Any = None
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif out and (previous in _MAP_ATTRIBUTES
                      or not re.fullmatch(r"[a-z_][a-z0-9_]*", str(step))):
            out += f"[{json.dumps(step)}]"
        elif out:
            out += f".{step}"
        else:
            out = str(step)
        previous = step
    return out


def _last_name(path: tuple[Any, ...]) -> str:
    for step in reversed(path):
        if isinstance(step, str):
            return step
    return ""


def _table_hit(resource_type: str, path: tuple[Any, ...]) -> bool:
    names = [s for s in path if isinstance(s, str)]
    for entry in SECRET_ATTRIBUTES.get(resource_type, ()):
        parts = entry.split(".")
        if parts[-1] == "*":
            # data.* : any key one level under "data"
            if len(names) == len(parts) and names[:-1] == parts[:-1]:
                return True
        elif parts[0] == "*":
            if names[-len(parts) + 1:] == parts[1:] and len(names) >= len(parts):
                return True
        elif names == parts:
            return True
    return False


@lru_cache(maxsize=8192)
def _name_kind(name: str) -> str:
    """``veto`` (never a secret), ``secret`` (named like one) or ``""``."""
    if _NOT_SECRET_NAME.search(name):
        return "veto"
    return "secret" if _SECRET_NAME.match(name) else ""


def _judge(resource_type: str, path: tuple[Any, ...], value: str, sensitive: bool) -> str | None:
    """Why this leaf is a secret (``table``, ``sensitive``, ``name``), or None."""
    if len(value) < _MIN_LENGTH or _ARN.match(value):
        return None
    if resource_type in SECRET_ATTRIBUTES and _table_hit(resource_type, path):
        return "table"
    # The name veto applies to map keys too (data["x_hash"]) but not to table
    # entries, which name exact attributes.
    kind = _name_kind(_last_name(path))
    if kind == "veto":
        return None
    if sensitive:
        return "sensitive"
    return "name" if kind == "secret" else None


def _named_leaves(value: Any, path: tuple[Any, ...] = (), named: bool = False
                  ) -> Iterator[tuple[tuple[Any, ...], str]]:
    """String leaves under a secret-looking name only: the fast walk for the
    many resources that have no table entry and no sensitivity marks (a large
    state is mostly those), which skips ids, tags and nested blocks wholesale."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str):
                if len(v) >= _MIN_LENGTH and _name_kind(k) == "secret":
                    yield (*path, k), v
            elif v is not None and not isinstance(v, (int, float, bool)):
                yield from _named_leaves(v, (*path, k), _name_kind(k) == "secret")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                if named:
                    yield (*path, i), v
            elif v is not None and not isinstance(v, (int, float, bool)):
                yield from _named_leaves(v, (*path, i), named)


def _sensitive_paths(instance: JSONObject) -> list[tuple[Any, ...]]:
    """``sensitive_attributes`` (state v4) as tuples of keys/indices."""
    out = []
    for steps in instance.get("sensitive_attributes") or ():
        path: list[Any] = []
        if isinstance(steps, dict) and "path" in steps:  # newer spelling: {"path": [...]}
            steps = steps["path"]
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict):
                continue
            if step.get("type") == "get_attr":
                path.append(step.get("value"))
            elif step.get("type") == "index":
                index = step.get("value")
                path.append(index.get("value") if isinstance(index, dict) else index)
        if path:
            out.append(tuple(path))
    return out


def _under(path: tuple[Any, ...], marks: list[tuple[Any, ...]]) -> bool:
    return any(path[:len(m)] == m for m in marks)


def _sensitive_tree(tree: Any, path: tuple[Any, ...]) -> bool:
    """Plan JSON marks sensitivity as a tree of booleans shaped like the values."""
    node = tree
    for step in path:
        if node is True:
            return True
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return False
    return node is True


def _resource_secrets(resource: str, resource_type: str, provider: str, attributes: Any,
                      sensitive: Any, *, tree: bool = False) -> Iterator[StateSecret]:
    if not isinstance(attributes, dict):
        return
    if resource_type == "aws_ssm_parameter" and attributes.get("type") != "SecureString":
        return  # a String parameter is configuration, though the provider marks it sensitive
    marks_any = bool(sensitive) and sensitive is not False
    walk = _leaves(attributes) if marks_any or resource_type in SECRET_ATTRIBUTES \
        else _named_leaves(attributes)
    for path, value in walk:
        marked = _sensitive_tree(sensitive, path) if tree else _under(path, sensitive)
        why = _judge(resource_type, path, value, marked)
        if why is None:
            continue
        attribute = _show_path(path)
        key = path[-1] if isinstance(path[-1], str) else ""
        yield StateSecret(ATTRIBUTE_RULE, f"{resource}.{attribute}", resource, resource_type,
                          provider, attribute, key, value, why)


def _output_secrets(outputs: Any, *, prefix: str = "output") -> Iterator[StateSecret]:
    if not isinstance(outputs, dict):
        return
    for name, output in outputs.items():
        if not isinstance(output, dict):
            continue
        sensitive = bool(output.get("sensitive"))
        for path, value in _leaves(output.get("value"), ()):
            full = (name, *path)
            why = _judge("", full, value, sensitive)
            if why is None:
                continue
            key = path[-1] if path and isinstance(path[-1], str) else ("value" if not path else "")
            address = f"{prefix}.{_show_path(full)}"
            yield StateSecret(OUTPUT_RULE, address, f"{prefix}.{name}", "output", "",
                              _show_path(full), key, value, why)


def _address(module: str | None, mode: str, rtype: str, name: str, index: Any = None) -> str:
    parts = [module] if module else []
    parts.append(f"data.{rtype}.{name}" if mode == "data" else f"{rtype}.{name}")
    address = ".".join(parts)
    if index is not None:
        address += f"[{json.dumps(index)}]"
    return address


def _state_v4(doc: JSONObject) -> Iterator[StateSecret]:
    # Document order: outputs come before resources in what Terraform writes.
    for key in doc:
        if key == "outputs":
            yield from _output_secrets(doc["outputs"])
        elif key == "resources":
            for resource in doc["resources"] or ():
                if not isinstance(resource, dict):
                    continue
                rtype = str(resource.get("type", ""))
                provider = _provider_name(str(resource.get("provider", "")))
                for instance in resource.get("instances") or ():
                    if not isinstance(instance, dict):
                        continue
                    address = _address(resource.get("module"), resource.get("mode", "managed"),
                                       rtype, str(resource.get("name", "")),
                                       instance.get("index_key"))
                    attributes = instance.get("attributes")
                    if attributes is None and isinstance(instance.get("attributes_flat"), dict):
                        attributes = _unflatten(instance["attributes_flat"])
                    yield from _resource_secrets(address, rtype, provider, attributes,
                                                 _sensitive_paths(instance))


def _provider_name(text: str) -> str:
    # provider["registry.terraform.io/hashicorp/aws"] -> registry.terraform.io/hashicorp/aws
    m = re.search(r'provider\["([^"]+)"\]', text)
    if m:
        return m.group(1)
    return text.removeprefix("provider.")


def _unflatten(flat: JSONObject) -> JSONObject:
    """State v3 ``attributes`` ("master_auth.0.password") as nested values;
    counts (``.#``, ``.%``) are dropped."""
    out: JSONObject = {}
    for key, value in flat.items():
        parts = key.split(".")
        if parts[-1] in ("#", "%"):
            continue
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


def _state_v3(doc: JSONObject) -> Iterator[StateSecret]:
    for module in doc.get("modules") or ():
        if not isinstance(module, dict):
            continue
        steps = [p for p in module.get("path") or () if p != "root"]
        prefix = ".".join(f"module.{p}" for p in steps) or None
        yield from _output_secrets(module.get("outputs"),
                                   prefix=f"{prefix}.output" if prefix else "output")
        resources = module.get("resources") or {}
        for key, resource in resources.items() if isinstance(resources, dict) else ():
            if not isinstance(resource, dict):
                continue
            rtype = str(resource.get("type", ""))
            name = key.removeprefix("data.")
            address = f"{prefix}.{name}" if prefix else name
            if key.startswith("data."):
                address = f"{prefix}.data.{name}" if prefix else f"data.{name}"
            flat = (resource.get("primary") or {}).get("attributes") or {}
            # v3 has no sensitivity marks: the table and the names decide.
            for path, value in _leaves(_unflatten(flat)):
                why = _judge(rtype, path, value, False)
                if why is None:
                    continue
                flat_key = ".".join(str(p) for p in path)
                attribute = _show_path(path)
                yield StateSecret(ATTRIBUTE_RULE, f"{address}.{attribute}", address, rtype,
                                  _provider_name(str(resource.get("provider", ""))), attribute,
                                  flat_key, value, why)


def _values(values: JSONObject) -> Iterator[StateSecret]:
    """``values`` / ``planned_values`` / ``prior_state.values``: outputs and modules."""
    yield from _output_secrets(values.get("outputs"))
    yield from _module_values(values.get("root_module") or {})


def _module_values(module: JSONObject) -> Iterator[StateSecret]:
    for resource in module.get("resources") or ():
        if not isinstance(resource, dict):
            continue
        yield from _resource_secrets(str(resource.get("address", "")), str(resource.get("type", "")),
                                     str(resource.get("provider_name", "")),
                                     resource.get("values"), resource.get("sensitive_values"),
                                     tree=True)
    for child in module.get("child_modules") or ():
        if isinstance(child, dict):
            yield from _module_values(child)


def _plan(doc: JSONObject) -> Iterator[StateSecret]:
    for key in doc:
        value = doc[key]
        if key == "variables" and isinstance(value, dict):
            for name, variable in value.items():
                if not isinstance(variable, dict):
                    continue
                for path, leaf in _leaves(variable.get("value"), ()):
                    full = (name, *path)
                    why = _judge("", full, leaf, False)
                    if why is None:
                        continue
                    leaf_key = path[-1] if path and isinstance(path[-1], str) else (
                        "value" if not path else "")
                    yield StateSecret(VARIABLE_RULE, f"var.{_show_path(full)}", f"var.{name}",
                                      "variable", "", _show_path(full), leaf_key, leaf, why)
        elif key == "planned_values" and isinstance(value, dict):
            yield from _values(value)
        elif key == "prior_state" and isinstance(value, dict):
            yield from _values(value.get("values") or {})
        elif key == "resource_changes" and isinstance(value, list):
            for change in value:
                if not isinstance(change, dict):
                    continue
                body = change.get("change") or {}
                for side in ("before", "after"):
                    yield from _resource_secrets(
                        str(change.get("address", "")), str(change.get("type", "")),
                        str(change.get("provider_name", "")), body.get(side),
                        body.get(f"{side}_sensitive"), tree=True)
        elif key == "output_changes" and isinstance(value, dict):
            pass  # the same values as planned_values.outputs
