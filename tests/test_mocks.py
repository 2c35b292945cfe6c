"""The offline mocks (tools/mocks/): a first deploy's planned state is the existing stack's state with every
computed attribute unknown, its keys in the same order, so preview.json is written alike by any two renders
(a set's order would follow the process's string-hash seed)."""

from __future__ import annotations

import pytest
from pulumi.runtime.rpc import UNKNOWN

from tools.mocks import ACCOUNT_ID
from tools.mocks.context import Ctx
from tools.mocks.resources import BUILDERS, build
from tools.mocks.runtime import first_deploy_state

# Inputs most builders read, so each computes what it computes for the real program.
INPUTS = {
    "tags": {"Name": "x"},
    "serviceName": "com.amazonaws.us-east-1.s3",
    "vpcEndpointType": "Gateway",
    "domainName": "example.com",
    "manageMasterUserPassword": True,
    "url": "https://token.actions.githubusercontent.com",
}


@pytest.mark.parametrize("typ", sorted(BUILDERS))
def test_first_deploy_state_keeps_the_existing_states_key_order(typ: str) -> None:
    def ctx() -> Ctx:
        return Ctx(ACCOUNT_ID, typ, "res", dict(INPUTS), "us-east-1", {"Environment": "test"})

    _, existing = build(ctx())
    planned = first_deploy_state(dict(INPUTS), ctx())
    assert list(planned) == list(existing), f"{typ}: {list(planned)} vs {list(existing)}"
    computed = [k for k in existing if k not in INPUTS]
    assert "id" in computed and all(planned[k] == UNKNOWN for k in computed), f"{typ}: {planned}"
    assert all(planned[k] == INPUTS[k] for k in INPUTS), f"{typ}: the inputs are echoed as given"


def test_a_builder_that_cannot_run_leaves_id_then_arn_unknown() -> None:
    # A builder that cannot read an input (alternative names that are no list) fails; the planned state still
    # marks the id and the ARN as computed, in that order.
    ctx = Ctx(
        ACCOUNT_ID, "aws:acm/certificate:Certificate", "res", {"subjectAlternativeNames": 3}, "us-east-1", {}
    )
    planned = first_deploy_state({"subjectAlternativeNames": 3}, ctx)
    assert list(planned) == ["subjectAlternativeNames", "id", "arn"], planned
    assert planned["id"] == planned["arn"] == UNKNOWN
