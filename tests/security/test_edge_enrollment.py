"""Edge nodes are enrolled by an admin and get a credential shown once; revoked or rotated credentials stop
authenticating; enrolling touches nothing but the node's own rows; the node's service user can never act."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from channels.auth import issue_token
from crm.actor import AccessDenied
from crm.edge_nodes import (AlreadyEnrolled, EdgeNodeEnrollment, NodeRefused, credential_hash, enroll_node,
                            node_for_credential)
from crm.models import Account, Case, User
from crm.privacy.models import AuditEntry
from tests.cli_support import run_cli
from tests.conftest import settings_for


def dump(store, table) -> list[tuple]:
    with store.session() as s:
        return [tuple(getattr(r, c.name) for c in table.__table__.columns) for r in s.scalars(select(table).order_by(table.id))]


def test_enroll_prints_the_credential_once_and_keeps_only_its_hash(data_dir, store):
    settings = settings_for(data_dir)
    account_id = 3
    users_before, accounts_before = dump(store, User), dump(store, Account)
    enrolled = run_cli("edge", "enroll", "plant-7", "--account", str(account_id), "--json", settings=settings)
    assert enrolled.exit_code == 0, enrolled.stderr
    shown = json.loads(enrolled.stdout)
    credential = shown["credential"]
    assert credential.startswith("tsn_") and len(credential) > 40
    assert (shown["node_id"], shown["account_id"], shown["active"]) == ("plant-7", account_id, True)

    with store.session() as s:
        row = s.scalar(select(EdgeNodeEnrollment))
        assert row.credential_hash == credential_hash(credential) and credential not in json.dumps(
            [str(getattr(row, c.name)) for c in EdgeNodeEnrollment.__table__.columns])
        assert node_for_credential(s, credential).node_id == "plant-7"
    # what must stay unchanged: every account, every user but the node's own new service user
    assert dump(store, Account) == accounts_before
    users_after = dump(store, User)
    assert users_after[:len(users_before)] == users_before and len(users_after) == len(users_before) + 1

    listed = run_cli("edge", "nodes", "--json", settings=settings)
    assert [(n["node_id"], n["account_id"], n["active"]) for n in json.loads(listed.stdout)] == [("plant-7", account_id, True)]
    assert "credential" not in listed.stdout and credential not in listed.stdout
    assert "plant-7" in run_cli("edge", "nodes", settings=settings).stdout  # the table


def test_a_revoked_node_and_a_rotated_credential_are_refused(data_dir, store):
    settings = settings_for(data_dir)
    first = json.loads(run_cli("edge", "enroll", "plant-7", "--account", "3", "--json", settings=settings).stdout)["credential"]
    again = run_cli("edge", "enroll", "plant-7", "--account", "3", settings=settings)
    assert again.exit_code == 1 and "--rotate" in again.stderr  # no silent second credential

    rotated = run_cli("edge", "enroll", "plant-7", "--account", "3", "--rotate", settings=settings)
    assert rotated.exit_code == 0
    second = rotated.stdout.strip()
    with store.session() as s:
        with pytest.raises(NodeRefused, match="unknown"):
            node_for_credential(s, first)
        assert node_for_credential(s, second).node_id == "plant-7"

    revoked = run_cli("edge", "revoke", "plant-7", settings=settings)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    with store.session() as s:
        with pytest.raises(NodeRefused, match="revoked"):
            node_for_credential(s, second)
    listed = json.loads(run_cli("edge", "nodes", "--json", settings=settings).stdout)
    assert listed[0]["active"] is False and listed[0]["revoked_at"]

    # enrolling a revoked node again gives a new credential; the old one stays refused
    third = run_cli("edge", "enroll", "plant-7", "--account", "4", settings=settings).stdout.strip()
    with store.session() as s:
        assert node_for_credential(s, third).account_id == 4
        with pytest.raises(NodeRefused):
            node_for_credential(s, second)
        # each step is a line of the audit chain, and no credential is
        lines = s.scalars(select(AuditEntry).where(AuditEntry.category == "edge").order_by(AuditEntry.seq)).all()
        assert [(a.event, a.actor) for a in lines] == [("edge.node_enrolled", "cli"), ("edge.node_credential_rotated", "cli"),
                                                      ("edge.node_revoked", "cli"), ("edge.node_enrolled", "cli")]
        text = json.dumps([[a.reason, a.details] for a in lines])
        assert not any(c in text for c in (first, second, third))
    assert run_cli("audit", "verify", settings=settings).exit_code == 0


def test_enroll_refuses_bad_usage_unknown_accounts_and_unknown_nodes_without_writing(data_dir, store):
    settings = settings_for(data_dir)
    assert run_cli("edge", "enroll", "../etc", "--account", "3", settings=settings).exit_code == 2
    missing = run_cli("edge", "enroll", "plant-7", settings=settings)
    assert missing.exit_code == 2 and "--account" in missing.stderr
    unknown = run_cli("edge", "enroll", "plant-7", "--account", "999999", settings=settings)
    assert unknown.exit_code == 1 and "no CRM account with id 999999" in unknown.stderr
    assert run_cli("edge", "revoke", "plant-9", settings=settings).exit_code == 1
    assert dump(store, EdgeNodeEnrollment) == []
    # the legacy mapping is a default for enrolment, nothing more
    mapped = run_cli("edge", "enroll", "plant-7", "--json", settings=settings_for(data_dir, edge={"accounts": {"plant-7": 5}}))
    assert json.loads(mapped.stdout)["account_id"] == 5


def test_the_service_user_of_a_node_can_never_act(store):
    with store.session() as s:
        node, _ = enroll_node(s, "plant-7", 3)
        user = s.get(User, node.user_id)
        assert (user.login, user.role, user.disabled_at is not None) == ("edge-node:plant-7", "edge_node", True)
        with pytest.raises(AccessDenied):
            issue_token(s, user.login)
        with pytest.raises(AlreadyEnrolled):
            enroll_node(s, "plant-7", 3)
        assert s.scalars(select(Case).where(Case.opened_by == user.id)).all() == []
