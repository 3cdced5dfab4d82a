"""The one settings object: TESSERA_* environment variables, then an optional tessera.toml, then defaults.

Sections are nested models: `TESSERA_<SECTION>__<FIELD>` (e.g. TESSERA_SLACK__BOT_TOKEN) or a `[section]` table in
tessera.toml. A capability adds its section here (a BaseModel with defaults that run offline), validates its values
in the model, and documents each field in the README's configuration table. Modules receive the object; none reads
the environment for its own settings.
"""
from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings import SettingsError as SourceError

OFFLINE_MODEL = "tessera/offline"
ENV_PREFIX = "TESSERA_"
SECRET_WORDS = ("secret", "token", "key", "password")  # values of such fields are never echoed in an error


class SettingsError(ValueError):
    """A setting has a wrong value or a section is half configured; the message names the variable to fix."""


class AgentModels(BaseModel):
    """Which LiteLLM model string each agent calls, and what to fall back to when it fails."""

    supervisor: str = OFFLINE_MODEL
    sales: str = OFFLINE_MODEL
    privacy: str = OFFLINE_MODEL
    analyst: str = OFFLINE_MODEL
    prompt_ops: str = OFFLINE_MODEL  # the prompt engineers' specialist (prompt versions, labels, eval results)
    writer: str = OFFLINE_MODEL  # follow-up drafts: the offline model composes from templates; an LLM writes them
    fallbacks: list[str] = Field(default_factory=lambda: [OFFLINE_MODEL])

    @field_validator("supervisor", "sales", "privacy", "analyst", "prompt_ops", "writer")
    @classmethod
    def _a_model_string(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(f"expected a LiteLLM model string such as 'openai/gpt-4.1', or '{OFFLINE_MODEL}'")
        return value.strip()


class SlackSettings(BaseModel):
    """From api.slack.com/apps: Basic Information > Signing Secret; OAuth & Permissions > Bot token."""

    signing_secret: str = ""
    bot_token: str = ""  # xoxb-...
    app_token: str = ""  # xapp-..., only for Socket Mode
    command: str = "/tessera"
    api_url: str = "https://slack.com/api/"

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, value: str) -> str:
        if value and not value.startswith("xoxb-"):
            raise ValueError("expected the Bot User OAuth Token, which starts with 'xoxb-' (OAuth & Permissions)")
        return value

    @field_validator("app_token")
    @classmethod
    def _app_token(cls, value: str) -> str:
        if value and not value.startswith("xapp-"):
            raise ValueError("expected an app-level token, which starts with 'xapp-' (Basic Information > "
                             "App-Level Tokens, scope connections:write)")
        return value

    @field_validator("command")
    @classmethod
    def _slash_command(cls, value: str) -> str:
        if not value.startswith("/") or " " in value:
            raise ValueError("expected a slash command such as '/tessera'")
        return value

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @model_validator(mode="after")
    def _whole(self) -> SlackSettings:
        if (self.signing_secret or self.app_token) and not self.bot_token:
            raise ValueError(f"Slack is half configured: set {env_name('slack', 'bot_token')} (xoxb-...)")
        if self.bot_token and not (self.signing_secret or self.app_token):
            raise ValueError(f"Slack is half configured: set {env_name('slack', 'signing_secret')} (events over "
                             f"HTTP) or {env_name('slack', 'app_token')} (Socket Mode)")
        return self

    @property
    def enabled(self) -> bool:
        """Answer Slack's HTTP events (Socket Mode needs only the app and bot tokens)."""
        return bool(self.signing_secret)


class WeComSettings(BaseModel):
    """From the WeCom admin console: My company > CorpID; the app's AgentId and Secret; its API receive settings
    (接收消息) give the Token and EncodingAESKey."""

    corp_id: str = ""
    agent_id: str = ""
    secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        if value and len(value) != 43:
            raise ValueError(f"expected the 43-character EncodingAESKey the WeCom console generates, got "
                             f"{len(value)} characters")
        return value

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @model_validator(mode="after")
    def _whole(self) -> WeComSettings:
        needed = ("corp_id", "agent_id", "secret", "token", "encoding_aes_key")
        given = [n for n in needed if getattr(self, n)]
        if given and len(given) < len(needed):
            missing = next(n for n in needed if not getattr(self, n))
            raise ValueError(f"WeCom is half configured: set {env_name('wecom', missing)}")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.corp_id)


