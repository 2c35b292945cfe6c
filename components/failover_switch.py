"""The operators' regional failover switch: a metric in the DR region that Route 53 watches through a health check.

Route 53 answers `origin.<domain>` with the primary region's ALB while that record is healthy (components/edge.py,
failover routing). Target health alone moves traffic only when the primary ALB has no healthy target; a region
that is half up (tasks healthy, database gone) needs an operator's decision. The decision is one data-plane call
in the DR region: `cloudwatch put-metric-data` of `Failover` = 1 (tools/failover.py). The alarm here turns it
into ALARM, the health check built on the alarm turns unhealthy, and the PRIMARY record with it. The pattern is
AWS's (API Gateway developer guide, "Configure custom health checks for DNS failover"): the alarm and the metric
live in the DR region, so flipping the switch needs nothing of the primary region; Route 53 health checking and
DNS answers are its data plane (the health check is created once, ahead of any incident).

The switch stays where it was put: once the operator stops publishing, the alarm has no data and the health check
keeps its last known status (`LastKnownStatus`); publishing 0 (fail-back) turns it healthy again. A new health
check with no status yet is healthy, so a fresh stack serves from the primary.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import Region

# The custom metric tools/failover.py publishes (namespace, name, and the dimension naming the stack's environment).
SWITCH_NAMESPACE = "EliteLocadora/DR"
SWITCH_METRIC = "Failover"
SWITCH_DIMENSION = "Environment"


@dataclass
class FailoverSwitchArgs:
    name_prefix: str
    """Physical-name prefix, `elite-locadora-<env>` (the alarm's name)."""
    environment: str
    """The metric's `Environment` dimension: two stacks in one account never share a switch."""
    dr: Region
    """Region of the alarm and the metric: the one that survives the primary's loss."""


class FailoverSwitch(pulumi.ComponentResource):
    health_check_id: pulumi.Output[str]
    """Route 53 health check the primary origin record must pass: unhealthy while the switch says failover."""
    alarm_name: pulumi.Output[str]
    """The switch's alarm in the DR region (its state is the switch's position)."""

    def __init__(
        self, name: str, args: FailoverSwitchArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("elite-locadora:dr:FailoverSwitch", name, None, opts)
        alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-alarm",
            name=f"{args.name_prefix}-failover-switch",
            alarm_description=(
                "Failover switch (tools/failover.py): ALARM sends origin traffic to the DR region. Not a fault "
                "alarm; its state is an operator's decision (docs/dr-runbook.md)."
            ),
            namespace=SWITCH_NAMESPACE,
            metric_name=SWITCH_METRIC,
            dimensions={SWITCH_DIMENSION: args.environment},
            statistic="Maximum",
            period=60,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # No data is no decision: INSUFFICIENT_DATA, which the health check reads as its last known status.
            treat_missing_data="missing",
            opts=pulumi.ResourceOptions(parent=self, provider=args.dr.provider),
        )
        check = aws.route53.HealthCheck(
            f"{name}-health-check",
            type="CLOUDWATCH_METRIC",
            cloudwatch_alarm_name=alarm.name,
            cloudwatch_alarm_region=args.dr.name,
            insufficient_data_health_status="LastKnownStatus",
            reference_name=f"{args.environment}-failover",
            tags={"Name": f"{args.name_prefix}-failover-switch"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.health_check_id, self.alarm_name = check.id, alarm.name
        self.register_outputs({"health_check_id": self.health_check_id, "alarm_name": self.alarm_name})
