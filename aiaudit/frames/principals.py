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

The rules are written once, as SQL (:func:`from_arn_sql`, :func:`cloudtrail_sql`, :func:`invocation_sql`),
and evaluated inside the projection query, vectorised. The Python functions (:func:`normalise_principal`,
:func:`principal_from_arn`, :func:`principal_key`) evaluate the same SQL for one value (an in-memory
DuckDB query, cached): they serve values users type (focus filters, baselines), not rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aiaudit.frames import expr as E
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


# -- SQL --------------------------------------------------------------------------------------------


def arn_principal(g: E.Graph, x: str, raw: str) -> None:
    """Principal of the identity ARN text ``raw`` as nodes ``{x}_principal``, ``{x}_session``, ``{x}_type``
    and ``{x}_acct`` (see the module table)."""
    g.add(f"{x}_text", E.known(raw))
    E.arn_nodes(g, x, f"{x}_text")
    g.add(f"{x}_rslash", f"strpos({x}_rest, '/')")
    g.add(f"{x}_role", f"(CASE WHEN {x}_rslash > 0 THEN left({x}_rest, {x}_rslash - 1) ELSE {x}_rest END)")
    g.add(f"{x}_rsession", E.known(f"(CASE WHEN {x}_rslash > 0 THEN substr({x}_rest, {x}_rslash + 1) ELSE '' END)"))
    g.add(f"{x}_name", f"(CASE WHEN {x}_service = 'iam' THEN split_part({x}_rest, '/', -1) END)")
    g.add(
        f"{x}_rule",
        f"(CASE WHEN NOT {x}_ok THEN NULL"
        f" WHEN {x}_service = 'sts' AND {x}_head = 'assumed-role' AND {x}_rest <> '' THEN 'role'"
        f" WHEN {x}_service = 'sts' AND {x}_head = 'federated-user' AND {x}_rest <> '' THEN 'federated'"
        f" WHEN {x}_service = 'iam' AND {x}_head IN ('role', 'user') AND {x}_rest <> ''"
        f" AND {x}_account IS NOT NULL THEN 'iam'"
        f" WHEN {x}_service = 'iam' AND {x}_res = 'root' AND {x}_account IS NOT NULL THEN 'root'"
        " ELSE 'other' END)",
    )
    g.add(f"{x}_role_ok", f"({x}_account IS NOT NULL AND {E.known(f'{x}_role')} IS NOT NULL)")
    prefix = f"'arn:' || {x}_partition || ':'"
    g.add(
        f"{x}_principal",
        f"(CASE {x}_rule"
        f" WHEN 'role' THEN (CASE WHEN {x}_role_ok THEN {prefix} || 'iam::' || {x}_account || ':role/' || {x}_role END)"
        f" WHEN 'federated' THEN (CASE WHEN {x}_account IS NOT NULL"
        f" THEN {prefix} || 'sts::' || {x}_account || ':federated-user/' || {x}_rest END)"
        f" WHEN 'iam' THEN {prefix} || 'iam::' || {x}_account || ':' || {x}_head || '/' || {x}_name"
        f" WHEN 'root' THEN {prefix} || 'iam::' || {x}_account || ':root'"
        f" WHEN 'other' THEN {x}_text END)",
    )
    g.add(f"{x}_session", f"(CASE {x}_rule WHEN 'role' THEN {x}_rsession WHEN 'federated' THEN {x}_rest END)")
    g.add(
        f"{x}_type",
        f"(CASE {x}_rule"
        f" WHEN 'role' THEN (CASE WHEN {x}_role_ok AND starts_with({x}_role, 'AWSReservedSSO_') THEN 'SSORole'"
        " ELSE 'AssumedRole' END)"
        f" WHEN 'federated' THEN 'FederatedUser'"
        f" WHEN 'iam' THEN (CASE WHEN {x}_head = 'user' THEN 'IAMUser'"
        f" WHEN starts_with({x}_name, 'AWSReservedSSO_') OR contains({x}_rest, 'aws-reserved/sso.amazonaws.com')"
        " THEN 'SSORole' ELSE 'AssumedRole' END)"
        f" WHEN 'root' THEN 'Root' WHEN 'other' THEN 'Other' END)",
    )
    g.add(f"{x}_acct", f"(CASE WHEN {x}_rule IS NOT NULL THEN {x}_account END)")


def arn_principal_lookup(g: E.Graph, x: str, field: str) -> None:
    """:func:`arn_principal` of a field, computed once per distinct value (see ``Graph.lookup``)."""
    g.lookup(
        field,
        lambda sub, v: arn_principal(sub, x, v),
        [f"{x}_principal", f"{x}_session", f"{x}_type", f"{x}_acct"],
    )


