"""The log domain's roles function (#15 item 10) against a recording transport: what it PUTs where, signed with
SigV4 for the `es` service, and that it never rewrites the built-in roles whose mappings hold the master role."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from botocore.credentials import Credentials

_PATH = Path(__file__).resolve().parents[2] / "components" / "search_roles_function" / "index.py"
_spec = importlib.util.spec_from_file_location("search_roles_index", _PATH)
roles_function = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roles_function)

ENDPOINT = "vpc-elite-locadora-prod-logs-abc.us-east-1.es.amazonaws.com"
FIREHOSE = "arn:aws:iam::123456789012:role/elite-locadora-prod-logs-firehose"
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")


def event(**roles) -> dict:
    return {"endpoint": ENDPOINT, "region": "us-east-1", "roles": roles}


WRITER = {
    "cluster_permissions": ["cluster_composite_ops", "cluster_monitor"],
    "index_permissions": [
        {"index_patterns": ["ecs-logs*"], "allowed_actions": ["create_index", "manage", "crud"]}
    ],
    "backend_roles": [FIREHOSE],
}


def test_it_writes_the_role_then_maps_the_backend_roles_signed_for_es() -> None:
    sent = []
    result = roles_function.handler(
        event(log_delivery=WRITER), None, credentials=CREDENTIALS, send=sent.append
    )
    assert result == {"roles": ["log_delivery"]}
    assert [(r.get_method(), r.full_url) for r in sent] == [
        ("PUT", f"https://{ENDPOINT}/_plugins/_security/api/roles/log_delivery"),
        ("PUT", f"https://{ENDPOINT}/_plugins/_security/api/rolesmapping/log_delivery"),
    ]
    role, mapping = (json.loads(r.data) for r in sent)
    assert role == {k: WRITER[k] for k in ("cluster_permissions", "index_permissions")}
    assert mapping == {"backend_roles": [FIREHOSE]}, "the Firehose role is the mapped backend role"
    for r in sent:
        auth = r.get_header("Authorization")
        assert (
            auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
            and "/us-east-1/es/aws4_request" in auth
        )
        assert r.get_header("X-amz-security-token") == "session-token", "the role's session token is sent"


@pytest.mark.parametrize("reserved", ["all_access", "security_manager"])
def test_it_refuses_the_built_in_roles_that_hold_the_master(reserved: str) -> None:
    sent = []
    with pytest.raises(ValueError, match=reserved):
        roles_function.handler(event(**{reserved: WRITER}), None, credentials=CREDENTIALS, send=sent.append)
    assert not sent, "nothing is written once a reserved role is asked for"