class EdgeSettings(BaseModel):
    """Edge sync. At the centre: a default site account for `tessera edge enroll` and where follow-ups go (a node is
    trusted only once enrolled). At a node: its credential, and the key its local API asks for off localhost."""

    accounts: dict[str, int] = Field(default_factory=dict)  # node id -> default account for `tessera edge enroll`
    webhook_url: str = ""  # where insurance-claim follow-ups from the edge are posted
    hub_log_url: str = ""  # empty: the store's database when it is PostgreSQL (shared by workers), else SQLite
    node_credential: str = ""  # at a node: the credential `tessera edge enroll` printed for it
    node_api_key: str = ""  # at a node: the key its local API requires when it listens beyond localhost

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value) if value else value

    @field_validator("hub_log_url")
    @classmethod
    def _pg_url(cls, value: str) -> str:
        if value and not value.startswith(("postgresql", "postgres:")):
            raise ValueError("expected a postgresql:// URL for the shared edge hub log (leave empty for SQLite)")
        return value

    def hub_log(self, store_url: str) -> str:
        """Where the hub's update log lives: a PostgreSQL URL shared by every worker, or '' for the SQLite file."""
        return self.hub_log_url or (store_url if store_url.startswith("postgres") else "")


SECTIONS = ("models", "slack", "wecom", "edge", "audit", "auth", "limits", "repday", "observability", "threads")


class AuditSettings(BaseModel):
    """Where the audit chain's signing key and signed heads live: outside the database, readable by Tessera only."""

    key_file: str = ""  # empty: <data_dir>/audit/signing-key.pem (Ed25519, created with mode 0600 on first use)
    heads_file: str = ""  # empty: heads.jsonl beside the key (append-only, one signed head per writing transaction)

    @field_validator("key_file", "heads_file")
    @classmethod
    def _a_file(cls, value: str) -> str:
        if value and (value.endswith(("/", "\\")) or Path(value).is_dir()):
            raise ValueError(f"expected a file path, not the folder '{value}' (e.g. /srv/tessera/audit/signing-key.pem)")
        return value


class AuthSettings(BaseModel):
    """API tokens: how long one lives unless `--ttl` says otherwise, and the longest anyone may ask for."""

    token_ttl_days: float = Field(30, gt=0, le=3650, description="lifetime of a token issued without --ttl")
    max_token_ttl_days: float = Field(365, gt=0, le=3650, description="no token lives longer than this")


class RequestLimits(BaseModel):
    """What one HTTP request may carry and how long a turn may wait for the thread's previous turn."""

    max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024)
    idempotency_hours: float = Field(24, gt=0, le=24 * 30, description="how long an Idempotency-Key is remembered")
    turn_wait_seconds: float = Field(60, gt=0, le=3600, description="wait for the thread's running turn, then 409")
    history_turns: int = Field(8, ge=1, le=1000, description="turns a thread keeps in its checkpoint for the model "
                               "to read, the new one included; older ones leave it (their traces stay)")
    turns_at_once: int = Field(4, ge=1, le=256, description="turns one process runs at a time; more wait their "
                               "turn (up to turn_wait_seconds, then 503) instead of sharing the interpreter")


class RepDaySettings(BaseModel):
    """The rep's day: how often `tessera serve` looks for due reminders and for notes to index, and where the
    deal-score model is kept."""

    reminder_poll_seconds: float = Field(30, gt=0, le=3600, description="how often due reminders are looked for")
    index_poll_seconds: float = Field(5, gt=0, le=3600, description="how often `tessera serve` looks for notes and "
                                                                    "cases to index into vector memory")
    scores_dir: str = ""  # empty: <data_dir>/models (the trained deal-score model and its report)


class ThreadSettings(BaseModel):
    """How long conversations are kept: `tessera threads prune`, and inside `tessera serve` when a period is set."""

    retention_days: float = Field(0, ge=0, le=36500, description="a thread idle this long goes with its traces; "
                                  "0 keeps every thread")
    prune_every_hours: float = Field(24, gt=0, le=24 * 365, description="how often `tessera serve` prunes")


