"""The DR copy of a database secret's ARN (components/data_credentials.py), for the ARNs no render produces: a
secret whose name holds a region code, and a secret of another region than the one the tier builds in."""

from __future__ import annotations

import pytest

from components.data_credentials import replica_secret_arn

PRIMARY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:elite-locadora-us-east-1-db-AbCdEf"


def test_a_replica_is_its_primarys_arn_with_only_the_region_field_changed() -> None:
    """A Secrets Manager replica keeps its primary's name and random suffix; only the ARN's region field changes,
    not a region code that happens to be part of the name."""
    assert replica_secret_arn(PRIMARY, "us-east-1", "us-west-2") == (
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:elite-locadora-us-east-1-db-AbCdEf"
    )


def test_a_secret_of_another_region_is_refused_rather_than_given_a_made_up_replica() -> None:
    """The DR tasks would read the derived ARN at failover, when it is too late to find it names nothing."""
    with pytest.raises(ValueError, match="is not a secret of sa-east-1"):
        replica_secret_arn(PRIMARY, "sa-east-1", "us-west-2")
