"""The one principal normaliser (DESIGN §3), used by frames, focus filters, joins and detections.

``principal`` is the *stable* identity behind a call, so that one role used from a hundred sessions, or
the same role seen in CloudTrail (``sessionContext.sessionIssuer.arn``) and in an invocation log
(``identity.arn`` = the STS session ARN), is one value:

==========================  ==========================================================  =================
caller                      principal                                                   principal_type
==========================  ==========================================================  =================
assumed role                ``arn:P:iam::ACCT:role/NAME`` (issuer ARN, else derived)    ``AssumedRole``
IAM Identity Center role    same; role ``AWSReservedSSO_*`` or path ``aws-reserved/sso`` ``SSORole``
IAM user                    ``arn:P:iam::ACCT:user/NAME``                               ``IAMUser``
root                        ``arn:P:iam::ACCT:root``                                    ``Root``
AWS service                 the service from ``invokedBy`` (``ec2.amazonaws.com``)      ``AWSService``
federated user              ``arn:P:sts::ACCT:federated-user/NAME``                     ``FederatedUser``
Identity Center user        ``arn:P:identitystore:::user/USERID``                       ``IdentityCenterUser``
SAML user                   ``saml:[IDP#]USER``                                         ``SAMLUser``
web identity user           ``webidentity:IDP#USER``                                    ``WebIdentityUser``
other account (no ARN)      ``account:ACCT``                                            ``AWSAccount``
AgentCore Gateway JWT       ``jwt:<iss>#<sub>``                                         ``GatewayJWT``
anonymous, no claims (401)  ``ip:<first source IP>``                                    ``SourceIP``
other ARN                   the ARN as recorded                                         ``Other``
redacted / empty            None (unknown: never matches a focus or a join)             as recorded
==========================  ==========================================================  =================

Role and user **paths are dropped** (``role/service-role/x`` → ``role/x``): STS session ARNs never carry
the path, so keeping it would split one role into two principals. Role and user names are unique per
account whatever the path, so nothing is conflated; the full issuer ARN stays in the raw column
``userIdentity.sessionContext.sessionIssuer.arn``. Partitions (``aws-us-gov``, ``aws-cn``) are kept.

``principal_session`` is the session *name* (the last part of an assumed-role ARN: an EC2 instance id,
a Lambda name, or for SSO the user's email), the federated user's name, or the SAML user name.
``invokedBy`` on a role or user (a service acting for it) does not change the principal; it is reported
as ``invoked_by``.

The rules are written once, as SQL (:mod:`aiaudit.derive.identity`), and evaluated vectorised: by the store
once per record at ingest (:mod:`aiaudit.derive.stored`; projections read the stored columns), and inside
the projection query for the rest of the identity columns. The Python functions (:func:`normalise_principal`,
:func:`principal_from_arn`, :func:`principal_key`) evaluate the same SQL for one value (an in-memory
DuckDB query, cached): they serve values users type (focus filters, baselines), not rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aiaudit.derive import expr as E
from aiaudit.derive.identity import arn_principal
from aiaudit.frames.scalar import evaluate, scalar_row

PRINCIPAL_FIELDS = (
    "principal",
    "principal_session",
    "principal_type",
    "access_key_id",
    "account",
    "cross_account",
    "invoked_by",
)


@dataclass(frozen=True)
class Principal:
    """Normalised identity of one caller."""

    principal: str | None = None
    principal_session: str | None = None
    principal_type: str | None = None
    access_key_id: str | None = None
    account: str | None = None
    cross_account: bool | None = None
    invoked_by: str | None = None


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str


# -- Python: one value at a time (user input, not rows) -----------------------------------------------


def known(value: Any) -> str | None:
    """The value as text, or None when it is missing, empty or a redaction placeholder (``<redacted>``,
    ``arn:aws:sts::<REDACTED>``, ``HIDDEN_DUE_TO_SECURITY_REASONS``) — :func:`aiaudit.derive.expr.known`."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    row = scalar_row(f"SELECT {E.known('v')} FROM (SELECT ?::VARCHAR AS v)", (str(value),))
    return row[0]


