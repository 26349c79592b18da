"""Settings from environment variables, with safe defaults for the embedded demo."""
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("ALVEOLE_INSTANCE_DIR", PROJECT_ROOT / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def load_config() -> dict:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": _secret_key(),
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'alveole.db'}"
        ),
        "HUB_NAME": os.environ.get("ALVEOLE_HUB_NAME", "Alvéole — PTCE Vallée de l'Arve"),
        "CURRENCY_CODE": os.environ.get("ALVEOLE_CURRENCY_CODE", "ALV"),
        "CURRENCY_NAME": os.environ.get("ALVEOLE_CURRENCY_NAME", "crédit Alvéole"),
        "TIMEZONE": os.environ.get("ALVEOLE_TIMEZONE", "Europe/Paris"),
        # Cookies are Secure whenever the app is served over https (see create_app).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        # Two hubs on one host (the two demo hubs) need cookies of their own: browsers share
        # cookies across ports.
        "SESSION_COOKIE_NAME": os.environ.get("ALVEOLE_SESSION_COOKIE", "session"),
        "BEHIND_PROXY": _bool("ALVEOLE_BEHIND_PROXY", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "fr",
        # Pages show times in the hub's time zone (flask-babel reads this key, not TIMEZONE).
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("ALVEOLE_TIMEZONE", "Europe/Paris"),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # Argon2 cost; tests lower it to keep the suite fast.
        "PASSWORD_HASH_TIME_COST": int(os.environ.get("ALVEOLE_PASSWORD_TIME_COST", 3)),
        "PASSWORD_HASH_MEMORY_COST": int(os.environ.get("ALVEOLE_PASSWORD_MEMORY_COST", 65536)),
        # The local hour after which `flask notices send-mail` sends each member's daily digest.
        "NOTICES_DIGEST_HOUR": int(os.environ.get("ALVEOLE_DIGEST_HOUR", 7)),
        # Outgoing mail (notices, through the outbox): without SMTP_HOST, emails wait in the outbox.
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 587)),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", True),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "alveole@localhost"),
        # Invoices left unanswered this many days are accepted (`flask invoices auto-accept`).
        "INVOICE_AUTO_ACCEPT_DAYS": int(os.environ.get("ALVEOLE_INVOICE_AUTO_ACCEPT_DAYS", 14)),
        # Where the links in emails point (invitations, password resets): the hub as its
        # members reach it.
        "BASE_URL": os.environ.get("ALVEOLE_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "INVITATION_DAYS": 7,
        "PASSWORD_RESET_MINUTES": 60,
        # Sign-in throttling (app.auth.throttle): free failures, then a doubling delay.
        "LOGIN_FREE_FAILURES_PER_EMAIL": 5,
        "LOGIN_FREE_FAILURES_PER_ADDRESS": 10,
        "LOGIN_DELAY_SECONDS": 2.0,
        "LOGIN_MAX_DELAY_PER_EMAIL": 60.0,
        "LOGIN_MAX_DELAY_PER_ADDRESS": 900.0,
        "LOGIN_FORGET_FAILURES_AFTER": 3600,
        # After booking, cancelling is free this long, even inside the resource's notice.
        "CANCEL_GRACE_MINUTES": int(os.environ.get("ALVEOLE_CANCEL_GRACE_MINUTES", 60)),
        # Euros through Stripe: without a secret key the hub runs without cards (the treasurer
        # records bank transfers). STRIPE_API_BASE points the stripe library at an emulator.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        # Credits (minor units) per euro cent: 1 credit = 1 euro by default.
        "CREDITS_PER_EURO": os.environ.get("ALVEOLE_CREDITS_PER_EURO", "1"),
        # Delivered skill jobs their client leaves unanswered this many days are confirmed
        # (`flask skills auto-confirm`).
        "JOB_CONFIRM_DAYS": int(os.environ.get("ALVEOLE_JOB_CONFIRM_DAYS", 7)),
        # The hub's books (app.ledger.fec): its SIREN names the FEC file; member accounts are
        # auxiliary accounts of one general account; the system accounts have their own.
        "SIREN": os.environ.get("ALVEOLE_SIREN", "000000000"),
        "FISCAL_YEAR_END": os.environ.get("ALVEOLE_FISCAL_YEAR_END", "12-31"),
        "FEC_ACCOUNT": os.environ.get("ALVEOLE_FEC_ACCOUNT", "467"),
        "FEC_ACCOUNT_LABEL": os.environ.get("ALVEOLE_FEC_ACCOUNT_LABEL", "Autres comptes débiteurs ou créditeurs"),
        "FEC_COMMONS_ACCOUNT": os.environ.get("ALVEOLE_FEC_COMMONS_ACCOUNT", "706"),
        "FEC_COMMONS_ACCOUNT_LABEL": os.environ.get("ALVEOLE_FEC_COMMONS_ACCOUNT_LABEL", "Prestations de services"),
        "FEC_SETTLEMENT_ACCOUNT": os.environ.get("ALVEOLE_FEC_SETTLEMENT_ACCOUNT", "512"),
        "FEC_SETTLEMENT_ACCOUNT_LABEL": os.environ.get("ALVEOLE_FEC_SETTLEMENT_ACCOUNT_LABEL", "Banques"),
        # Each SQL statement of a web request may run this long (0: no limit); commands are free.
        "STATEMENT_TIMEOUT_MS": int(os.environ.get("ALVEOLE_STATEMENT_TIMEOUT_MS", 10_000)),
        # A form's security token expires: a page left open longer than a working day asks
        # to be reloaded (the CSRF error page says so).
        "WTF_CSRF_TIME_LIMIT": int(os.environ.get("ALVEOLE_CSRF_TIME_LIMIT", 12 * 3600)),
        # GraphiQL and schema introspection: signed-in members only, unless this is on
        # (the demo turns it on; production leaves it off).
        "PUBLIC_GRAPHQL_IDE": _bool("ALVEOLE_PUBLIC_GRAPHQL_IDE", False),
        # Anonymous API clients run one request at a time per address (app.api.throttle),
        # the next waiting this long for its turn before a 429.
        "ANONYMOUS_API_GATE": _bool("ALVEOLE_ANONYMOUS_API_GATE", True),
        "ANONYMOUS_API_WAIT_SECONDS": float(os.environ.get("ALVEOLE_ANONYMOUS_API_WAIT_SECONDS", 5)),
        # ... when their request costs at least this (app.api.limits): a cheaper one asks no
        # more of the server than a public page, which is not gated either.
        "ANONYMOUS_API_GATE_MIN_COST": int(os.environ.get("ALVEOLE_ANONYMOUS_API_GATE_MIN_COST", 100)),
        # `flask backup`: where the backups go and how many are kept.
        "BACKUP_DIR": os.environ.get("ALVEOLE_BACKUP_DIR", str(INSTANCE_DIR / "backups")),
        "BACKUP_KEEP": int(os.environ.get("ALVEOLE_BACKUP_KEEP", 14)),
        # Federation (app.federation): this hub's short id among its peers (`chablais` also
        # picks the second demo hub for `flask setup-demo`), and its Ed25519
        # private key (base64 of the raw 32 bytes); without one, a key is generated once and
        # kept in instance/hub_ed25519.key.
        "HUB_ID": os.environ.get("ALVEOLE_HUB_ID", "arve"),
        "HUB_PRIVATE_KEY": os.environ.get("ALVEOLE_HUB_PRIVATE_KEY") or None,
        "HUB_KEY_FILE": os.environ.get("ALVEOLE_HUB_KEY_FILE", str(INSTANCE_DIR / "hub_ed25519.key")),
        # `flask privacy purge`: sent emails and sign-in traces older than this are deleted.
        "PRIVACY_RETENTION_DAYS": int(os.environ.get("ALVEOLE_PRIVACY_RETENTION_DAYS", 365)),
    }
