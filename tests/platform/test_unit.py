"""The unit of work (``platform/unit.py``): only the outermost unit commits, once; a nested unit
joins it; an error rolls back; a savepoint undoes only itself. And ``validation.load`` takes data an
API view already loaded with the same schema as it is, but validates anything else."""

from __future__ import annotations

import pytest
from marshmallow import fields
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from kaidian.platform import audit, jobs
from kaidian.platform.errors import ValidationFailed
from kaidian.platform.extensions import db
from kaidian.platform.fields import Text
from kaidian.platform.models import AuditEvent, Domain
from kaidian.platform.tenancy import tenant_context
from kaidian.platform.unit import atomic, depth, unit
from kaidian.platform.validation import InputSchema, Loaded, load


def committed(app, tenant_id) -> list[str]:
    """What another session sees: only committed rows."""
    with app.app_context(), tenant_context(tenant_id):
        rows = list(db.session.execute(select(AuditEvent.action).where(AuditEvent.action.like("unit.%"))
                                       .order_by(AuditEvent.action)).scalars())
        db.session.remove()
    return rows


@pytest.fixture
def store_ctx(app, make_store):
    store = make_store("unitshop")
    with app.app_context(), tenant_context(store.tenant_id):
        commits = []

        def listener(session):
            if not session.in_nested_transaction():  # a released savepoint is no commit
                commits.append(1)

        event.listen(db.session(), "after_commit", listener)
        yield store.tenant_id, commits
        db.session.remove()


@atomic
def service(action: str) -> None:
    audit.record(action)


def test_the_outermost_unit_commits_once_and_nested_services_join_it(app, store_ctx):
    tenant_id, commits = store_ctx
    with unit():
        service("unit.a")
        service("unit.b")
        assert depth() == 1 and commits == []
        assert committed(app, tenant_id) == []
    assert commits == [1] and depth() == 0
    assert committed(app, tenant_id) == ["unit.a", "unit.b"]


def test_a_service_alone_is_its_own_unit(app, store_ctx):
    tenant_id, commits = store_ctx
    service("unit.alone")
    assert commits == [1]
    assert committed(app, tenant_id) == ["unit.alone"]


def test_an_error_rolls_back_the_whole_unit_and_reaches_the_caller(app, store_ctx):
    tenant_id, commits = store_ctx
    ran = []
    with pytest.raises(RuntimeError), unit():
        service("unit.first")
        jobs.after_commit(lambda app: ran.append(1))
        with unit():
            raise RuntimeError("boom")
    assert commits == [] and ran == [] and depth() == 0
    assert committed(app, tenant_id) == []


def test_a_savepoint_undoes_only_itself(app, store_ctx):
    tenant_id, commits = store_ctx
    ran = []
    with unit():
        service("unit.kept")
        with pytest.raises(RuntimeError), unit(savepoint=True):
            service("unit.dropped")
            jobs.after_commit(lambda app: ran.append("dropped"))
            raise RuntimeError("boom")
        with unit(savepoint=True):
            service("unit.released")
            jobs.after_commit(lambda app: ran.append("released"))
        assert ran == []
    assert commits == [1] and ran == ["released"]
    assert committed(app, tenant_id) == ["unit.kept", "unit.released"]


def test_a_failing_service_inside_a_savepoint_leaves_the_rest_of_the_unit(app, store_ctx):
    tenant_id, commits = store_ctx

    @atomic
    def refused():
        audit.record("unit.refused")
        raise RuntimeError("refused")

    with unit():
        service("unit.before")
        with pytest.raises(RuntimeError), db.session.begin_nested():  # like an import's row
            refused()
        service("unit.after")
    assert commits == [1]
    assert committed(app, tenant_id) == ["unit.after", "unit.before"]


def test_a_failed_flush_inside_a_savepoint_leaves_the_unit_usable(app, store_ctx):
    """A duplicate key caught around a savepoint (the "two first logins at once" pattern): the savepoint
    is rolled back and the unit goes on — the failed flush must not leave the session unusable."""
    tenant_id, commits = store_ctx
    with unit():
        db.session.add(Domain(host="twice.example.com", tenant_id=tenant_id))
        db.session.flush()
        with pytest.raises(IntegrityError), unit(savepoint=True):
            db.session.add(Domain(host="twice.example.com", tenant_id=tenant_id))
            db.session.flush()
        service("unit.after_duplicate")
        assert db.session.get(Domain, "twice.example.com") is not None
    assert commits == [1]
    assert committed(app, tenant_id) == ["unit.after_duplicate"]


class NameSchema(InputSchema):
    name = Text(20, min_length=1, required=True)
    size = fields.Integer(load_default=1)


class NamePatchSchema(NameSchema):
    loads_partial = True
    name = Text(20, min_length=1)


def test_load_validates_raw_input_and_takes_loaded_data_as_it_is(ctx):
    loaded = NameSchema().load({"name": "  tea ", "csrf_token": "x"})
    assert isinstance(loaded, Loaded) and loaded == {"name": "tea", "size": 1}
    assert load(NameSchema(), loaded) is loaded
    assert load(NameSchema(), {"name": " tea "}) == {"name": "tea", "size": 1}
    with pytest.raises(ValidationFailed) as refused:
        load(NameSchema(), {"name": ""})
    assert set(refused.value.fields) == {"name"}


def test_partial_data_is_not_taken_where_a_whole_record_is_needed(ctx):
    patch = NamePatchSchema().load({"size": 3})
    assert load(NameSchema(), patch, partial=True) is patch
    with pytest.raises(ValidationFailed) as refused:
        load(NameSchema(), patch)  # validated again, and the missing name is reported
    assert set(refused.value.fields) == {"name"}
    other = Loaded({"name": ""}, InputSchema, False)  # loaded by another schema: validated again
    with pytest.raises(ValidationFailed):
        load(NameSchema(), other)
