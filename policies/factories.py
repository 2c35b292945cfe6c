"""The policy factories every theme builds its policies with: metadata, type dispatch, failing closed.

Every validator is wrapped so that it never fails the gRPC call (which would hide every other verdict), and
never passes silently either:

- a value unknown at preview time means "cannot judge yet": no violation, unless the defect is provable
  from what is known (the CLI judges the resource again at `pulumi up`, when the value is known);
- `args.not_applicable(reason)` reaches the CLI as the SDK's not-applicable record;
- any other exception (a shape the validator never met, a bug) fails closed: it becomes a diagnostic at the
  policy's own enforcement level naming the policy, the resource and the error, so that a broken mandatory
  policy blocks the preview instead of passing everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from properties import integral
from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError  # what args.not_applicable raises (no public name)
from pulumi_policy.proxy import UnknownValueError

# -- metadata: the compliance framework each policy's control belongs to, and the control's documentation --
FRAMEWORK = "AWS Foundational Security Best Practices"
FRAMEWORK_VERSION = "1.0.0"
_CONTROL_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/{service}-controls.html#{anchor}"
_SERVICE_PAGES = {
    "ELB": "elb",
    "RDS": "rds",
    "S3": "s3",
    "ECR": "ecr",
    "ECS": "ecs",
    "EC2": "ec2",
    "KMS": "kms",
    "IAM": "iam",
    "CloudFront": "cloudfront",
    "ElastiCache": "elasticache",
    "SNS": "sns",
    "Opensearch": "opensearch",
    "SecretsManager": "secretsmanager",
    "SSM": "ssm",
    "WAF": "waf",
    "CloudWatch": "cloudwatch",
    "Backup": "backup",
}


# -- failing closed --------------------------------------------------------------------------------------
def failure(policy: str, subject: str, exc: BaseException) -> str:
    """The diagnostic for a validator that raised: names the policy, what it was judging and the error."""
    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (
        f"{subject}: policy '{policy}' failed while judging it ({error}), so it cannot pass; "
        "fix the resource's shape or the policy (policies/), then preview again"
    )


def _resource_in_traceback(exc: BaseException) -> Any:
    """The innermost stack resource a failing stack check was looking at (a local of its frames), if any."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if hasattr(value, "resource_type") and hasattr(value, "urn") and hasattr(value, "props"):
                found = value
        tb = tb.tb_next
    return found


def stack_failure(policy: str, exc: BaseException, report_violation: Callable[..., None]) -> None:
    """Report a stack validator's exception at the policy's level, on the resource it was judging if known."""
    resource = _resource_in_traceback(exc)
    if resource is not None:
        subject = f"{resource.name} ({resource.resource_type})"
        report_violation(failure(policy, subject, exc), resource.urn)
    else:
        report_violation(failure(policy, "the stack", exc))


# -- factories --------------------------------------------------------------------------------------------
def _framework(control: str | None) -> PolicyComplianceFramework | None:
    if not control:
        return None
    return PolicyComplianceFramework(
        name=FRAMEWORK,
        version=FRAMEWORK_VERSION,
        reference=control,
        specification=f"Security Hub control {control}",
    )


def _url(control: str | None) -> str | None:
    if not control:
        return None
    service, _, number = control.partition(".")
    page = _SERVICE_PAGES.get(service, service.lower())
    return _CONTROL_URL.format(service=page, anchor=f"{page}-{number}")


def _schema(config: Mapping[str, dict] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(config)) if config else None


def _defaults(config: Mapping[str, dict] | None) -> dict[str, Any]:
    return {k: v["default"] for k, v in (config or {}).items() if "default" in v}


Check = Callable[..., Iterator[str] | Iterable[str] | None]


def _metadata(
    name: str,
    description: str,
    level: str,
    config: Mapping[str, dict] | None,
    severity: str,
    control: str | None,
    remediation: str,
    url: str | None,
) -> dict[str, Any]:
    """What the SDK's policy classes take besides the validation itself: the same for both kinds of policy."""
    return {
        "name": name,
        "description": description,
        "enforcement_level": EnforcementLevel(level),
        "config_schema": _schema(config),
        "severity": Severity(severity),
        "framework": _framework(control),
        "remediation_steps": remediation,
        "url": url or _url(control),
    }


