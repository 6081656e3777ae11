"""Settings from the environment, read in one place.

Every setting the code reads is named here (the deploy checks scan for GONGZHI_ names)."""
import logging
import os
from dataclasses import dataclass, field

DEVELOPMENT_JWT_SECRET = "gongzhi-development-secret-do-not-use-in-production"
# base64 of b"gongzhi-development-data-key-32!": known to everyone, protects nothing.
DEVELOPMENT_DATA_KEY = "Z29uZ3poaS1kZXZlbG9wbWVudC1kYXRhLWtleS0zMiE="
DEVELOPMENT_INTERNAL_KEY = "gongzhi-development-internal-key-do-not-use-in-production"

_log = logging.getLogger(__name__)


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _delays(text):
    return tuple(float(part) for part in text.split(",") if part.strip())


def _setting(name, default=None, cast=None):
    """A field read from the environment when Settings() is made (not at import)."""
    def read():
        value = _env(name, default)
        return cast(value) if cast and value is not None else value
    return field(default_factory=read)


@dataclass(frozen=True)
class Settings:
    env: str = _setting("GONGZHI_ENV", "development")
    amqp_uri: str = _setting("GONGZHI_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    # Unset: `make run` starts the local stand-in store and passes its URI down.
    mongo_uri: str = _setting("GONGZHI_MONGO_URI",
                              "mongodb://127.0.0.1:27017/?directConnection=true")
    db_prefix: str = _setting("GONGZHI_DB_PREFIX", "gongzhi")
    http_host: str = _setting("GONGZHI_HTTP_HOST", "127.0.0.1")
    http_port: int = _setting("GONGZHI_HTTP_PORT", "8000", int)
    jwt_secret_raw: str | None = _setting("GONGZHI_JWT_SECRET")
    # Tokens from the subdistrict's identity provider (RS256/ES256), verified against its
    # JWKS (an http(s) URL, a file path or a file:// URL), issuer and audience checked.
    jwks_url: str | None = _setting("GONGZHI_JWKS_URL")
    jwt_issuer: str | None = _setting("GONGZHI_JWT_ISSUER")
    jwt_audience: str | None = _setting("GONGZHI_JWT_AUDIENCE")
    # Where the provider puts our claims (dotted paths, e.g. realm_access.roles).
    claim_tenant: str = _setting("GONGZHI_CLAIM_TENANT", "tenant")
    claim_roles: str = _setting("GONGZHI_CLAIM_ROLES", "roles")
    claim_communities: str = _setting("GONGZHI_CLAIM_COMMUNITIES", "communities")
    # Sensitive fields at rest (chassis/sealing.py): a base64 32-byte key or a keyring
    # "k2:<b64>,k1:<b64>" whose first key is current.
    data_key_raw: str | None = _setting("GONGZHI_DATA_KEY")
    log_level: str = _setting("GONGZHI_LOG_LEVEL", "INFO")
    rpc_timeout: float = _setting("GONGZHI_RPC_TIMEOUT", "5", float)
    max_workers: int = _setting("GONGZHI_MAX_WORKERS", "10", int)
    retry_delays: tuple = _setting("GONGZHI_RETRY_DELAYS", "1,5,30", _delays)
    outbox_poll_seconds: float = _setting("GONGZHI_OUTBOX_POLL_SECONDS", "1", float)
    # SIGTERM: in-flight work gets this long to finish, then the process is killed (keep it
    # below the pod's terminationGracePeriodSeconds).
    stop_seconds: float = _setting("GONGZHI_STOP_SECONDS", "20", float)
    # The community summary may be served from a per-process micro-cache this old: derived
    # figures follow events "within about a second" anyway (API.md). 0 turns it off.
    summary_cache_seconds: float = _setting("GONGZHI_SUMMARY_CACHE_SECONDS", "0.5", float)
    # How often metrics copies new counter credits to the tallies the summary sums
    # (services/metrics/tallies.py); until then readers use the credited documents themselves.
    summary_fold_seconds: float = _setting("GONGZHI_SUMMARY_FOLD_SECONDS", "1", float)
    # Request bodies past this size are refused (413) before they are read whole.
    max_body_bytes: int = _setting("GONGZHI_MAX_BODY_BYTES", str(1024 * 1024), int)
    # Reads and commands over HTTP to the owning service (ADR 0013, chassis/internal_reads.py,
    # internal_commands.py): where residents and metrics answer reads and health the visit
    # commands (unset: the gateway asks over RPC, as before), and the
    # key that signs the call context on that hop: "k2:<secret>,k1:<secret>", the first signs,
    # any verifies (so a new key can be rolled out before it is used).
    residents_url: str | None = _setting("GONGZHI_RESIDENTS_URL")
    metrics_url: str | None = _setting("GONGZHI_METRICS_URL")
    health_url: str | None = _setting("GONGZHI_HEALTH_URL")
    internal_key_raw: str | None = _setting("GONGZHI_INTERNAL_KEY")

    # Home care with the partner hospital (services/health).
    follow_up_sweep_seconds: float = _setting("GONGZHI_FOLLOW_UP_SWEEP_SECONDS", "60", float)
    follow_up_grace_days: int = _setting("GONGZHI_FOLLOW_UP_GRACE_DAYS", "7", int)
    discharge_follow_up_days: int = _setting("GONGZHI_DISCHARGE_FOLLOW_UP_DAYS", "3", int)
    hospital_inbox: str = _setting("GONGZHI_HOSPITAL_INBOX", "hospital.inbox")

    # The needs loop (services/council): deadlines from receipt, and the overdue sweep.
    need_respond_hours: float = _setting("GONGZHI_NEED_RESPOND_HOURS", "24", float)
    need_resolve_hours: float = _setting("GONGZHI_NEED_RESOLVE_HOURS", "168", float)
    urgent_need_respond_hours: float = _setting("GONGZHI_URGENT_NEED_RESPOND_HOURS", "2", float)
    urgent_need_resolve_hours: float = _setting("GONGZHI_URGENT_NEED_RESOLVE_HOURS", "24", float)
    need_sweep_seconds: float = _setting("GONGZHI_NEED_SWEEP_SECONDS", "60", float)
    need_cluster_days: int = _setting("GONGZHI_NEED_CLUSTER_DAYS", "30", int)
    # The residents' deliberation week (services/council): how often each replica moves
    # deliberations on by their times (scheduled -> open -> closed; safe in parallel).
    deliberation_sweep_seconds: float = _setting("GONGZHI_DELIBERATION_SWEEP_SECONDS", "30",
                                                 float)
    # Community activities (services/events): how often each replica runs the repair sweep
    # (0: never), and how old an unfinished step must be before the sweep finishes it for its
    # process: well beyond any request's life (GONGZHI_RPC_TIMEOUT), so live work is rarely
    # repeated (repeating it is safe anyway).
    activity_sweep_seconds: float = _setting("GONGZHI_ACTIVITY_SWEEP_SECONDS", "5", float)
    activity_stale_seconds: float = _setting("GONGZHI_ACTIVITY_STALE_SECONDS", "15", float)

    @property
    def is_development(self):
        return self.env == "development"

    @property
    def hs256_secret(self):
        """The HS256 key the gateway accepts, or None when only the identity provider's
        tokens are accepted (a JWKS and no secret). Raises where neither is configured
        outside development; the JWKS settings must be complete (issuer and audience)."""
        if self.jwks_url and not (self.jwt_issuer and self.jwt_audience):
            raise RuntimeError("GONGZHI_JWKS_URL needs GONGZHI_JWT_ISSUER and "
                               "GONGZHI_JWT_AUDIENCE (tokens are checked against both)")
        if self.jwt_secret_raw or not self.jwks_url:
            return self.jwt_secret
        return None

    @property
    def jwt_secret(self):
        """The HS256 key. A development default exists only in development, loudly."""
        if self.jwt_secret_raw:
            return self.jwt_secret_raw
        if not self.is_development:
            raise RuntimeError("GONGZHI_JWT_SECRET (or GONGZHI_JWKS_URL) must be set "
                               "outside development")
        _log.warning(
            "GONGZHI_JWT_SECRET is not set: using the DEVELOPMENT secret. "
            "Never run like this outside a developer machine."
        )
        return DEVELOPMENT_JWT_SECRET

    @property
    def data_key(self):
        """The data keyring's text. A development key exists only in development, loudly."""
        if self.data_key_raw:
            return self.data_key_raw
        if not self.is_development:
            raise RuntimeError("GONGZHI_DATA_KEY must be set outside development "
                               "(a new one: python -m chassis.sealing)")
        _log.warning(
            "GONGZHI_DATA_KEY is not set: sealing personal data with the DEVELOPMENT key. "
            "Never run like this outside a developer machine.")
        return DEVELOPMENT_DATA_KEY

    @property
    def internal_keys(self):
        """The internal hop's HMAC keys, current first. A development key exists only in
        development, loudly; read when a signed read is first made or served."""
        text = self.internal_key_raw
        if not text:
            if not self.is_development:
                raise RuntimeError("GONGZHI_INTERNAL_KEY must be set outside development "
                                   "(signs the call context of internal reads, ADR 0013)")
            _log.warning("GONGZHI_INTERNAL_KEY is not set: signing internal reads with the "
                         "DEVELOPMENT key. Never run like this outside a developer machine.")
            text = DEVELOPMENT_INTERNAL_KEY
        return tuple(part.strip().split(":", 1)[-1].encode()
                     for part in text.split(",") if part.strip())

    def database_name(self, service_name):
        return f"{self.db_prefix}_{service_name}"

    def nameko_config(self):
        """The nameko config dict a container is built with."""
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": f"{self.http_host}:{self.http_port}",
            "max_workers": self.max_workers,
            "parent_calls_tracked": 10,
            "GONGZHI": self,
        }


def settings_from(config):
    """The Settings a nameko container was built with (tests build containers directly)."""
    return config.get("GONGZHI") or Settings()
