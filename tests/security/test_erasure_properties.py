"""Property: erasing any seeded person, in any scope, changes no row that is not theirs.

Hypothesis draws a contact (customers with logins first among them, but any of the demo's 600 people) and a
scope; each example runs on a fresh copy of the seeded template, snapshots every table before and after, and
checks every row: not the person's -> byte-for-byte unchanged, or differing only where one of their own
identifying values became "[erased]"; theirs -> changed only in what the scope covers. The plan shown
beforehand changes nothing and counts exactly what the erasure then does."""
from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from crm.models import Contact, User
from crm.privacy.erasure import Eraser
from crm.privacy.erasure_subject import subject_for
from crm.privacy.labels import personal_columns
from crm.privacy.taxonomy import covers
from crm.store import Store
from tests.conftest import FIXED_NOW
from tests.security.erasure_support import changed_rows, only_values_replaced, owned_keys, snapshot

SCOPES = ["user", "user.contact", "user.contact.phone_number", "user.name", "user.behavior.interaction",
          "user.behavior.purchase_history"]
EXAMPLES = 10
tried: list[tuple[int, str]] = []


@pytest.fixture(scope="module")
def people(seeded_template) -> list[int]:
    store = Store(f"sqlite:///{seeded_template}")
    with store.session() as s:
        customers = sorted(s.scalars(select(User.contact_id).where(User.contact_id.is_not(None))))
        everyone = sorted(s.scalars(select(Contact.id)))
    store.dispose()
    return customers + [c for c in everyone if c not in customers]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("erasure-properties")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(data=st.data(), scope=st.sampled_from(SCOPES))
def test_erasing_any_seeded_person_changes_no_row_that_is_not_theirs(data, scope, people, seeded_template, workdir):
    # customers (who have logins) are drawn half the time, anyone else otherwise
    contact_id = data.draw(st.one_of(st.sampled_from(people[:10]), st.sampled_from(people[10:])), label="contact")
    tried.append((contact_id, scope))
    path = workdir / f"case-{len(tried)}.db"
    shutil.copy(seeded_template, path)
    store = Store(f"sqlite:///{path}")
    try:
        with store.session() as s:
            values = [v for vs in subject_for(s, contact_id, "user").values.values() for v in vs]
        eraser = Eraser(store)
        before = snapshot(store)
        plan = eraser.plan(contact_id, scope)
        assert snapshot(store) == before, "planning wrote something"
        owned = owned_keys(store, contact_id)
        report = eraser.erase(contact_id, scope=scope, now=FIXED_NOW, by="test", channel="test", plan_id=plan.plan_id)
        after = snapshot(store)
        assert {c["what"]: c["count"] for c in plan.changes} == report["erased"], "the plan and the erasure differ"
        covered = {c for c, lab in personal_columns(Contact.__table__).items() if covers(scope, lab.category)}
        names = [c.name for c in Contact.__table__.columns]
        for table, keys in changed_rows(before, after).items():
            for key in keys:
                if key in owned[table]:
                    if table == "contacts":  # her own row: only the columns the scope covers
                        changed = {n for n, o, a in zip(names, before[table][key], after[table][key]) if o != a}
                        assert changed <= covered, (scope, changed)
                    continue
                if key not in before[table]:
                    assert table in ("privacy_requests", "privacy_audit_log"), (table, key)
                    continue
                assert key in after[table], f"{table} {key} is not the person's and was deleted"
                assert only_values_replaced(before[table][key], after[table][key], values), (table, key)
    finally:
        store.dispose()
        path.unlink(missing_ok=True)


def test_the_property_was_tried_on_customers_and_others_in_several_scopes(people):
    # runs after the property (file order): it saw the examples Hypothesis drew
    assert len(tried) == EXAMPLES
    assert {c for c, _ in tried} & set(people[:10]) and {c for c, _ in tried} - set(people[:10])
    assert len({s for _, s in tried}) >= 3
