"""The database users' rotation function, step by step, against a fake Secrets Manager and a fake MySQL: what it
writes where, which user it changes, and that a running user's credentials stay valid (alternating users)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "components" / "rotation_function"))
import index  # noqa: E402

MASTER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:elite-locadora-prod-mysql-master-abc123"
APP_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:elite-locadora-prod-mysql-app-def456"


class NotFound(Exception):
    pass


class FakeSecretsManager:
    """Versions with staging labels, as Secrets Manager keeps them."""

    class exceptions:  # noqa: N801 - boto3's shape
        ResourceNotFoundException = NotFound

    def __init__(self) -> None:
        self.versions: dict[str, dict[str, tuple[dict, set[str]]]] = {}

    def add(self, arn: str, version: str, value: dict, *stages: str) -> None:
        self.versions.setdefault(arn, {})[version] = (value, set(stages))

    def describe_secret(self, SecretId: str) -> dict:
        return {
            "RotationEnabled": True,
            "VersionIdsToStages": {v: sorted(s) for v, (_, s) in self.versions[SecretId].items() if s},
        }

    def get_secret_value(self, SecretId: str, VersionStage: str, VersionId: str | None = None) -> dict:
        for version, (value, stages) in self.versions[SecretId].items():
            # RotateSecret labels the new version AWSPENDING before createSecret gives it a value.
            if VersionStage in stages and VersionId in (None, version) and value is not None:
                return {"SecretString": json.dumps(value)}
        raise NotFound(VersionStage)

    def get_random_password(self, PasswordLength: int, ExcludeCharacters: str) -> dict:
        return {"RandomPassword": "N" * PasswordLength}

    def put_secret_value(self, SecretId, ClientRequestToken, SecretString, VersionStages) -> None:
        self.versions[SecretId][ClientRequestToken] = (json.loads(SecretString), set(VersionStages))

    def update_secret_version_stage(
        self, SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId
    ) -> None:
        self.versions[SecretId][RemoveFromVersionId][1].discard(VersionStage)
        self.versions[SecretId][RemoveFromVersionId][1].add("AWSPREVIOUS")
        self.versions[SecretId][MoveToVersionId][1].add(VersionStage)
        self.versions[SecretId][MoveToVersionId][1].discard("AWSPENDING")


class FakeMySql:
    """Users with passwords and grants; records every statement."""

    def __init__(self, users: dict[str, str], grants: dict[str, list[str]]) -> None:
        self.users, self.grants, self.statements = users, grants, []

    def connect(self, value: dict):
        if self.users.get(value["username"]) != value["password"]:
            return None
        return FakeConnection(self, value["username"])


class FakeConnection:
    def __init__(self, db: FakeMySql, user: str) -> None:
        self.db, self.user = db, user

    def cursor(self):
        return FakeCursor(self)

    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn, self.rowcount, self._rows = conn, 0, []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def execute(self, sql: str, params: tuple = ()) -> None:
        db = self.conn.db
        db.statements.append((self.conn.user, sql, params))
        if sql.startswith("SELECT User"):
            self.rowcount = int(params[0] in db.users)
        elif sql.startswith("CREATE USER"):
            db.users[params[0]] = params[1]
            db.grants[params[0]] = []
        elif sql.startswith("SHOW GRANTS"):
            self._rows = [(f"GRANT USAGE ON *.* TO `{params[0]}`@`%`",)] + [
                (f"GRANT {g} TO `{params[0]}`@`%`",) for g in db.grants[params[0]]
            ]
        elif sql.startswith("GRANT"):
            db.grants[params[0]].append(sql.split(" TO ")[0].removeprefix("GRANT ").replace("%%", "%"))
        elif sql.startswith("ALTER USER CURRENT_USER()"):
            db.users[self.conn.user] = params[0]
        elif sql.startswith("ALTER USER"):
            db.users[params[0]] = params[1]

    def fetchall(self) -> list:
        return self._rows


def rotate(sm: FakeSecretsManager, db: FakeMySql, arn: str, token: str, mode: str, monkeypatch) -> None:
    """What Secrets Manager does on RotateSecret: a new version labelled AWSPENDING, then the four steps."""
    monkeypatch.setenv("ROTATION_MODE", mode)
    sm.add(arn, token, None, "AWSPENDING")
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        index.handler({"SecretId": arn, "ClientRequestToken": token, "Step": step}, None, sm, db.connect)


def current(sm: FakeSecretsManager, arn: str) -> dict:
    return json.loads(sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])


@pytest.fixture
def world():
    sm = FakeSecretsManager()
    base = {"engine": "mysql", "host": "db.internal", "port": 3306, "dbname": "elite_locadora"}
    sm.add(MASTER_ARN, "m1", {**base, "username": "elite_admin", "password": "master-1"}, "AWSCURRENT")
    sm.add(
        APP_ARN,
        "a1",
        {**base, "username": "elite_app", "password": "app-1", "masterarn": MASTER_ARN},
        "AWSCURRENT",
    )
    db = FakeMySql(
        {"elite_admin": "master-1", "elite_app": "app-1"},
        {"elite_app": ["SELECT, INSERT, UPDATE, DELETE ON `elite_locadora`.*"]},
    )
    return sm, db


def test_the_application_user_alternates_and_the_running_credentials_stay_valid(world, monkeypatch) -> None:
    sm, db = world
    rotate(sm, db, APP_ARN, "a2", "alternating", monkeypatch)
    now = current(sm, APP_ARN)
    assert now["username"] == "elite_app_clone" and db.users["elite_app_clone"] == now["password"]
    assert db.grants["elite_app_clone"] == db.grants["elite_app"], "the clone gets exactly the user's grants"
    assert db.users["elite_app"] == "app-1", "tasks still holding elite_app keep working until they roll"
    assert all(user == "elite_admin" for user, sql, _ in db.statements if "USER" in sql), (
        "changed as the master"
    )
    assert "REQUIRE SSL" in next(sql for _, sql, _ in db.statements if sql.startswith("CREATE USER"))
    rotate(sm, db, APP_ARN, "a3", "alternating", monkeypatch)
    assert current(sm, APP_ARN)["username"] == "elite_app", "the next rotation changes the other user back"
    assert db.users["elite_app_clone"] == sm.versions[APP_ARN]["a2"][0]["password"], (
        "a2's holders still log in"
    )


def test_the_master_changes_its_own_password(world, monkeypatch) -> None:
    sm, db = world
    rotate(sm, db, MASTER_ARN, "m2", "single", monkeypatch)
    now = current(sm, MASTER_ARN)
    assert now["username"] == "elite_admin" and db.users["elite_admin"] == now["password"] != "master-1"
    assert sm.describe_secret(MASTER_ARN)["VersionIdsToStages"]["m1"] == ["AWSPREVIOUS"]


def test_a_step_for_the_current_version_does_nothing_and_an_unknown_version_fails(world) -> None:
    sm, db = world
    index.handler(
        {"SecretId": APP_ARN, "ClientRequestToken": "a1", "Step": "setSecret"}, None, sm, db.connect
    )
    assert db.statements == []
    with pytest.raises(ValueError, match="has no stage"):
        index.handler(
            {"SecretId": APP_ARN, "ClientRequestToken": "zz", "Step": "setSecret"}, None, sm, db.connect
        )


def test_set_secret_refuses_a_pending_user_that_does_not_alternate(world, monkeypatch) -> None:
    sm, db = world
    value = {**current(sm, APP_ARN), "username": "someone_else", "password": "x"}
    sm.add(APP_ARN, "a2", value, "AWSPENDING")
    monkeypatch.setenv("ROTATION_MODE", "alternating")
    with pytest.raises(ValueError, match="does not alternate"):
        index.handler(
            {"SecretId": APP_ARN, "ClientRequestToken": "a2", "Step": "setSecret"}, None, sm, db.connect
        )