class ObservabilitySettings(BaseModel):
    """What operators see (tessera/observability.py): spans exported by OTLP, and who may read /metrics."""

    otel_endpoint: str = ""  # an OTLP/gRPC collector, e.g. http://127.0.0.1:4317; empty: no spans are exported
    service_name: str = "tessera"  # the service.name resource of every span
    metrics_token: str = ""  # set: /metrics needs 'Authorization: Bearer <token>'; empty: callers on this machine only

    @field_validator("otel_endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value) if value else value

    @field_validator("metrics_token")
    @classmethod
    def _token(cls, value: str) -> str:
        if value and (len(value) < 8 or not value.isprintable() or " " in value):
            raise ValueError("expected at least 8 visible characters without spaces, e.g. from `openssl rand -hex 16`")
        return value


class Settings(BaseSettings):
    """Everything Tessera reads from its environment. Defaults run fully offline on embedded engines."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        toml_file="tessera.toml",
        extra="ignore",
    )

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite file under data_dir
    checkpoint_url: str = ""  # empty: same engine as the store (SQLite file or the PostgreSQL URL)
    chroma_path: str = ""  # empty: persistent local Chroma under data_dir
    chroma_host: str = ""  # a Chroma server ("http://127.0.0.1:8001") shared by the workers; empty: the local folder
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="worker processes serving the API (`tessera serve --workers` "
                         "sets it for them); with several, a busy worker hands keep-alive connections back")
    seed_on_first_run: bool = True
    models: AgentModels = Field(default_factory=AgentModels)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    wecom: WeComSettings = Field(default_factory=WeComSettings)
    edge: EdgeSettings = Field(default_factory=EdgeSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: RequestLimits = Field(default_factory=RequestLimits)
    repday: RepDaySettings = Field(default_factory=RepDaySettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    threads: ThreadSettings = Field(default_factory=ThreadSettings)

    def __init__(self, **values):
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None
        except SourceError as exc:  # a structured value (a list, a mapping) that is not JSON
            field = re.search(r'field "(\w+)"', str(exc))
            name = env_name(field.group(1)) + ("__*" if field and field.group(1) in SECTIONS else "") if field else ""
            raise SettingsError(f"Tessera's settings are not valid: {name or str(exc)} holds a value that is not "
                                f"JSON ({exc.__cause__}); lists and mappings are written as JSON, e.g. "
                                f"TESSERA_EDGE__ACCOUNTS='{{\"plant-7\": 3}}'") from None

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

    @field_validator("database_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError("expected an SQLAlchemy URL such as 'postgresql://user@host:5432/db' or "
                             "'sqlite:///var/tessera.db' (empty: a SQLite file under the data dir)")
        return value

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

    @property
    def audit_key_file(self) -> Path:
        return Path(self.audit.key_file) if self.audit.key_file else self.data_dir / "audit" / "signing-key.pem"

    @property
    def audit_heads_file(self) -> Path:
        return Path(self.audit.heads_file) if self.audit.heads_file else self.audit_key_file.parent / "heads.jsonl"

    @property
    def scores_folder(self) -> Path:
        """Where the trained deal-score model and its report live."""
        return Path(self.repday.scores_dir) if self.repday.scores_dir else self.data_dir / "models"

    def model_for(self, agent: str) -> str:
        return getattr(self.models, agent, OFFLINE_MODEL)


def env_name(*path: str) -> str:
    """The environment variable of a setting: env_name('slack', 'bot_token') -> TESSERA_SLACK__BOT_TOKEN."""
    return ENV_PREFIX + "__".join(p.upper() for p in path)


def describe(exc: ValidationError) -> str:
    """One line per wrong value: the variable, what was given (never a secret), and what is expected."""
    lines = ["Tessera's settings are not valid (environment variables, or tessera.toml in the working directory):"]
    for error in exc.errors():
        path, entry = _field_path(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if "TESSERA_" in message or not path:
            lines.append(f"  {message}")
            continue
        given = error.get("input")
        shown = "" if any(w in path[-1] for w in SECRET_WORDS) or isinstance(given, dict) else f" = {given!r}"
        where = f" entry {entry!r}" if entry else ""
        lines.append(f"  {env_name(*path)}{where}{shown} ({'.'.join(path)} in tessera.toml): {message}")
    return "\n".join(lines)


def _field_path(loc: tuple) -> tuple[list[str], str]:
    """Splits an error location into the setting's field path and, inside a list or mapping, the entry."""
    model, path = Settings, []
    for i, part in enumerate(loc):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return path, ".".join(str(p) for p in loc[i:])
        path.append(str(part))
        model = fields[part].annotation
    return path, ""


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return value
