"""The principal rules as SQL: one normaliser, evaluated inside the projection query and at ingest.

The table of what ``principal``, ``principal_type`` and ``principal_session`` are for each kind of caller
is in :mod:`aiaudit.frames.principals` (which serves single values users type) and ``docs/frames.md``.
The rules live in this stage, below the store, because the store computes the principal columns of
every record once, at ingest (:mod:`aiaudit.derive.stored`): a re-open then reads them instead of
parsing two ARNs per record again, and a focus on a principal compares one stored column.
"""

from __future__ import annotations

from aiaudit.derive import expr as E

#: Fields a CloudTrail principal is derived from (besides ``userIdentity.accessKeyId``, read as it is).
CLOUDTRAIL_FIELDS = (
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.accountId",
    "userIdentity.principalId",
    "userIdentity.userName",
    "userIdentity.invokedBy",
    "userIdentity.identityProvider",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "userIdentity.onBehalfOf.userId",
    "userIdentity.onBehalfOf.identityStoreArn",
    "additionalEventData.jwt.claims.sub",
    "additionalEventData.jwt.claims.iss",
    "recipientAccountId",
    "sourceIPAddress",
)


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
    arn_principal(g, "_s", f["userIdentity.arn"])
    arn_principal(g, "_i", f["userIdentity.sessionContext.sessionIssuer.arn"])
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
