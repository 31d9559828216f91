"""Settings: one class, read from the environment (prefix BRI_, plus plain DATABASE_URL)."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime configuration of the tracker."""

    model_config = SettingsConfigDict(env_prefix="BRI_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/bri.db",
        validation_alias=AliasChoices("BRI_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; SQLite by default, postgresql+psycopg://... to scale out",
    )
    seed_dir: Path = Field(default=PROJECT_ROOT / "seed", description="Curated dataset")
    aiddata_file: Path = Field(
        default=PROJECT_ROOT / "imports" / "aiddata" / "gcdf3-green-candidates.csv",
        description="AidData GCDF 3.0 records imported after the seed (skipped if missing)",
    )
    load_seed_on_start: bool = Field(
        default=False, description="Migrate and load seed/ before serving (make run sets it)"
    )
    sqlite_busy_timeout_ms: int = Field(default=5000, description="SQLite busy timeout")
    db_pool_size: int = Field(
        default=8, description="Pooled connections per process (as many again may overflow)"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The site's public address, used in citations and in the permalinks of "
        "downloads (never the Host header a client sends, which cached pages would keep)",
    )
    report_error_url: str = Field(
        default="mailto:",
        description="Where 'Report an error' sends readers: a mailto: address, or an issue "
        "tracker's new-issue URL (the record's name and URL are added as title/subject and "
        "body). The default opens the reader's mail program with the message filled in.",
    )
    db_pool_timeout_s: float = Field(
        default=10.0, description="How long a request waits for a pooled connection"
    )
    cache_max_bytes: int = Field(
        default=64 << 20,
        ge=1 << 16,
        description="Memory per process for each of the query and response caches; "
        "an answer over 1/16 of it is not cached",
    )
    # What one client may hold (docs/deployment.md): `bri-tracker serve` applies these.
    max_header_bytes: int = Field(
        default=32_768, description="Request line and headers larger than this get a 431"
    )
    header_timeout_s: float = Field(
        default=10.0, description="A connection that has not sent its headers by then is closed"
    )
    keep_alive_timeout_s: int = Field(
        default=5, description="An idle keep-alive connection is closed after this many seconds"
    )
    max_connections: int = Field(
        default=512, description="Open connections per process; more get a 503 at once"
    )
    worker_threads: int = Field(
        default=3,
        ge=1,
        description="Requests a process works on at once (the rest wait their turn, first come "
        "first served). Python runs one thread at a time, so more threads only share the CPU "
        "more finely: a slow page then takes as long as all the others together. Keep it below "
        "the pool's connections so a request never waits for one.",
    )
    export_concurrency: int = Field(
        default=2,
        ge=1,
        description="Downloads (CSV, GeoJSON, zip) in progress at once per process; more get 503",
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
