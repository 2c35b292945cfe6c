"""The shared IAM and KMS policy pieces (components/iam.py) and the compute tier's documents
(components/compute_policies.py), without a render: who may assume a role, what a role may do, which log groups
a key serves."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

from components.compute_policies import ecs_tasks_trust, exec_statements, execution_policy, queue_statements
from components.iam import (
    LOGS_KEY_ACTIONS,
    account_log_groups,
    allow_assume,
    enable_iam_policies,
    log_group_key_policy,
    logs_key_statement,
    service_trust,
)

ACCOUNT, OTHER = "123456789012", "210987654321"


def only_statement(doc: str) -> dict:
    parsed = json.loads(doc)
    assert parsed["Version"] == "2012-10-17"
    [statement] = parsed["Statement"]
    return statement


def test_service_trust_is_scoped_to_the_account_when_given_one() -> None:
    scoped = only_statement(service_trust("s3.amazonaws.com", ACCOUNT))
    assert scoped["Principal"] == {"Service": "s3.amazonaws.com"} and scoped["Action"] == "sts:AssumeRole"
    assert scoped["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    # AWS Backup's role is trusted without a condition (the backup tier's choice): no empty Condition block.
    assert "Condition" not in only_statement(service_trust("backup.amazonaws.com"))


def test_statement_keys_keep_the_order_the_rendered_policies_have() -> None:
    # The render compares policies as strings: Sid first, Condition last, as every tier wrote them by hand.
    statement = allow_assume({"Service": "lambda.amazonaws.com"}, {"StringEquals": {"x": "y"}}, sid="Fn")
    assert list(statement) == ["Sid", "Effect", "Principal", "Action", "Condition"]
    assert list(allow_assume({"AWS": "arn"})) == ["Effect", "Principal", "Action"]
    assert service_trust("s3.amazonaws.com", ACCOUNT) == json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ],
        }
    )


def test_ecs_tasks_trust_admits_tasks_of_its_own_account_and_region_only() -> None:
    st = only_statement(ecs_tasks_trust(ACCOUNT, "aws", "us-east-1"))
    assert st["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert st["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    pattern = st["Condition"]["ArnLike"]["aws:SourceArn"]
    assert fnmatchcase(f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/c/abc", pattern)
    assert not fnmatchcase(f"arn:aws:ecs:us-west-2:{ACCOUNT}:task/c/abc", pattern)
    assert not fnmatchcase(f"arn:aws:ecs:us-east-1:{OTHER}:task/c/abc", pattern)


def test_execution_policy_reads_exactly_what_it_injects_through_the_regions_services() -> None:
    groups = ["arn:aws:logs:us-east-1:1:log-group:/ecs/b", "arn:aws:logs:us-east-1:1:log-group:/ecs/a"]
    doc = json.loads(
        execution_policy(
            ["arn:repo/b", "arn:repo/a"], groups, ["arn:param"], ["arn:secret"], "arn:key", "sa-east-1"
        )
    )
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["PullReleases"]["Resource"] == ["arn:repo/a", "arn:repo/b"]
    # CreateLogStream is authorized on the group, PutLogEvents on its streams: both ARNs for each group.
    assert set(by_sid["WriteContainerLogs"]["Resource"]) == {*groups, *(f"{g}:log-stream:*" for g in groups)}
    assert by_sid["ReadInjectedParameters"]["Resource"] == ["arn:param"]
    assert by_sid["ReadInjectedSecrets"]["Resource"] == ["arn:secret"]
    decrypt = by_sid["DecryptInjectedValues"]
    assert decrypt["Resource"] == "arn:key"
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == [
        "ssm.sa-east-1.amazonaws.com",
        "secretsmanager.sa-east-1.amazonaws.com",
    ]


def test_only_the_worker_consumes_the_queue() -> None:
    def actions(consume: bool) -> set[str]:
        [queue, key] = queue_statements("arn:queue", "arn:key", "us-east-1", consume=consume)
        assert key["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}
        return set(queue["Action"])

    consuming = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}
    assert consuming <= actions(consume=True)
    assert not consuming & actions(consume=False)
    assert "sqs:SendMessage" in actions(consume=False)


def test_exec_may_describe_the_log_groups_of_its_session_logs_region() -> None:
    group = "arn:aws:logs:us-east-1:1:log-group:/ecs/exec"
    by_sid = {s["Sid"]: s for s in exec_statements(group, "arn:key")}
    assert by_sid["ExecSessionLogGroups"]["Resource"] == "arn:aws:logs:us-east-1:1:log-group:*"
    assert by_sid["ExecSessionLogs"]["Resource"] == [group, f"{group}:log-stream:*"]


def test_key_policy_pieces_keep_iam_in_charge_and_logs_to_its_region() -> None:
    root = enable_iam_policies(ACCOUNT, "aws-cn")
    assert root["Principal"] == {"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"} and root["Action"] == "kms:*"
    st = logs_key_statement("us-east-1", account_log_groups(ACCOUNT, "aws", "us-east-1"))
    assert st["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert st["Action"] == LOGS_KEY_ACTIONS and st["Action"] is not LOGS_KEY_ACTIONS
    pattern = st["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert fnmatchcase(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/web", pattern)
    assert not fnmatchcase(f"arn:aws:logs:us-east-1:{OTHER}:log-group:/ecs/web", pattern)
    assert not fnmatchcase(f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/ecs/web", pattern)


def test_a_log_group_key_serves_only_the_log_groups_its_condition_names() -> None:
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/route53/example.com"
    condition = {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group}}
    doc = json.loads(log_group_key_policy(ACCOUNT, "aws", "us-east-1", condition, sid="QueryLogs"))
    root, logs = doc["Statement"]
    assert root == enable_iam_policies(ACCOUNT, "aws"), (
        "without the root statement IAM could not grant the key"
    )
    assert (logs["Sid"], logs["Condition"]) == ("QueryLogs", condition)
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
