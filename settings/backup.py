"""Backup settings: the AWS Backup plan and its copies to the DR region (components/backup.py)."""

from __future__ import annotations

from pydantic import Field, model_validator

from .common import DailyWindow, Model


class BackupSettings(Model):
    """The AWS Backup plan: the guide's daily 03:00-04:00 window and 30-day retention, copied to the DR region."""

    window: DailyWindow = Field(
        "03:00-04:00", description="Daily UTC window backup jobs must start in; the guide: 03:00-04:00."
    )
    completion_window_minutes: int = Field(
        480, ge=120, le=52_560_000, description="Minutes a started job may run before AWS Backup cancels it."
    )
    retention_days: int = Field(ge=1, le=36500, description="Days recovery points are kept; the guide: 30.")
    copy_to_dr: bool = Field(True, description="Copy every recovery point to the vault in the DR region.")
    dr_retention_days: int = Field(ge=1, le=36500, description="Days the DR copies are kept.")
    lock_vaults: bool = Field(
        False,
        description="Vault Lock in governance mode: nobody without the bypass permission deletes a recovery point "
        "before its retention ends (prod: true).",
    )

    @property
    def start_hour_minute(self) -> tuple[int, int]:
        start = self.window.split("-")[0]
        return int(start[:2]), int(start[3:])

    @property
    def start_window_minutes(self) -> int:
        start, end = self.window.split("-")
        return (int(end[:2]) * 60 + int(end[3:]) - int(start[:2]) * 60 - int(start[3:])) % 1440

    @property
    def schedule(self) -> str:
        """The window's start as an AWS Backup cron expression (UTC)."""
        hour, minute = self.start_hour_minute
        return f"cron({minute} {hour} ? * * *)"

    @model_validator(mode="after")
    def _fits(self) -> BackupSettings:
        if self.start_window_minutes < 60:
            raise ValueError(
                f"window: {self.window} lasts {self.start_window_minutes} minutes; AWS Backup needs a start "
                "window of at least 60 minutes"
            )
        if self.completion_window_minutes < self.start_window_minutes + 60:
            raise ValueError(
                f"completionWindowMinutes: {self.completion_window_minutes} must exceed the "
                f"{self.start_window_minutes}-minute start window by at least 60 minutes"
            )
        return self
