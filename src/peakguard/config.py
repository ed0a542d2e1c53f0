"""Deployment settings, read from ``PEAKGUARD_*`` environment variables when the app starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from peakguard.formats.limits import MEBIBYTE, InputLimits
from peakguard.i18n import SUPPORTED_LANGUAGES, normalise_language


def _default_home() -> Path:
    return Path.home() / ".peakguard"


class Settings(BaseSettings):
    """Where peakguard keeps its data and which language it speaks.

    ``PEAKGUARD_DATABASE_URL``: any SQLAlchemy URL; default an SQLite file in
    ``PEAKGUARD_HOME`` (``~/.peakguard``). ``PEAKGUARD_LANGUAGE``: ``zh_CN`` (default) or ``en``.
    ``PEAKGUARD_EVENT_LAKE``: the folder of the scan-event lake; default ``<home>/lake``
    (docs/reference/scan-events.md). The security settings (sessions, lock-out, tokens, audit
    retention) are described in docs/reference/access.md.
    """

    model_config = SettingsConfigDict(env_prefix="PEAKGUARD_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    language: str = "zh_CN"
    event_lake: Path | None = None
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    """A browser session ends after this long without a request."""
    session_absolute_hours: int = Field(default=12, ge=1, le=7 * 24)
    """A browser session ends this long after the login, however active."""
    login_max_failures: int = Field(default=5, ge=1, le=100)
    """Wrong passwords in a row that lock a user out."""
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    """How long a locked-out user must wait."""
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    """How long a server process keeps a looked-up session or token (0: look it up on every
    request). A logout, revocation, password reset or disabling made through another process
    takes up to this long to reach this one; made through this one, it applies at once."""
    token_max_days: int = Field(default=365, ge=1, le=3660)
    """The longest an API token may live."""
    audit_retention_days: int = Field(default=1096, ge=30)
    """How long audit entries are kept (three years: the service-record rule, DOMAIN.md)."""
    audit_key: str | None = Field(default=None, repr=False)
    """The secret of the audit chain's HMAC; default: the file ``<home>/audit.key``, made with
    32 random bytes and mode 0600 when first needed. Keep it outside the database's backups."""
    personal_key: str | None = Field(default=None, repr=False)
    """The secret that encrypts personal data at rest (complainants' names, phones, addresses)
    and keys its search digests; default: the file ``<home>/personal.key``, made like the audit
    key. Keep it outside the database and its backups: without it the data cannot be read
    (rotation: docs/reference/personal-data.md)."""
    complaint_sweep_seconds: float = Field(default=60.0, ge=5, le=24 * 3600)
    """How often a server process runs the sweeps (:mod:`peakguard.app.sweeps`): the cases'
    reminders and breaches, the duty's alert escalation (15 minutes by default, so a minute's
    period), the daily reports' deadline flags, the incidents' blockage clocks; each sweep is
    run by one process at a time, whatever the number of workers."""
    emergency_plans: Path | None = None
    """A deployment's emergency plans file (TOML, docs/reference/emergency-plans.md); the
    packaged plans when unset."""
    daily_report_settings: Path | None = None
    """A settings file whose ``[daily_reports]`` section sets the daily reports' deadline and
    checks for the server's sweep (docs/reference/settings-files.md); the defaults when unset."""
    security_settings: Path | None = None
    """A settings file whose ``[security]`` section sets the security watch list's thresholds
    for the API and the pages (docs/reference/settings-files.md); the defaults when unset."""
    inspection_checklist: Path | None = None
    """A local office's checklist extension (TOML), merged into the national security
    checklist (docs/reference/inspections.md); the national checklist alone when unset."""
    cookie_secure: bool = True
    """Send the session cookie over HTTPS only; turn off only for a loopback test server."""
    max_file_megabytes: int = Field(default=256, ge=1, le=64 * 1024)
    """The largest file a reader opens (docs/reference/input-limits.md)."""
    max_request_megabytes: int = Field(default=16, ge=1, le=1024)
    """The largest API request body, except the bulk events route's own bound."""
    max_nesting_depth: int = Field(default=32, ge=4, le=200)
    """The deepest nesting of lists and mappings a YAML/JSON input may have."""
    max_document_values: int = Field(default=5_000_000, ge=1000)
    """Values in one YAML/JSON input once its aliases are expanded."""
    max_cell_characters: int = Field(default=100_000, ge=1000)
    """The longest text of one cell or one string value."""
    max_table_rows: int = Field(default=20_000_000, ge=1000)
    """Data rows in one table (CSV, sheet, JSON lines, Parquet)."""
    event_future_hours: int = Field(default=24, ge=0, le=24 * 31)
    """How far past now a scan event's time may lie (scanner clocks drift; a week is forgery)."""
    ingest_future_hours: float = Field(default=1.0, ge=0, le=24 * 31)
    """Ingest refuses a scan event later than now plus this many hours (a wrong clock), after
    the readers' own bound (``event_future_hours``) (docs/reference/scan-events.md)."""
    ingest_quarantine: bool = False
    """Ingest holds events that do not fit the registered networks or the clock in the lake's
    quarantine, with their reasons, and stores the rest; false: it refuses the batch."""
    max_node_days: int | None = Field(default=None, ge=1)
    """Nodes × days one simulation or plan may cover (default in peakguard.app.bounds)."""
    max_simulated_node_days: int | None = Field(default=None, ge=1)
    """Node-days summed over the simulations one request runs."""
    max_pickup_days: int | None = Field(default=None, ge=1)
    """Pickup-quota columns of one staggering program."""
    max_closures: int | None = Field(default=None, ge=1)
    """Closures rerouted in one request."""
    max_forecast_series: int | None = Field(default=None, ge=1)
    """Series forecast in one request."""
    max_forecast_points: int | None = Field(default=None, ge=1)
    """Series × days (history and horizon) in one forecast request."""
    max_volume_days: int | None = Field(default=None, ge=1)
    """Days of volumes per node when sizing reserves."""
    run_seconds: float | None = Field(default=None, gt=0)
    """The longest an API request computes before it is stopped (default 120)."""
    run_memory_megabytes: int | None = Field(default=None, ge=256)
    """Address space of the process running one API request's operation (default 4096)."""
    concurrent_runs: int | None = Field(default=None, ge=0)
    """Long operations one server process runs at once; more are answered busy (default 2).
    Also the jobs one server's worker runs at once (0: this server runs no jobs)."""
    job_seconds: float | None = Field(default=None, gt=0)
    """The longest one job (a simulation started from a page) runs before it is stopped
    (default 1800)."""

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        try:
            return normalise_language(value)
        except ValueError:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}") from None

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home.expanduser() / 'peakguard.db'}"

    def resolved_event_lake(self) -> Path:
        """The scan-event lake's folder: ``event_lake``, or ``lake`` in the home folder."""
        if self.event_lake is not None:
            return self.event_lake.expanduser()
        return self.home.expanduser() / "lake"

    def input_limits(self) -> InputLimits:
        """The bounds every reader checks, from these settings."""
        return InputLimits(
            max_file_bytes=self.max_file_megabytes * MEBIBYTE,
            max_request_bytes=self.max_request_megabytes * MEBIBYTE,
            max_depth=self.max_nesting_depth,
            max_nodes=self.max_document_values,
            max_scalar_characters=self.max_cell_characters,
            max_rows=self.max_table_rows,
            future_tolerance_hours=self.event_future_hours,
        )
