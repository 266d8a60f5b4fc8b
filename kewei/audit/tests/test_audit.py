import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.audit.selectors import audit_search
from kewei.audit.services import audit_record, diff, snapshot
from kewei.core.masking import mask_id_number, mask_mobile
from kewei.core.request_context import request_id_var


class _Person:
    """A stand-in with personal fields, as customer models will declare them."""

    audit_masks = {"id_number": mask_id_number, "mobile": mask_mobile}

    class _meta:
        @staticmethod
        def get_field(name):
            from django.db import models

            return models.CharField(name=name)

    id_number = "11010519491231002X"
    mobile = "13812345678"
    name = "张三"


def test_personal_fields_are_masked_in_snapshots():
    assert snapshot(_Person(), ["id_number", "mobile", "name"]) == {
        "id_number": "110105********002X",
        "mobile": "138****5678",
        "name": "张三",
    }


def test_a_changed_personal_value_is_a_change_though_its_masks_agree(bank):
    before = snapshot(_Person(), ["id_number", "mobile", "name"])
    person = _Person()
    person.mobile = "13899995678"  # the same mask: 138****5678
    after = snapshot(person, ["id_number", "mobile", "name"])
    assert diff(before, after) == {"mobile": {"before": "138****5678", "after": "138****5678"}}
    assert diff(before, snapshot(_Person(), ["id_number", "mobile", "name"])) == {}
    event = audit_record(
        actor=bank.admin, action="customers.customer.update", before=before, after=after
    )
    event.refresh_from_db()
    assert event.changes == {"mobile": {"before": "138****5678", "after": "138****5678"}}
    assert "13899995678" not in json.dumps(event.changes)


def test_record_carries_actor_request_and_diff(bank):
    token = request_id_var.set("req-12345678")
    try:
        event = audit_record(
            actor=bank.admin,
            action="organisation.department.rename",
            subject=bank.outlet_a1,
            before={"name": "旧", "code": "110101"},
            after={"name": "新", "code": "110101"},
        )
    finally:
        request_id_var.reset(token)
    event.refresh_from_db()
    assert event.actor_id == bank.admin.pk
    assert event.actor_label.endswith("（admin）")
    assert event.request_id == "req-12345678"
    assert event.subject_type == "organisation.department"
    assert event.changes == {"name": {"before": "旧", "after": "新"}}


def test_events_cannot_be_changed_or_deleted_through_the_model(bank):
    event = audit_record(actor=None, action="auth.logout")
    event.note = "tampered"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_trigger_refuses_update_and_delete():
    event = audit_record(actor=None, action="auth.logout")
    for statement in (
        "UPDATE audit_auditevent SET note = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, note="").exists()


def test_search_by_person_object_and_date(bank):
    # given: an event ten days old (the trail cannot be edited, so it is written so)
    first = AuditEvent.objects.create(
        actor_id=bank.admin.pk,
        actor_label="管理员（admin）",
        action="organisation.staff.update",
        subject_type="organisation.staff",
        subject_id=str(bank.manager_a1.pk),
        subject_label=str(bank.manager_a1),
        occurred_at=timezone.now() - dt.timedelta(days=10),
    )
    audit_record(
        actor=bank.head_a1, action="organisation.department.rename", subject=bank.outlet_a1
    )
    assert [e.pk for e in audit_search(person="admin")] == [first.pk]
    assert audit_search(subject=f"organisation.staff:{bank.manager_a1.pk}").count() == 1
    assert audit_search(subject="中关村").count() == 1
    today = timezone.localdate()
    assert audit_search(date_from=today - dt.timedelta(days=1), action="organisation").count() == 1
    assert audit_search(date_to=today - dt.timedelta(days=5)).count() == 1
    assert audit_search(action="organisation.department").count() == 1
