"""Settings: the ``.ini`` file's ``[app:main]`` keys, each overridable from the environment.

===========================  =======================  ============================================
key                          environment              meaning
===========================  =======================  ============================================
``sqlalchemy.url``           MYYNTI_DATABASE_URL      database; default a SQLite file in data_dir
``myynti.data_dir``          MYYNTI_DATA_DIR          files of this installation (default ./var)
``myynti.secret``            MYYNTI_SECRET            signs session cookies and derives the
                                                      cross-tenant key; generated if unset
``myynti.credentials_key``   MYYNTI_CREDENTIALS_KEY   Fernet key(s) that encrypt tenants' stored
                                                      passwords (``core.credentials``), the first
                                                      encrypting; generated if unset
``myynti.secure_cookies``    MYYNTI_SECURE_COOKIES    ``true`` behind HTTPS
``myynti.default_locale``    MYYNTI_DEFAULT_LOCALE    ``fi`` or ``en`` for visitors without choice
``myynti.login_attempts``    MYYNTI_LOGIN_ATTEMPTS    failed logins allowed per e-mail per window
``myynti.login_window``      MYYNTI_LOGIN_WINDOW      the throttle's window in seconds
``myynti.broker_url``        MYYNTI_BROKER_URL        jobs' broker: empty runs jobs in the web
                                                      process; ``redis://`` or ``amqp://`` URL
                                                      for separate ``myynti worker`` processes
``myynti.broker_namespace``  MYYNTI_BROKER_NAMESPACE  queue name and Redis key prefix (myynti)
``myynti.worker_threads``    MYYNTI_WORKER_THREADS    job threads of a worker, or of the web
                                                      process when embedded (4; 0 = none)
``myynti.job_attempts``      MYYNTI_JOB_ATTEMPTS      tries before a job has failed (5)
``myynti.job_retry_delay``   MYYNTI_JOB_RETRY_DELAY   seconds before the first retry, doubled
                                                      for each next one (30)
``myynti.job_stale_after``   MYYNTI_JOB_STALE_AFTER   seconds a job may be pending or running
                                                      before the sweep sends it again (900)
``myynti.job_lease``         MYYNTI_JOB_LEASE         seconds after a worker was last seen alive
                                                      that the sweep hands its jobs back (30)
``myynti.mail_domain``       MYYNTI_MAIL_DOMAIN       domain of the Message-IDs of sent mail
                                                      (messaging; e.g. the service's own domain)
``myynti.smtp_timeout``      MYYNTI_SMTP_TIMEOUT      seconds to wait for a tenant's mail server
                                                      at each step (messaging; 30)
``myynti.public_url``        MYYNTI_PUBLIC_URL        the service's address, for links in mail
                                                      sent by jobs (unsubscribe links)
``myynti.api_rate_limit``    MYYNTI_API_RATE_LIMIT    API requests per minute per token (api; 600)
``myynti.webhook_timeout``   MYYNTI_WEBHOOK_TIMEOUT   seconds a webhook receiver has to answer (10)
``myynti.webhook_private_hosts`` MYYNTI_WEBHOOK_PRIVATE_HOSTS hosts in a private network that
                                                      webhooks may post to anyway (space-separated)
``myynti.kept_pages``        MYYNTI_KEPT_PAGES        main pages kept per web process while their
                                                      tenant's data stand still (1000; 0 = none)
``myynti.campaign_batches``  MYYNTI_CAMPAIGN_BATCHES  batches of one campaign's tasks made at once
                                                      on a worker's threads (campaigns; 2)
===========================  =======================  ============================================
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from core.credentials import new_key

ENVIRONMENT = {
    "sqlalchemy.url": "MYYNTI_DATABASE_URL",
    "myynti.data_dir": "MYYNTI_DATA_DIR",
    "myynti.secret": "MYYNTI_SECRET",
    "myynti.credentials_key": "MYYNTI_CREDENTIALS_KEY",
    "myynti.secure_cookies": "MYYNTI_SECURE_COOKIES",
    "myynti.default_locale": "MYYNTI_DEFAULT_LOCALE",
    "myynti.login_attempts": "MYYNTI_LOGIN_ATTEMPTS",
    "myynti.login_window": "MYYNTI_LOGIN_WINDOW",
    "myynti.broker_url": "MYYNTI_BROKER_URL",
    "myynti.broker_namespace": "MYYNTI_BROKER_NAMESPACE",
    "myynti.worker_threads": "MYYNTI_WORKER_THREADS",
    "myynti.job_attempts": "MYYNTI_JOB_ATTEMPTS",
    "myynti.job_retry_delay": "MYYNTI_JOB_RETRY_DELAY",
    "myynti.job_stale_after": "MYYNTI_JOB_STALE_AFTER",
    "myynti.job_lease": "MYYNTI_JOB_LEASE",
    "myynti.mail_domain": "MYYNTI_MAIL_DOMAIN",
    "myynti.smtp_timeout": "MYYNTI_SMTP_TIMEOUT",
    "myynti.public_url": "MYYNTI_PUBLIC_URL",
    "myynti.api_rate_limit": "MYYNTI_API_RATE_LIMIT",
    "myynti.webhook_timeout": "MYYNTI_WEBHOOK_TIMEOUT",
    "myynti.webhook_private_hosts": "MYYNTI_WEBHOOK_PRIVATE_HOSTS",
    "myynti.kept_pages": "MYYNTI_KEPT_PAGES",
    "myynti.campaign_batches": "MYYNTI_CAMPAIGN_BATCHES",
}

DEFAULTS = {
    "myynti.data_dir": "var",
    "myynti.secure_cookies": "false",
    "myynti.default_locale": "fi",
    "myynti.login_attempts": "5",
    "myynti.login_window": "900",
    "myynti.broker_url": "",
    "myynti.broker_namespace": "myynti",
    "myynti.worker_threads": "4",
    "myynti.job_attempts": "5",
    "myynti.job_retry_delay": "30",
    "myynti.job_stale_after": "900",
    "myynti.job_lease": "30",
    "myynti.mail_domain": "myynti.invalid",
    "myynti.smtp_timeout": "30",
    "myynti.public_url": "",
    "myynti.api_rate_limit": "600",
    "myynti.webhook_timeout": "10",
    "myynti.webhook_private_hosts": "",
    "myynti.kept_pages": "1000",
    "myynti.campaign_batches": "2",
}


def resolve(
    settings: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The effective settings: defaults, then the ini, then the environment."""
    environ = os.environ if environ is None else environ
    result: dict[str, Any] = {**DEFAULTS, **settings}
    for key, var in ENVIRONMENT.items():
        if environ.get(var):
            result[key] = environ[var]
    data_dir = Path(result["myynti.data_dir"]).resolve()
    result["myynti.data_dir"] = str(data_dir)
    if not result.get("sqlalchemy.url"):
        result["sqlalchemy.url"] = f"sqlite:///{data_dir / 'myynti.sqlite'}"
    if not result.get("myynti.secret"):
        result["myynti.secret"] = _stored_secret(data_dir, "secret.key", _new_secret)
    if not result.get("myynti.credentials_key"):
        result["myynti.credentials_key"] = _stored_secret(data_dir, "credentials.key", new_key)
    return result


def as_bool(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


def _stored_secret(data_dir: Path, filename: str, make: Callable[[], str]) -> str:
    """A secret kept in the data directory, made on first use."""
    path = data_dir / filename
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()
