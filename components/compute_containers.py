"""The compute tier's container definitions as data: the writable paths, health checks, environments and worker
command of the three containers, and the pieces every container definition shares. Pure functions of settings and
names, so the Compute component (components/compute.py) only wires them to its resources."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from settings.compute import ServiceSettings

from .contract import CONTAINERS, ServiceTarget

# The RDS CA bundle the backend image ships (docs/data.md, "TLS to MySQL"): Laravel's `MYSQL_ATTR_SSL_CA`.
RDS_CA_BUNDLE_PATH = "/etc/ssl/certs/rds-global-bundle.pem"
# Paths each image writes at run time; with a read-only root file system they are task-scoped volumes (bind
# mounts on Fargate ephemeral storage). The image declares them as VOLUMEs owned by its user (README).
WRITABLE_PATHS = {
    # /etc/nginx/conf.d: where nginx's entrypoint renders the runtime configuration at start (WEB_ENVIRONMENT).
    "web": ("/var/cache/nginx", "/var/run", "/tmp", "/etc/nginx/conf.d"),
    "api": ("/var/www/storage", "/var/www/bootstrap/cache", "/tmp"),
    "worker": ("/var/www/storage", "/var/www/bootstrap/cache", "/tmp"),
}


# Container health checks: a cheap HTTP request to the port and route the target group also checks (the edge tier's
# ServiceTarget, from one setting, `edge.webHealthCheckPath` / `edge.apiHealthCheckPath`). The guide's `php artisan
# tinker --execute=...` boots the whole framework and a REPL every 30 s (docs/departures.md). nginx images carry
# busybox wget, PHP images curl.
def health_check_command(key: str, target: ServiceTarget) -> str:
    url = f"http://localhost:{target.port}{target.health_check_path}"
    if key == "web":
        return f"wget -q -O /dev/null {url} || exit 1"
    return f"curl -fsS -o /dev/null {url} || exit 1"


# The web app's configuration is read at run time, not baked into the bundle (REACT_APP_* are build-time only, so
# one image could not be promoted from staging to prod). The official nginx image's entrypoint renders
# /etc/nginx/templates/*.template into /etc/nginx/conf.d at every start with envsubst, substituting only the
# variables matching NGINX_ENVSUBST_FILTER; the image's template serves them as /config.js (window.__CONFIG__):
# docs/examples/frontend/.
WEB_CONFIG_FILTER = "^WEB_"


def web_environment(api_url: str, environment: str, stripe_publishable_key: str | None) -> dict[str, str]:
    """The web task's environment: the values /config.js carries, and the filter that limits envsubst to them.
    Every variable the template names is defined (an undefined one would stay a literal `${...}`)."""
    return {
        "WEB_API_URL": api_url,
        "WEB_ENVIRONMENT": environment,
        "WEB_STRIPE_KEY": stripe_publishable_key or "",
        "NGINX_ENVSUBST_FILTER": WEB_CONFIG_FILTER,
    }


# Laravel's `sqs` connection (jobs on SQS, data tier); --timeout stays below the queue's visibility timeout (300 s).
WORKER_COMMAND = [
    "php",
    "artisan",
    "queue:work",
    "sqs",
    "--sleep=3",
    "--tries=3",
    "--timeout=240",
    "--max-time=3600",
]


def container(key: str, svc: ServiceSettings, image: pulumi.Input[str], log: pulumi.Output[dict]) -> dict:
    """The parts of a container definition common to the three services."""
    return {
        "name": CONTAINERS[key],
        "image": image,
        "essential": True,
        "user": svc.user,
        "privileged": False,
        "readonlyRootFilesystem": svc.read_only_root_filesystem,
        "mountPoints": [
            {"sourceVolume": volume_name(p), "containerPath": p, "readOnly": False}
            for p in WRITABLE_PATHS[key]
        ],
        # tini as PID 1 reaps zombies and forwards SIGTERM (and ECS Exec needs it when enabled).
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
        "logConfiguration": log,
    }


def log_configuration(group: aws.cloudwatch.LogGroup, prefix: str, region: str) -> pulumi.Output[dict]:
    """The `awslogs` driver writing to `group` in `region`, streams named after `prefix`."""
    return group.name.apply(
        lambda g: {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": g,
                "awslogs-region": region,
                "awslogs-stream-prefix": prefix,
                # A slow CloudWatch must not block the application's stdout.
                "mode": "non-blocking",
                "max-buffer-size": "25m",
            },
        }
    )


def env_pairs(values: dict[str, str]) -> list[dict[str, str]]:
    """A container definition's `environment`: name/value pairs in the given order."""
    return [{"name": k, "value": v} for k, v in values.items()]