def parse_arn(value: Any) -> Arn | None:
    """The parts of an ARN (the rule of :func:`aiaudit.derive.expr.arn_nodes`), or None."""
    text = known(value)
    if text is None:
        return None
    g = E.Graph()
    E.arn_nodes(g, "_x", "v")
    ok, *parts = evaluate(g, text, ["_x_ok", "_x_partition", "_x_service", "_x_region_raw", "_x_account_raw", "_x_res"])
    return Arn(*parts) if ok else None


@lru_cache(maxsize=4096)
def _from_arn(text: str) -> Principal:
    g = E.Graph()
    arn_principal(g, "_x", "v")
    principal, session, kind, account = evaluate(g, text, ["_x_principal", "_x_session", "_x_type", "_x_acct"])
    return Principal(principal=principal, principal_session=session, principal_type=kind, account=account)


def principal_from_arn(value: Any) -> Principal:
    """Principal of an identity ARN (invocation-log ``identity.arn``, a focus value, a CloudTrail ARN)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return Principal()
    return _from_arn(str(value))


def first_ip(source_ip: Any) -> str | None:
    """The first address of ``sourceIPAddress`` (CloudTrail joins several with ", ")."""
    if source_ip is None or isinstance(source_ip, (dict, list, bool)):
        return None
    return scalar_row(f"SELECT {E.first_ip('v')} FROM (SELECT ?::VARCHAR AS v)", (str(source_ip),))[0]


def normalise_principal(
    identity: Mapping[str, Any] | str | None,
    *,
    additional_event_data: Mapping[str, Any] | None = None,
    source_ip: Any = None,
    recipient_account: Any = None,
    account: Any = None,
) -> Principal:
    """Normalise a CloudTrail ``userIdentity`` object, or an invocation-log ``identity.arn`` string.

    ``additional_event_data`` supplies AgentCore Gateway JWT claims; ``source_ip`` is the fallback for
    anonymous callers without claims; ``recipient_account`` (CloudTrail) or ``account`` (the invocation
    log's ``accountId``) is the account that received the call, for ``cross_account``. A ``userIdentity``
    goes through the CloudTrail projection itself, as a one-record relation.
    """
    if not isinstance(identity, Mapping):  # an identity ARN: its principal, compared with the given account
        p = principal_from_arn(identity)
        recipient = known(recipient_account) or known(account)
        cross = None if p.account is None or recipient is None else p.account != recipient
        return Principal(p.principal, p.principal_session, p.principal_type, None, p.account, cross, None)
    record: dict[str, Any] = {"userIdentity": dict(identity)}
    if additional_event_data is not None:
        record["additionalEventData"] = additional_event_data
    if source_ip is not None:
        record["sourceIPAddress"] = source_ip
    if recipient_account is not None:
        record["recipientAccountId"] = recipient_account
    return Principal(**_principal_of(json.dumps(record, separators=(",", ":"), default=str)))


@lru_cache(maxsize=1024)
def _principal_of(message: str) -> dict[str, Any]:
    """The principal columns of one CloudTrail record, computed by the projection itself."""
    from aiaudit.frames.project import project_records  # the projection module imports this one

    frame = project_records("cloudtrail", [message], columns=list(PRINCIPAL_FIELDS))
    values = frame.iloc[0].to_dict()
    return {k: (None if v is None or (not isinstance(v, bool) and _missing(v)) else v) for k, v in values.items()}


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None or str(value) in ("<NA>", "NaT")
    except (TypeError, ValueError):
        return False


def principal_key(value: Any) -> str | None:
    """Normalise a principal given by a user (a focus value, a baseline entry) to the ``principal`` form:
    an assumed-role session ARN becomes its role ARN, paths are dropped, ``jwt:``/``ip:``/service names
    pass through; a redaction placeholder becomes None (matches nothing)."""
    s = known(value)
    if s is None:
        return None
    if s.startswith("arn:"):
        return principal_from_arn(s).principal
    return s
