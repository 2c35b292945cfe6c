"""Answers to invokes (data sources): what the AWS provider returns for the look-ups the program makes, for this
account and the caller's region. A look-up no table names fails the preview (add its answer here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tools.mocks.context import PARTITION, REGION_CODE, digest, upper_digest, uuid_of

# Availability zones as AWS lists them for this account (their ids differ per account).
AZS = {
    "us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
    "us-east-2": ["us-east-2a", "us-east-2b", "us-east-2c"],
    "us-west-1": ["us-west-1a", "us-west-1c"],
    "us-west-2": ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
    "eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    "sa-east-1": ["sa-east-1a", "sa-east-1b", "sa-east-1c"],
}

# Elastic Load Balancing's account per region (ELB user guide: "Enable access logs").
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "sa-east-1": "507241528517",
}

# AWS-managed prefix lists of the S3 gateway endpoint per region (their ids are fixed by AWS).
S3_PREFIX_LISTS = {
    "us-east-1": "pl-63a5400a",
    "us-west-2": "pl-68a54001",
    "us-east-2": "pl-7ba54012",
    "us-west-1": "pl-6ba54002",
}


def _caller_identity(account_id: str, args: dict, region: str) -> dict:
    arn = f"arn:{PARTITION}:sts::{account_id}:assumed-role/platform-deployer/pulumi"
    return {
        "accountId": account_id,
        "arn": arn,
        "id": account_id,
        "userId": "AROAEXAMPLEROLEID:pulumi",
    }


def _partition(account_id: str, args: dict, region: str) -> dict:
    return {
        "partition": PARTITION,
        "dnsSuffix": "amazonaws.com",
        "id": PARTITION,
        "reverseDnsPrefix": "com.amazonaws",
    }


def _region(account_id: str, args: dict, region: str) -> dict:
    return {
        "region": region,
        "name": region,
        "id": region,
        "endpoint": f"ec2.{region}.amazonaws.com",
        "description": region,
    }


def _availability_zones(account_id: str, args: dict, region: str) -> dict:
    names = AZS.get(region, [f"{region}{s}" for s in "abc"])
    prefix = REGION_CODE.get(region, region.replace("-", ""))
    return {
        "names": names,
        "zoneIds": [f"{prefix}-az{i + 1}" for i in range(len(names))],
        "id": region,
        "groupNames": [region] * len(names),
        "state": args.get("state"),
    }


def _policy_document(account_id: str, args: dict, region: str) -> dict:
    """aws.iam.get_policy_document: the JSON IAM would receive (keys in the documented order)."""
    statements = []
    for s in args.get("statements") or []:
        st: dict[str, Any] = {}
        if s.get("sid"):
            st["Sid"] = s["sid"]
        st["Effect"] = s.get("effect", "Allow")
        for key, out in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                merged: dict[str, Any] = {}
                for p in s[key]:
                    ids = p.get("identifiers") or []
                    merged[p["type"]] = ids[0] if len(ids) == 1 else ids
                st[out] = "*" if merged == {"*": "*"} else merged
        for key, out in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if s.get(key):
                st[out] = s[key][0] if len(s[key]) == 1 else s[key]
        if s.get("conditions"):
            cond: dict[str, dict] = {}
            for c in s["conditions"]:
                vals = c.get("values") or []
                cond.setdefault(c["test"], {})[c["variable"]] = vals[0] if len(vals) == 1 else vals
            st["Condition"] = cond
        statements.append(st)
    doc = json.dumps({"Version": args.get("version") or "2012-10-17", "Statement": statements}, indent=2)
    return {
        "json": doc,
        "minifiedJson": json.dumps(json.loads(doc), separators=(",", ":")),
        "id": digest(doc),
    }


def _elb_service_account(account_id: str, args: dict, region: str) -> dict:
    acct = ELB_ACCOUNTS.get(region, "127311923021")
    return {"id": acct, "arn": f"arn:{PARTITION}:iam::{acct}:root", "region": region}


def _managed_prefix_list(account_id: str, args: dict, region: str) -> dict:
    name = args.get("name") or f"com.amazonaws.{region}.s3"
    pid = (
        S3_PREFIX_LISTS.get(region, f"pl-{digest(name, n=8)}")
        if name.endswith(".s3")
        else f"pl-{digest(name, n=8)}"
    )
    return {
        "id": pid,
        "name": name,
        "arn": f"arn:{PARTITION}:ec2:{region}:aws:prefix-list/{pid}",
        "addressFamily": "IPv4",
        "maxEntries": 0,
        "ownerId": "AWS",
        "entries": [],
        "version": 1,
    }


def _get_zone(account_id: str, args: dict, region: str) -> dict | tuple[dict, list[tuple[str, str]]]:
    """aws.route53.get_zone: the account holds a public zone for every name the stacks look up, except names under
    `.invalid` (RFC 2606 reserves it: no such zone can exist), answered as the provider answers a missing zone."""
    name = str(args.get("name") or "").rstrip(".")
    zid = args.get("zoneId") or ("Z" + upper_digest("zone", name, n=20))
    if name.endswith(".invalid") or name == "invalid":
        # A data source's own error reaches the program as the invoke's failure (the engine answers it, the call
        # does not crash): what a program may catch, as it can against AWS.
        return {}, [
            ("name", f"reading Route 53 Hosted Zone ({name}): no matching Route 53 Hosted Zone found")
        ]
    return {
        "id": zid,
        "zoneId": zid,
        "name": name,
        "arn": f"arn:{PARTITION}:route53:::hostedzone/{zid}",
        "comment": "",
        "callerReference": uuid_of("zone", name),
        "nameServers": [
            f"ns-{int(digest(name, str(i), n=3), 16) % 2000}.awsdns-{i:02d}.{tld}"
            for i, tld in enumerate(("com", "net", "org", "co.uk"))
        ],
        "primaryNameServer": f"ns-{int(digest(name, '0', n=3), 16) % 2000}.awsdns-00.com",
        "privateZone": False,
        "resourceRecordSetCount": 12,
        "linkedServiceDescription": "",
        "linkedServicePrincipal": "",
        "tags": {},
        "enableAcceleratedRecovery": False,
    }


# An invoke's answer: (account, the invoke's arguments, the caller's region) → its result, or (result, failures).
Invoke = Callable[[str, dict, str], Any]

INVOKES: dict[str, Invoke] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:route53/getZone:getZone": _get_zone,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:elb/getServiceAccount:getServiceAccount": _elb_service_account,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": _managed_prefix_list,
}
