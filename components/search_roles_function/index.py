"""Writes the log domain's fine-grained access control roles and role mappings (runs in Lambda, in the VPC).

Fine-grained access control keeps its roles and mappings inside the domain (the security plugin's REST API), not
in an AWS API, and the domain is reachable only from the VPC: Pulumi Deployments, outside it, cannot call it. The
stack therefore invokes this function at deploy time (aws.lambda_.Invocation) with what the roles must be; it runs
as the domain's master role (the IAM role fine-grained access control names as its master user) and PUTs each role
and its mapping, signed with SigV4 (service `es`). It manages only the roles it is given, never the built-in
`all_access` and `security_manager` whose mappings hold the master role.

Event: {"endpoint": "<domain endpoint>", "region": "<region>",
        "roles": {"<role>": {"cluster_permissions": [...], "index_permissions": [...], "backend_roles": [...]}}}
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

log = logging.getLogger()
log.setLevel(logging.INFO)

# The security plugin's built-in roles: their mappings are the master's, never rewritten here.
RESERVED = frozenset({"all_access", "security_manager"})


def _signed(method: str, url: str, body: dict, region: str, credentials: Any) -> urllib.request.Request:
    from botocore.auth import SigV4Auth  # the Lambda runtime provides botocore
    from botocore.awsrequest import AWSRequest

    data = json.dumps(body).encode()
    request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials, "es", region).add_auth(request)
    return urllib.request.Request(url, data=data, headers=dict(request.headers), method=method)


def _send(request: urllib.request.Request) -> dict:
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - an https URL built below
        return json.loads(response.read() or b"{}")


def handler(event: dict, context: Any, credentials: Any = None, send: Any = None) -> dict:
    endpoint, region, roles = event["endpoint"], event["region"], event["roles"]
    if credentials is None:
        import botocore.session

        credentials = botocore.session.Session().get_credentials()
    send = send or _send
    reserved = sorted(RESERVED & set(roles))
    if reserved:  # checked before anything is written
        raise ValueError(
            f"roles {reserved} are built in: their mappings hold the master role, never managed here"
        )
    done = []
    for name, spec in sorted(roles.items()):
        base = f"https://{endpoint}/_plugins/_security/api"
        role = {k: spec[k] for k in ("cluster_permissions", "index_permissions")}
        send(_signed("PUT", f"{base}/roles/{name}", role, region, credentials))
        mapping = {"backend_roles": sorted(spec["backend_roles"])}
        send(_signed("PUT", f"{base}/rolesmapping/{name}", mapping, region, credentials))
        log.info("role %s written and mapped to %s", name, mapping["backend_roles"])
        done.append(name)
    return {"roles": done}
