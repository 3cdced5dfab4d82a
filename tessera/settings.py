"""The one settings object: TESSERA_* environment variables, then an optional tessera.toml, then defaults."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

OFFLINE_MODEL = "tessera/offline"


class AgentModels(BaseSettings):
    """Which LiteLLM model string each agent calls, and what to fall back to when it fails."""

    supervisor: str = OFFLINE_MODEL
    sales: str = OFFLINE_MODEL
    privacy: str = OFFLINE_MODEL
    analyst: str = OFFLINE_MODEL
    fallbacks: list[str] = Field(default_factory=lambda: [OFFLINE_MODEL])


class Settings(BaseSettings):
    """Everything Tessera reads from its environment. Defaults run fully offline on embedded engines."""

    model_config = SettingsConfigDict(
        env_prefix="TESSERA_",
        env_nested_delimiter="__",
        toml_file="tessera.toml",
        extra="ignore",
    )

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite file under data_dir
    checkpoint_url: str = ""  # empty: same engine as the store (SQLite file or the PostgreSQL URL)
    chroma_path: str = ""  # empty: persistent local Chroma under data_dir
    chroma_host: str = ""  # set to use a Chroma server instead of the local folder
    models: AgentModels = Field(default_factory=AgentModels)
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    seed_on_first_run: bool = True
    edge_accounts: dict[str, int] = Field(default_factory=dict)  # edge node id -> the CRM account of its site
    edge_webhook_url: str = ""  # where insurance-claim follow-ups from the edge are posted
    edge_service_login: str = "admin"  # the user that cases from the edge are opened as

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'tessera.db').resolve()}"

    @property
    def checkpoints_url(self) -> str:
        if self.checkpoint_url:
            return self.checkpoint_url
        if self.store_url.startswith("postgresql"):
            return self.store_url
        return str((self.data_dir / "checkpoints.db").resolve())

    @property
    def chroma_dir(self) -> Path:
        return Path(self.chroma_path) if self.chroma_path else self.data_dir / "chroma"

    def model_for(self, agent: str) -> str:
        return getattr(self.models, agent, OFFLINE_MODEL)
