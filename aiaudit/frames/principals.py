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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Literal placeholders that mean "not recorded"; compared case-insensitively.
_UNKNOWN = {"", "redacted", "<redacted>", "hidden_due_to_security_reasons", "null", "none"}


def known(value: Any) -> str | None:
    """The value as text, or None when it is missing, empty or a redaction placeholder (``<redacted>``,
    ``arn:aws:sts::<REDACTED>``, ``HIDDEN_DUE_TO_SECURITY_REASONS``)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    s = str(value).strip()
    low = s.lower()
    if low in _UNKNOWN or "<redacted>" in low:
        return None
    return s


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


def parse_arn(value: Any) -> Arn | None:
    s = known(value)
    if s is None or not s.startswith("arn:"):
        return None
    parts = s.split(":", 5)
    if len(parts) != 6:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def _is_sso_role(name: str, resource: str = "") -> bool:
    return name.startswith("AWSReservedSSO_") or "aws-reserved/sso.amazonaws.com" in resource


def principal_from_arn(value: Any) -> Principal:
    """Principal of an identity ARN (invocation-log ``identity.arn``, a focus value, a CloudTrail ARN)."""
    arn = parse_arn(value)
    if arn is None:
        return Principal()
    account = known(arn.account)
    head, _, rest = arn.resource.partition("/")
    if arn.service == "sts" and head == "assumed-role" and rest:
        role, _, session = rest.partition("/")
        if account is None or not known(role):
            return Principal(principal_type="AssumedRole", principal_session=known(session), account=account)
        return Principal(
            principal=f"arn:{arn.partition}:iam::{account}:role/{role}",
            principal_session=known(session),
            principal_type="SSORole" if _is_sso_role(role) else "AssumedRole",
            account=account,
        )
    if arn.service == "sts" and head == "federated-user" and rest:
        return Principal(
            principal=f"arn:{arn.partition}:sts::{account}:federated-user/{rest}" if account else None,
            principal_session=rest,
            principal_type="FederatedUser",
            account=account,
        )
    if arn.service == "iam" and head in ("role", "user") and rest and account:
        name = rest.rsplit("/", 1)[-1]
        kind = "IAMUser" if head == "user" else ("SSORole" if _is_sso_role(name, rest) else "AssumedRole")
        return Principal(
            principal=f"arn:{arn.partition}:iam::{account}:{head}/{name}", principal_type=kind, account=account
        )
    if arn.service == "iam" and arn.resource == "root" and account:
        return Principal(principal=f"arn:{arn.partition}:iam::{account}:root", principal_type="Root", account=account)
    return Principal(principal=str(value).strip(), principal_type="Other", account=account)


def first_ip(source_ip: Any) -> str | None:
    """The first address of ``sourceIPAddress`` (CloudTrail joins several with ", ")."""
    s = known(source_ip)
    if s is None:
        return None
    return known(s.split(",")[0])


def _jwt_principal(additional: Mapping[str, Any] | None) -> str | None:
    if not isinstance(additional, Mapping):
        return None
    jwt = additional.get("jwt")
    claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    if not isinstance(claims, Mapping):
        return None
    sub = known(claims.get("sub"))
    if sub is None:
        return None
    return f"jwt:{known(claims.get('iss')) or ''}#{sub}"


def _from_identity(ui: Mapping[str, Any]) -> Principal:
    kind = known(ui.get("type"))
    account = known(ui.get("accountId"))
    if account is not None and account.lower() == "anonymous":
        account = None
    arn = ui.get("arn")
    ctx = ui.get("sessionContext")
    issuer = ctx.get("sessionIssuer") if isinstance(ctx, Mapping) else None
    invoked_by = known(ui.get("invokedBy"))
    if kind == "AWSService":
        return Principal(principal=invoked_by, principal_type="AWSService", invoked_by=invoked_by)
    if kind == "AssumedRole":
        from_session = principal_from_arn(arn)
        from_issuer = principal_from_arn(issuer.get("arn")) if isinstance(issuer, Mapping) else Principal()
        session = from_session.principal_session
        if session is None:  # principalId is "ROLEID:session"
            pid = known(ui.get("principalId"))
            session = known(pid.split(":", 1)[1]) if pid and ":" in pid else None
        chosen = from_issuer if from_issuer.principal else from_session
        return Principal(
            principal=chosen.principal,
            principal_session=session,
            principal_type=chosen.principal_type if chosen.principal else "AssumedRole",
            account=account or chosen.account or from_session.account,
            invoked_by=invoked_by,
        )
    if kind == "IdentityCenterUser":
        behalf = ui.get("onBehalfOf")
        user_id = known(behalf.get("userId")) if isinstance(behalf, Mapping) else None
        store = parse_arn(behalf.get("identityStoreArn")) if isinstance(behalf, Mapping) else None
        partition = store.partition if store else "aws"
        return Principal(
            principal=f"arn:{partition}:identitystore:::user/{user_id}" if user_id else None,
            principal_type="IdentityCenterUser",
            account=account,
            invoked_by=invoked_by,
        )
    if kind in ("SAMLUser", "WebIdentityUser"):
        user = known(ui.get("userName"))
        idp = known(ui.get("identityProvider"))
        prefix = "saml" if kind == "SAMLUser" else "webidentity"
        value = None if user is None else (f"{prefix}:{idp}#{user}" if idp else f"{prefix}:{user}")
        return Principal(principal=value, principal_session=user, principal_type=kind, account=account)
    if kind == "AWSAccount":
        pid = known(ui.get("principalId"))
        session = known(pid.split(":", 1)[1]) if pid and ":" in pid else None
        return Principal(
            principal=f"account:{account}" if account else None,
            principal_session=session,
            principal_type="AWSAccount",
            account=account,
            invoked_by=invoked_by,
        )
    from_arn = principal_from_arn(arn)
    if kind == "Root" and from_arn.principal is None and account:
        from_arn = principal_from_arn(f"arn:aws:iam::{account}:root")
    ptype = kind if kind and kind != "Unknown" else from_arn.principal_type
    return Principal(
        principal=from_arn.principal,
        principal_session=from_arn.principal_session,
        principal_type=ptype,
        account=account or from_arn.account,
        invoked_by=invoked_by,
    )


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
    log's ``accountId``) is the account that received the call, for ``cross_account``.
    """
    values, wants_ip = resolve(identity, additional_event_data, recipient_account, account)
    if wants_ip:
        ip = first_ip(source_ip)
        if ip:
            values.update(principal=f"ip:{ip}", principal_type="SourceIP")
    return Principal(**values)


