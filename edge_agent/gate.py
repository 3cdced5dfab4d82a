"""Who may talk to the edge hub: enrolled nodes by their credential, admins by an API token with the admin scope.

A node presents its credential as `Authorization: Bearer tsn_...` (our Python client) or as `?token=tsn_...` on
the sync URL (what a stock y-websocket client can send, through its `params`). Nothing about a node comes from
the request but its credential: the node id in the path must be the credential's node, and the site account is
the one it was enrolled for.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, WebSocket

from crm.edge_nodes import CREDENTIAL_PREFIX, EnrolledNode, NodeRefused, enrolled_node, node_for_credential
from crm.store import Store

log = logging.getLogger("edge_agent.gate")
AdminCheck = Callable[[str], str]  # an API token -> the admin's login; raises PermissionError when it is not one


@dataclass(frozen=True)
class Caller:
    """Who is calling the hub: an enrolled node, or an admin (by login)."""

    node: EnrolledNode | None = None
    admin: str | None = None

    @property
    def name(self) -> str:
        return f"node {self.node.node_id}" if self.node else f"admin {self.admin}"


class EdgeGate:
    """The hub's one authentication point. `admin` verifies API tokens (the server passes the channels' check);
    without it, as in the standalone hub, only nodes are let in."""

    def __init__(self, store: Store, admin: AdminCheck | None = None):
        self.store = store
        self.admin = admin

    def node(self, credential: str) -> EnrolledNode:
        """The active node behind a credential; NodeRefused otherwise."""
        with self.store.session() as s:
            return node_for_credential(s, credential)

    def still_active(self, node_id: str) -> bool:
        with self.store.session() as s:
            node = enrolled_node(s, node_id)
        return node is not None and node.active

    def enrolled(self, node_id: str) -> EnrolledNode | None:
        with self.store.session() as s:
            return enrolled_node(s, node_id)

    def site_account(self, node_id: str) -> int | None:
        """The account the node was enrolled for (what the hub screens its records against)."""
        node = self.enrolled(node_id)
        return node.account_id if node is not None else None

    def caller(self, credential: str | None) -> Caller:
        """The caller behind a bearer credential; 401 when it authenticates no one."""
        if not credential:
            raise HTTPException(401, "send 'Authorization: Bearer <credential>': a node's credential from `tessera edge "
                                     "enroll`, or an admin's API token", headers={"WWW-Authenticate": "Bearer"})
        if credential.startswith(CREDENTIAL_PREFIX):
            try:
                return Caller(node=self.node(credential))
            except NodeRefused as exc:
                raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
        if self.admin is None:
            raise HTTPException(401, "this hub accepts only edge node credentials (tsn_...)",
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            return Caller(admin=self.admin(credential))
        except PermissionError as exc:
            status = 403 if "scope" in str(exc) else 401
            raise HTTPException(status, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None

    def for_node(self, request: Request, node_id: str) -> Caller:
        """The node itself or an admin; 403 for any other node."""
        caller = self.caller(bearer_of(request.headers.get("authorization")))
        if caller.node is not None and caller.node.node_id != node_id:
            log.warning("refused %s %s: node %s may act only on its own site", request.method, request.url.path,
                        caller.node.node_id)
            raise HTTPException(403, f"node {caller.node.node_id} may act only on its own site, not on {node_id}")
        return caller

    def for_admin(self, request: Request) -> Caller:
        caller = self.caller(bearer_of(request.headers.get("authorization")))
        if caller.admin is None:
            log.warning("refused %s %s: node %s is not an admin", request.method, request.url.path, caller.node.node_id)
            raise HTTPException(403, "only an admin may do this; a node sees only its own site")
        return caller

    def sync_node(self, websocket: WebSocket, node_id: str) -> EnrolledNode:
        """The node allowed to open room `node_id` on this websocket; NodeRefused with the reason otherwise."""
        credential = bearer_of(websocket.headers.get("authorization")) or websocket.query_params.get("token")
        if not credential:
            raise NodeRefused("no credential: send 'Authorization: Bearer tsn_...' or '?token=tsn_...'")
        node = self.node(credential)
        if node.node_id != node_id:
            raise NodeRefused(f"node {node.node_id} may sync only its own room, not {node_id}")
        return node


class RedactCredentials(logging.Filter):
    """Masks `token=...` in log lines: uvicorn logs a websocket's path with its query string, where a stock
    y-websocket client carries its credential."""

    pattern = re.compile(r"(token=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.pattern.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.pattern.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_credentials_in_server_logs() -> None:
    """Install `RedactCredentials` on the server's loggers (once)."""
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactCredentials) for f in logger.filters):
            logger.addFilter(RedactCredentials())


def bearer_of(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