class TypedResourcePolicy(ResourceValidationPolicy):
    """A resource policy that judges the resource types it declares (`types`; None: every aws: resource).

    The SDK's Analyze calls every resource policy's `validate` method for every resource; subclassing
    ResourceValidationPolicy and overriding that method is the SDK's own extension point (a subclass need not
    pass `validate`). The override tests the type first and calls the judging function only on a type it
    judges, so a policy costs one set look-up on the types it does not judge, where the base method builds a
    list of its validations and loops over it on every call. Verdicts are the judging function's, unchanged;
    the function is also passed to the base class, so `has_validation` and direct callers see the same policy.
    """

    def __init__(self, *, types: frozenset[str] | None, judge: Callable[..., None], **kwargs: Any) -> None:
        super().__init__(validate=judge, **kwargs)
        self.types = types
        self._judge = judge

    def validate(self, args: Any, report_violation: Callable[..., None]) -> None:
        types = self.types
        if args.resource_type in types if types is not None else args.resource_type.startswith("aws:"):
            self._judge(args, report_violation)


def resource_policy(
    name: str,
    description: str,
    types: frozenset[str] | None,
    check: Check,
    *,
    remediation: str,
    control: str | None = None,
    severity: str = "medium",
    level: str = "advisory",
    config: Mapping[str, dict] | None = None,
    url: str | None = None,
) -> ResourceValidationPolicy:
    """A policy judging one resource of `types` (None: every aws: resource): `check(props, cfg, args)` yields
    violation messages."""
    defaults = _defaults(config)
    # The SDK hands each call a copy of the same configured values: the merged config is rebuilt only when they
    # change (checks read their config, never write it). One tuple, swapped whole, so threads see a pair.
    last: list[tuple[Any, dict[str, Any]]] = [(object(), {})]

    def judge(args: Any, report_violation: Callable[[str], None]) -> None:
        try:
            given = args.get_config()
            seen, cfg = last[0]
            if given != seen:
                cfg = {k: integral(v) for k, v in {**defaults, **(given or {})}.items()}
                last[0] = (given, cfg)
            for message in check(args.props, cfg, args) or ():
                report_violation(f"{args.name} ({args.resource_type}): {message}")
        except UnknownValueError:
            return  # a value the check needed is unknown at preview: cannot judge yet
        except _NotApplicableError:
            raise  # the SDK turns it into the not-applicable record the CLI shows
        except Exception as exc:  # noqa: BLE001 - fail closed, never fail the gRPC call (see module doc)
            report_violation(failure(name, f"{args.name} ({args.resource_type})", exc))

    return TypedResourcePolicy(
        types=types,
        judge=judge,
        **_metadata(name, description, level, config, severity, control, remediation, url),
    )


def stack_policy(
    name: str,
    description: str,
    check: Check,
    *,
    remediation: str,
    control: str | None = None,
    severity: str = "medium",
    level: str = "advisory",
    config: Mapping[str, dict] | None = None,
    url: str | None = None,
) -> StackValidationPolicy:
    """A policy judging the whole stack: `check(resources, cfg)` yields (resource or None, message) pairs."""
    defaults = _defaults(config)

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        try:
            cfg = {k: integral(v) for k, v in {**defaults, **(args.get_config() or {})}.items()}
            for resource, message in check(args.resources, cfg) or ():
                if resource is not None:
                    report_violation(f"{resource.name} ({resource.resource_type}): {message}", resource.urn)
                else:
                    report_violation(message)
        except UnknownValueError:
            return
        except _NotApplicableError:
            raise
        except Exception as exc:  # noqa: BLE001 - see module doc
            stack_failure(name, exc, report_violation)

    return StackValidationPolicy(
        validate=validate, **_metadata(name, description, level, config, severity, control, remediation, url)
    )