def resolve(
    identity: Mapping[str, Any] | str | None,
    additional_event_data: Mapping[str, Any] | None,
    recipient_account: Any,
    account: Any,
) -> tuple[dict[str, Any], bool]:
    """:func:`normalise_principal` without the source IP: the principal's fields, and whether an anonymous
    caller falls back to ``ip:<first source IP>`` (split out so projections can memoise the rest)."""
    if isinstance(identity, Mapping):
        p = _from_identity(identity)
        anonymous = str(identity.get("accountId") or "").lower() == "anonymous" or (
            identity.get("type") == "AWSAccount" and not known(identity.get("principalId"))
        )
        key = known(identity.get("accessKeyId"))
    else:
        p = principal_from_arn(identity)
        anonymous = False
        key = None
    values = dict(p.__dict__)
    values["access_key_id"] = key
    if p.principal is None and p.principal_type == "Root" and known(recipient_account):
        values.update(principal=f"arn:aws:iam::{known(recipient_account)}:root", account=known(recipient_account))
    wants_ip = False
    if p.principal is None or p.principal_type == "AWSAccount":
        jwt = _jwt_principal(additional_event_data)
        if jwt is not None:
            values.update(principal=jwt, principal_type="GatewayJWT", principal_session=None)
        elif p.principal is None and anonymous:
            wants_ip = True
    recipient = known(recipient_account) or known(account)
    caller = values["account"]
    values["cross_account"] = None if caller is None or recipient is None else caller != recipient
    return values, wants_ip


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
