"""Secrets Manager rotation function for the MySQL users (runs in Lambda, packaged with PyMySQL).

Secrets Manager calls it four times per rotation (Secrets Manager user guide, "Lambda rotation functions"):
createSecret, setSecret, testSecret, finishSecret, each with the secret's ARN and the new version's token.
Our own function rather than AWS's Serverless Application Repository templates: the roles those templates
create cannot carry the stack's permissions boundary, which the Deployments role requires of every role.

Two modes (environment ROTATION_MODE):
- `single`: the master user changes its own password (ALTER USER CURRENT_USER()).
- `alternating`: the application user alternates between `<name>` and `<name>_clone`. The inactive user gets
  a new password (created first if missing, with the active user's grants), connecting as the master whose
  secret `masterarn` names; the active user's credentials stay valid until the next rotation, so running tasks
  keep working while they roll.

Connections use TLS and verify the server against the runtime's trust store (as AWS's own functions do).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pymysql

log = logging.getLogger()
log.setLevel(logging.INFO)

CLONE_SUFFIX = "_clone"
TRUST_STORE = "/etc/pki/tls/cert.pem"
CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"


def handler(event: dict, context: Any, client: Any = None, connect: Any = None) -> None:
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    if client is None:
        import boto3  # the Lambda runtime provides it

        client = boto3.client("secretsmanager", endpoint_url=os.environ.get("SECRETS_MANAGER_ENDPOINT"))
    sm = client
    meta = sm.describe_secret(SecretId=arn)
    if not meta.get("RotationEnabled"):
        raise ValueError(f"rotation is not enabled for {arn}")
    stages = meta.get("VersionIdsToStages", {})
    if token not in stages:
        raise ValueError(f"version {token} of {arn} has no stage")
    if CURRENT in stages[token]:
        log.info("version %s of %s is already current", token, arn)
        return
    if PENDING not in stages[token]:
        raise ValueError(f"version {token} of {arn} is not pending")
    steps = {"createSecret": create, "setSecret": set_password, "testSecret": test, "finishSecret": finish}
    if step not in steps:
        raise ValueError(f"unknown step {step}")
    steps[step](sm, arn, token, connect or open_connection, os.environ.get("ROTATION_MODE", "single"))


def secret(sm: Any, arn: str, stage: str, token: str | None = None) -> dict:
    kwargs = {"SecretId": arn, "VersionStage": stage}
    if token:
        kwargs["VersionId"] = token
    value = json.loads(sm.get_secret_value(**kwargs)["SecretString"])
    for key in ("host", "username", "password"):
        if key not in value:
            raise KeyError(f"{key} missing from {arn} ({stage})")
    return value


def alternate(username: str) -> str:
    return username[: -len(CLONE_SUFFIX)] if username.endswith(CLONE_SUFFIX) else username + CLONE_SUFFIX


def create(sm: Any, arn: str, token: str, connect: Any, mode: str) -> None:
    """A new AWSPENDING version: the current one with a new password (and, alternating, the other user)."""
    current = secret(sm, arn, CURRENT)
    try:
        secret(sm, arn, PENDING, token)
        log.info("createSecret: %s already has its pending version", arn)
        return
    except sm.exceptions.ResourceNotFoundException:
        pass
    pending = dict(current)
    if mode == "alternating":
        pending["username"] = alternate(current["username"])
    pending["password"] = sm.get_random_password(
        PasswordLength=40, ExcludeCharacters=os.environ.get("EXCLUDE_CHARACTERS", "/@\"'\\ ")
    )["RandomPassword"]
    sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending), VersionStages=[PENDING]
    )
    log.info("createSecret: pending version %s of %s for user %s", token, arn, pending["username"])


def set_password(sm: Any, arn: str, token: str, connect: Any, mode: str) -> None:
    """Make the database accept the pending credentials."""
    pending = secret(sm, arn, PENDING, token)
    conn = connect(pending)
    if conn:
        conn.close()
        log.info("setSecret: the pending credentials of %s already work", arn)
        return
    current = secret(sm, arn, CURRENT)
    if mode == "alternating":
        if alternate(current["username"]) != pending["username"]:
            raise ValueError(f"setSecret: pending user {pending['username']} does not alternate with current")
        admin = secret(sm, current["masterarn"], CURRENT)
        conn = connect(admin)
        if not conn:
            raise ValueError(f"setSecret: cannot log in as the master user of {current['masterarn']}")
        with conn.cursor() as cur:
            cur.execute("SELECT User FROM mysql.user WHERE User = %s", (pending["username"],))
            if cur.rowcount == 0:
                cur.execute(
                    "CREATE USER %s@'%%' IDENTIFIED BY %s REQUIRE SSL",
                    (pending["username"], pending["password"]),
                )
            cur.execute("SHOW GRANTS FOR %s@'%%'", (current["username"],))
            for (grant,) in cur.fetchall():
                privileges = grant.split(" TO ")[0]
                if privileges.startswith("GRANT USAGE ON *.*"):
                    continue
                cur.execute(privileges.replace("%", "%%") + " TO %s@'%%'", (pending["username"],))
            cur.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (pending["username"], pending["password"]))
        conn.commit()
        conn.close()
        log.info("setSecret: %s now has the pending password", pending["username"])
        return
    # Single user: log in with the current password (or the previous one, if a rotation stopped halfway).
    conn = connect(current)
    if not conn:
        try:
            conn = connect(secret(sm, arn, "AWSPREVIOUS"))
        except sm.exceptions.ResourceNotFoundException:
            conn = None
    if not conn:
        raise ValueError(f"setSecret: neither the current nor the previous password of {arn} works")
    with conn.cursor() as cur:
        cur.execute("ALTER USER CURRENT_USER() IDENTIFIED BY %s", (pending["password"],))
    conn.commit()
    conn.close()
    log.info("setSecret: %s changed its own password", pending["username"])


def test(sm: Any, arn: str, token: str, connect: Any, mode: str) -> None:
    conn = connect(secret(sm, arn, PENDING, token))
    if not conn:
        raise ValueError(f"testSecret: the pending credentials of {arn} do not log in")
    with conn.cursor() as cur:
        cur.execute("SELECT NOW()")
    conn.close()


def finish(sm: Any, arn: str, token: str, connect: Any, mode: str) -> None:
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next((v for v, s in stages.items() if CURRENT in s), None)
    if current == token:
        return
    sm.update_secret_version_stage(
        SecretId=arn, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current
    )
    log.info("finishSecret: version %s of %s is current", token, arn)


def open_connection(value: dict) -> Any:
    """A TLS connection that verifies the server (host name and chain), or None when the login fails."""
    try:
        return pymysql.connect(
            host=value["host"],
            user=value["username"],
            password=value["password"],
            port=int(value.get("port", 3306)),
            database=value.get("dbname"),
            connect_timeout=5,
            ssl={"ca": TRUST_STORE},
        )
    except pymysql.OperationalError as err:
        log.info("login as %s failed: %s", value["username"], err.args[0] if err.args else err)
        return None
