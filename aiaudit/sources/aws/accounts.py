"""Many accounts, one source: assume a role in each member account and query them all.

Why here and not twelve sources: a security team reviews an organisation, and twelve reports of one
account each hide what crosses accounts. A source with ``accounts = [...]`` and ``role = "NAME"`` assumes
``arn:aws:iam::ACCOUNT:role/NAME`` (or ``role`` as an ARN template with ``{account}``) from its profile's
credentials with STS, once per account, and every query and check runs per account and region.

- **Traceable**: the session name is ``aiaudit-<local user>``, so each member account's CloudTrail shows
  ``assumed-role/NAME/aiaudit-alice`` for every call aiaudit made there.
- **One account's failure is reported, never fatal**: an account whose role cannot be assumed is left out
  with its reason (the STS error and the permission it names); results from the others say they are
  incomplete and which account is missing. Only when no account can be assumed does the source fail.
- Targets are keyed ``ACCOUNT/REGION`` wherever the backend keys clients, budgets, cache entries and chunk
  statistics by region (quotas are per account and region); results of a multi-account source carry
  ``account`` and ``region`` columns.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from typing import Any

from aiaudit.core.errors import InputError, SourceError
from aiaudit.sources.aws.client import translate

_ACCOUNT = re.compile(r"^\d{12}$")
_SESSION_CHARS = re.compile(r"[^\w+=,.@-]")


@dataclass(frozen=True)
class Target:
    """One account and region the source queries."""

    key: str
    account: str | None
    region: str


def target_key(account: str | None, region: str) -> str:
    return f"{account}/{region}" if account else region


def check_accounts(accounts: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    for account in accounts:
        if not isinstance(account, str) or not _ACCOUNT.match(account):
            raise InputError(f"{account!r} is not a 12-digit AWS account id", where=where)
    if len(set(accounts)) != len(accounts):
        raise InputError("an account is named twice", where=where)
    return tuple(accounts)


def role_arn(role: str, account: str) -> str:
    """``NAME`` → ``arn:aws:iam::ACCOUNT:role/NAME``; an ARN template keeps its partition and path."""
    if role.startswith("arn:"):
        return role.replace("{account}", account)
    return f"arn:aws:iam::{account}:role/{role}"


def session_name(user: str | None = None) -> str:
    """``aiaudit-<user>``: what member accounts' CloudTrail shows as the session (STS: 2–64 characters
    of ``[\\w+=,.@-]``)."""
    try:
        who = user if user is not None else getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        who = "unknown"
    return ("aiaudit-" + _SESSION_CHARS.sub("-", who))[:64]


def assume_all(
    sts: Any, accounts: tuple[str, ...], role: str, name: str, *, duration_s: int = 3600
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Credentials per account, and the reason for each account that could not be assumed."""
    credentials: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    for account in accounts:
        arn = role_arn(role, account)
        try:
            answer = sts.assume_role(RoleArn=arn, RoleSessionName=name, DurationSeconds=duration_s)
        except Exception as exc:
            error = translate(exc, service="sts", operation="AssumeRole")
            errors[account] = f"cannot assume {arn}: {error}"
            continue
        found = answer["Credentials"]
        credentials[account] = {
            "aws_access_key_id": found["AccessKeyId"],
            "aws_secret_access_key": found["SecretAccessKey"],
            "aws_session_token": found["SessionToken"],
        }
    if not credentials:
        raise SourceError("no account could be assumed: " + "; ".join(f"{a}: {e}" for a, e in errors.items()))
    return credentials, errors