def volume_name(path: str) -> str:
    # ECS volume names allow letters, digits, hyphens and underscores only.
    return "tmp" if path == "/tmp" else path.strip("/").replace("/", "-").replace(".", "-")


def health_check(command: str) -> dict:
    """A container health check running `command` in a shell every 30 s, after a minute's grace at start."""
    return {"command": ["CMD-SHELL", command], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}


def backend_environment(
    app_env: str,
    app_url: str,
    region: str,
    db_host: str,
    db_port: int,
    db_name: str,
    redis_host: str,
    redis_port: int,
    bucket: str,
    queue_url: str,
) -> dict[str, str]:
    """The API's and the worker's plain environment (Laravel's settings), from the resolved addresses of the
    database, the cache, the assets bucket and the job queue."""
    return {
        "APP_ENV": app_env,
        "APP_URL": app_url,
        "LOG_CHANNEL": "stderr",
        "DB_CONNECTION": "mysql",
        "DB_HOST": db_host,
        "DB_PORT": str(db_port),
        "DB_DATABASE": db_name,
        # MySQL requires TLS (require_secure_transport=1): Laravel's mysql connection passes this CA
        # bundle (shipped in the image, docs/data.md) to PDO, which verifies the server with it.
        "MYSQL_ATTR_SSL_CA": RDS_CA_BUNDLE_PATH,
        "REDIS_HOST": redis_host,
        "REDIS_PORT": str(redis_port),
        # ElastiCache has transit encryption on: Laravel connects with TLS.
        "REDIS_SCHEME": "tls",
        "CACHE_DRIVER": "redis",
        "CACHE_STORE": "redis",
        "SESSION_DRIVER": "redis",
        "SESSION_SECURE_COOKIE": "true",
        # Jobs live on SQS, where nothing evicts them (Redis evicts with allkeys-lru).
        "QUEUE_CONNECTION": "sqs",
        "SQS_PREFIX": queue_url.rsplit("/", 1)[0],
        "SQS_QUEUE": queue_url.rsplit("/", 1)[1],
        "FILESYSTEM_DISK": "s3",
        "AWS_BUCKET": bucket,
        "AWS_DEFAULT_REGION": region,
    }


def backend_secrets(
    db_secret_arn: str,
    cache_secret_arn: str,
    database_url: str,
    jwt_secret: str,
    stripe_secret: str,
    app_key: str,
    token_version_id: str,
) -> list[dict[str, str]]:
    """The API's and the worker's `secrets`: each a reference (ARN) ECS resolves at task start, never a value."""
    return [
        # `<secret ARN>:<json key>:<stage>:<version id>` picks one key of a JSON secret; the database user
        # follows the current version (rotation), the Redis token the version this deploy wrote.
        {"name": "DB_USERNAME", "valueFrom": f"{db_secret_arn}:username::"},
        {"name": "DB_PASSWORD", "valueFrom": f"{db_secret_arn}:password::"},
        {"name": "REDIS_PASSWORD", "valueFrom": f"{cache_secret_arn}:authToken::{token_version_id}"},
        {"name": "DB_URL", "valueFrom": database_url},
        {"name": "JWT_SECRET", "valueFrom": jwt_secret},
        {"name": "STRIPE_SECRET", "valueFrom": stripe_secret},
        {"name": "APP_KEY", "valueFrom": app_key},
    ]
