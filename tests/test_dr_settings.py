"""`elite-locadora:dr` (settings/dr_site.py): the DR site's settings fail at config time, naming the key."""

from __future__ import annotations

import pytest

from settings import ConfigError, build_settings
from tests.test_settings import _DELETE, raw, with_change

DR = "elite-locadora:dr"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_both_stacks_run_a_pilot_light_not_failed_over(stack: str) -> None:
    s = build_settings(raw(stack), "elite-locadora", stack)
    assert s.dr is not None and s.dr.strategy == "pilot-light" and s.dr.failed_over is False, (
        f"{DR} in {stack}"
    )
    assert len(s.dr.public_subnets) == len(s.data.dr_network.private_subnets), "one public subnet per DR AZ"


def test_staging_is_right_sized_against_prod() -> None:
    prod, staging = (build_settings(raw(s), "elite-locadora", s).dr for s in ("prod", "staging"))
    assert staging.backup_replication_retention_days < prod.backup_replication_retention_days
    assert staging.cache_node_type.startswith("cache.t4g") and prod.cache_node_type.startswith("cache.r")


@pytest.mark.parametrize(
    "path,value,words",
    [
        (["publicSubnets"], ["10.100.101.0/24", "10.100.102.0/24"], ["dr.publicSubnets", "2 subnets for 3"]),
        (
            ["publicSubnets"],
            ["10.100.101.0/24", "10.100.102.0/24", "10.200.1.0/24"],
            ["dr.publicSubnets", "10.200.1.0/24", "outside"],
        ),
        (
            ["publicSubnets"],
            ["10.100.101.0/24", "10.100.102.0/24", "10.100.3.0/24"],
            ["dr.publicSubnets", "overlaps", "private subnet 10.100.3.0/24"],
        ),
        (["natGateways"], 4, ["natGateways", "4 exceeds the 3 public subnets"]),
        (["backupReplicationRetentionDays"], 36, ["backupReplicationRetentionDays", "35"]),
        (["strategy"], "warm-standby", ["strategy", "pilot-light"]),
        (["cacheNodes"], 1, ["cacheNodes", "2"]),
    ],
)
def test_bad_dr_settings_are_refused_naming_the_key(path, value, words) -> None:
    with pytest.raises(ConfigError) as err:
        build_settings(with_change("prod", DR, path, value), "elite-locadora", "prod")
    for word in words:
        assert word in str(err.value), f"{DR}.{'.'.join(path)}: {err.value}"


def test_prod_cannot_drop_its_dr_site() -> None:
    cfg = raw("prod")
    del cfg[DR]
    with pytest.raises(ConfigError, match=r"'elite-locadora:dr'.*prod needs its DR site"):
        build_settings(cfg, "elite-locadora", "prod")


def test_a_dr_site_needs_the_replica_it_promotes() -> None:
    cfg = with_change("staging", "elite-locadora:data", ["database", "drReplica"], _DELETE)
    with pytest.raises(ConfigError, match=r"'elite-locadora:dr'.*needs the cross-region replica"):
        build_settings(cfg, "elite-locadora", "staging")