def cloudtrail_principal(g: E.Graph, f: dict[str, str]) -> None:
    """Nodes giving the principal columns of a CloudTrail event: ``principal``, ``principal_session``,
    ``principal_type``, ``access_key_id``, ``account``, ``cross_account``, ``invoked_by`` (``f`` maps
    field names to their columns)."""
    g.update(
        {
            "_kind": E.known(f["userIdentity.type"]),
            "_acct0": E.known(f["userIdentity.accountId"]),
            "_invoked": E.known(f["userIdentity.invokedBy"]),
            "_pid": E.known(f["userIdentity.principalId"]),
            "_user": E.known(f["userIdentity.userName"]),
            "_idp": E.known(f["userIdentity.identityProvider"]),
            "_behalf": E.known(f["userIdentity.onBehalfOf.userId"]),
            "_recipient": E.known(f["recipientAccountId"]),
            "_sub": E.known(f["additionalEventData.jwt.claims.sub"]),
            "_iss": E.known(f["additionalEventData.jwt.claims.iss"]),
            "_ip_text": E.known(f["sourceIPAddress"]),
        }
    )
    g.add("_first_ip", E.known(E.before("_ip_text", ",")))
    # the caller is anonymous: accountId "anonymous" (as recorded), or an AWSAccount without principalId
    g.add(
        "_anonymous",
        f"(coalesce(lower({f['userIdentity.accountId']}) = 'anonymous', false)"
        f" OR (coalesce({f['userIdentity.type']} = 'AWSAccount', false) AND _pid IS NULL))",
    )
    g.add("_acct", "(CASE WHEN lower(_acct0) = 'anonymous' THEN NULL ELSE _acct0 END)")
    g.add("_store_text", E.known(f["userIdentity.onBehalfOf.identityStoreArn"]))
    E.arn_nodes(g, "_store", "_store_text")
    g.add("_pid_session", f"(CASE WHEN contains(_pid, ':') THEN {E.known(E.after('_pid', ':'))} END)")
    g.add("_jwt", "(CASE WHEN _sub IS NOT NULL THEN 'jwt:' || coalesce(_iss, '') || '#' || _sub END)")
    # session ARNs are nearly as many as records (a lookup's join then costs more than it saves); the
    # roles that issued them are few
    arn_principal(g, "_s", f["userIdentity.arn"])
    arn_principal_lookup(g, "_i", "userIdentity.sessionContext.sessionIssuer.arn")
    g.add("_other_root", "(_kind = 'Root' AND _s_principal IS NULL AND _acct IS NOT NULL)")
    saml = "(CASE _kind WHEN 'SAMLUser' THEN 'saml:' ELSE 'webidentity:' END)"
    federated = (
        f"(CASE WHEN _user IS NULL THEN NULL WHEN _idp IS NOT NULL THEN {saml} || _idp || '#' || _user"
        f" ELSE {saml} || _user END)"
    )
    g.update(
        {
            "_p_principal": (
                "(CASE _kind WHEN 'AWSService' THEN _invoked"
                " WHEN 'AssumedRole' THEN coalesce(_i_principal, _s_principal)"
                " WHEN 'IdentityCenterUser' THEN (CASE WHEN _behalf IS NOT NULL THEN 'arn:'"
                " || (CASE WHEN _store_ok THEN _store_partition ELSE 'aws' END) || ':identitystore:::user/'"
                " || _behalf END)"
                f" WHEN 'SAMLUser' THEN {federated} WHEN 'WebIdentityUser' THEN {federated}"
                " WHEN 'AWSAccount' THEN (CASE WHEN _acct IS NOT NULL THEN 'account:' || _acct END)"
                " ELSE (CASE WHEN _other_root THEN 'arn:aws:iam::' || _acct || ':root' ELSE _s_principal END) END)"
            ),
            "_p_session": (
                "(CASE _kind WHEN 'AWSService' THEN NULL"
                " WHEN 'AssumedRole' THEN coalesce(_s_session, _pid_session)"
                " WHEN 'IdentityCenterUser' THEN NULL"
                " WHEN 'SAMLUser' THEN _user WHEN 'WebIdentityUser' THEN _user"
                " WHEN 'AWSAccount' THEN _pid_session"
                " ELSE (CASE WHEN _other_root THEN NULL ELSE _s_session END) END)"
            ),
            "_p_type": (
                "(CASE _kind WHEN 'AWSService' THEN 'AWSService'"
                " WHEN 'AssumedRole' THEN (CASE WHEN _i_principal IS NOT NULL THEN _i_type"
                " WHEN _s_principal IS NOT NULL THEN _s_type ELSE 'AssumedRole' END)"
                " WHEN 'IdentityCenterUser' THEN 'IdentityCenterUser'"
                " WHEN 'SAMLUser' THEN 'SAMLUser' WHEN 'WebIdentityUser' THEN 'WebIdentityUser'"
                " WHEN 'AWSAccount' THEN 'AWSAccount'"
                " WHEN 'Unknown' THEN _s_type ELSE coalesce(_kind, _s_type) END)"
            ),
            "_p_account": (
                "(CASE _kind WHEN 'AWSService' THEN NULL"
                " WHEN 'AssumedRole' THEN coalesce(_acct, (CASE WHEN _i_principal IS NOT NULL THEN _i_acct"
                " ELSE _s_acct END), _s_acct)"
                " WHEN 'IdentityCenterUser' THEN _acct WHEN 'SAMLUser' THEN _acct WHEN 'WebIdentityUser' THEN _acct"
                " WHEN 'AWSAccount' THEN _acct ELSE coalesce(_acct, _s_acct) END)"
            ),
            "_p_invoked": "(CASE _kind WHEN 'SAMLUser' THEN NULL WHEN 'WebIdentityUser' THEN NULL ELSE _invoked END)",
        }
    )
    # root without an ARN takes the receiving account; a Gateway caller without an identity its JWT
    g.add("_root_fix", "(_p_principal IS NULL AND _p_type = 'Root' AND _recipient IS NOT NULL)")
    g.add("_use_jwt", "((_p_principal IS NULL OR _p_type = 'AWSAccount') AND _jwt IS NOT NULL)")
    g.add("_wants_ip", "(NOT _use_jwt AND _p_principal IS NULL AND _anonymous AND _first_ip IS NOT NULL)")
    g.add("_account", "(CASE WHEN _root_fix THEN _recipient ELSE _p_account END)")
    g.update(
        {
            "principal": (
                "(CASE WHEN _use_jwt THEN _jwt WHEN _wants_ip THEN 'ip:' || _first_ip"
                " WHEN _root_fix THEN 'arn:aws:iam::' || _recipient || ':root' ELSE _p_principal END)"
            ),
            "principal_type": (
                "(CASE WHEN _use_jwt THEN 'GatewayJWT' WHEN _wants_ip THEN 'SourceIP' ELSE _p_type END)"
            ),
            "principal_session": "(CASE WHEN _use_jwt THEN NULL ELSE _p_session END)",
            "access_key_id": E.known(f["userIdentity.accessKeyId"]),
            "account": "_account",
            "cross_account": (
                "(CASE WHEN _account IS NULL OR _recipient IS NULL THEN NULL ELSE _account <> _recipient END)"
            ),
            "invoked_by": "_p_invoked",
        }
    )


