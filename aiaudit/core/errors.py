"""The one exception hierarchy of aiaudit.

Every error the library raises on purpose derives from :class:`AiauditError`, so notebooks and the CLI
can catch one type and show its message. Each class carries the facts a user needs to act (a character
offset, a query id, the file and line) as attributes, not only in the text.
"""

from __future__ import annotations


class AiauditError(Exception):
    """Base of every error aiaudit raises deliberately."""


class InputError(AiauditError):
    """Bad input: a config file, a spec string, a time expression, a parameter, a data file.

    ``where`` names the file and line (``path:line``) or the field the problem is in, when known.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class QuerySyntaxError(AiauditError):
    """A query that does not parse or breaks a rule AWS enforces.

    ``offset`` is the character offset (0-based) of the problem in ``query``, as AWS's
    ``queryCompileError.location.startCharOffset``.
    """

    def __init__(self, message: str, *, offset: int | None = None, query: str | None = None) -> None:
        self.offset = offset
        self.query = query
        self.reason = message
        where = f" (at character {offset})" if offset is not None else ""
        super().__init__(f"{message}{where}")


class QueryFailed(AiauditError):
    """A query that was accepted but did not complete (Failed, Cancelled, Timeout, Unknown)."""

    def __init__(
        self, message: str, *, query_id: str | None = None, status: str | None = None, query: str | None = None
    ) -> None:
        self.query_id = query_id
        self.status = status
        self.query = query
        super().__init__(f"{message} [query {query_id}, status {status}]" if query_id or status else message)


class SourceError(AiauditError):
    """The source cannot answer: credentials, a missing log group, a store that is locked or damaged.

    ``permission`` names the IAM permission that was missing when AWS answered AccessDenied.
    """

    def __init__(self, message: str, *, permission: str | None = None) -> None:
        self.permission = permission
        super().__init__(message)


class NotImplementedYet(AiauditError):
    """A reserved feature that a later release provides; never a silent no-op."""
