"""A small Terraform state document (format 4) holding one database
password, for the tests that put state files in S3 and follow them into
tickets."""

from __future__ import annotations

import json


def db_password_state(password: str, serial: int, name: str = "main") -> bytes:
    """``aws_db_instance.<name>`` with ``password`` marked sensitive, at ``serial``."""
    doc = {"version": 4, "terraform_version": "1.7.5", "serial": serial, "lineage": "l-1",
           "outputs": {}, "resources": [{
               "mode": "managed", "type": "aws_db_instance", "name": name,
               "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
               "instances": [{"schema_version": 2, "attributes": {
                   "id": "db-PRODMAIN", "identifier": "prod", "password": password,
                   "username": "app"}, "sensitive_attributes": [
                       [{"type": "get_attr", "value": "password"}]]}]}]}
    return json.dumps(doc, indent=2).encode()