def invocation_principal(g: E.Graph, account_id: str) -> None:
    """Nodes giving the principal columns of an invocation log from ``identity.arn`` and ``accountId``
    (the column of ``accountId``). ``account`` falls back to the log's own ``accountId``; ``cross_account``
    compares the ARN's account with it."""
    arn_principal(g, "_ia", f"{E.quote('identity.arn')}")
    g.add("_inv_account", E.known(account_id))
    g.update(
        {
            "principal": "_ia_principal",
            "principal_session": "_ia_session",
            "principal_type": "_ia_type",
            "access_key_id": "NULL::VARCHAR",
            "account": "coalesce(_ia_acct, _inv_account)",
            "cross_account": (
                "(CASE WHEN _ia_acct IS NULL OR _inv_account IS NULL THEN NULL ELSE _ia_acct <> _inv_account END)"
            ),
            "invoked_by": "NULL::VARCHAR",
        }
    )


# -- Python: one value at a time (user input, not rows) -----------------------------------------------


def known(value: Any) -> str | None:
    """The value as text, or None when it is missing, empty or a redaction placeholder (``<redacted>``,
    ``arn:aws:sts::<REDACTED>``, ``HIDDEN_DUE_TO_SECURITY_REASONS``) — :func:`aiaudit.frames.expr.known`."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    row = scalar_row(f"SELECT {E.known('v')} FROM (SELECT ?::VARCHAR AS v)", (str(value),))
    return row[0]


def parse_arn(value: Any) -> Arn | None:
    """The parts of an ARN (the rule of :func:`aiaudit.frames.expr.arn_nodes`), or None."""
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
