"""Data tier settings: RDS MySQL and ElastiCache Redis (the guide's Database Infrastructure section)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .common import CacheNodeType, DailyWindow, DbInstanceClass, Model, WeeklyWindow, daily_overlaps_weekly


class DatabaseSettings(Model):
    engine_version: Literal[
        "8.0.35", "8.0.36", "8.0.39", "8.0.40", "8.0.41", "8.0.42", "8.4.3", "8.4.4", "8.4.5"
    ] = Field(description="MySQL engine version; the guide pins 8.0.35.")
    instance_class: DbInstanceClass = Field(description="Primary instance class; the guide: db.r5.xlarge.")
    allocated_storage: int = Field(ge=20, le=65536, description="GiB of gp3 storage; the guide: 100.")
    multi_az: bool = Field(description="Standby in a second AZ; required in prod.")
    backup_retention_days: int = Field(
        ge=1, le=35, description="Automated backup retention (AWS allows 0-35; we need 1+)."
    )
    backup_window: DailyWindow = Field(description="Daily UTC backup window; the guide: 03:00-04:00.")
    maintenance_window: WeeklyWindow = Field(
        description="Weekly UTC maintenance window; must not overlap backups."
    )

    @model_validator(mode="after")
    def _windows_apart(self) -> DatabaseSettings:
        if daily_overlaps_weekly(self.backup_window, self.maintenance_window):
            raise ValueError(
                f"maintenanceWindow: {self.maintenance_window} overlaps backupWindow {self.backup_window}; "
                "AWS requires them not to overlap"
            )
        return self


class CacheSettings(Model):
    node_type: CacheNodeType = Field(description="ElastiCache node type; the guide: cache.r6g.large.")
    snapshot_retention_days: int = Field(ge=0, le=35, description="Daily snapshot retention; the guide: 7.")
    snapshot_window: DailyWindow = Field(description="Daily UTC snapshot window; the guide: 03:00-05:00.")
    maintenance_window: WeeklyWindow = Field(
        description="Weekly UTC maintenance window; the guide: sun:05:00-sun:06:00."
    )


class DataSettings(Model):
    database: DatabaseSettings
    cache: CacheSettings
