"""The audit trail: one row per controlled action, and no row can be changed or deleted."""
from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import RequestFactory

from reporting.models import AuditEvent, AuditImmutable
from reporting.services import job_create, job_run
from reporting.services.approval import approval_create, approval_nonce_issue
from reporting.services.email_delivery import job_email_send
from reporting.services.job_share import job_share_grant, job_share_revoke
from templates_app.models import DataSource
from templates_app.services import data_source_cache_clear, data_source_save, template_version_create, \
    template_version_publish
from tests.factories import AuditEventFactory, StaticSourceFactory, UserFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_report_run_success_and_failure(finished_job, user):
    (event,) = _events("report_run")
    assert (event.actor, event.job, event.template, event.outcome) == (user, finished_job, finished_job.template,
                                                                        "success")
    assert event.detail["status"] == "succeeded" and event.actor_name.endswith("(alice)")
    broken = published_template(spec=small_spec(source_name="no_such_source"), slug="broken")
    failed = job_run(job=job_create(template=broken, user=user, parameters={}))
    assert failed.status == "failed"
    assert _events("report_run")[-1].outcome == "failure" and _events("report_run")[-1].detail["error"]


def test_download_from_the_job_page_names_who_and_where(finished_job, user, client):
    client.force_login(user)
    response = client.get(f"/jobs/{finished_job.public_id}/download/pdf/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    (event,) = _events("download")
    assert (event.actor, event.ip_address, event.job, event.detail["format"]) == (user, "10.1.2.3", finished_job, "pdf")
    assert event.detail["sha256"] == finished_job.artifacts.get(format="pdf").sha256


def test_email_sent_one_row_per_recipient(finished_job, settings):
    settings.REPORTING_EMAIL_ALLOWED_DOMAINS = []
    job_email_send(job=finished_job, recipients=["qa@example.com", "boss@example.com"])
    assert len(mail.outbox) == 2
    assert sorted(e.detail["recipient"] for e in _events("email_sent")) == ["boss@example.com", "qa@example.com"]
    assert all(e.job == finished_job and e.detail["message_id"] for e in _events("email_sent"))


def test_share_granted_and_revoked(finished_job, user):
    bob = UserFactory(username="bob")
    share = job_share_grant(job=finished_job, shared_by=user, username=bob.username)
    job_share_revoke(job=finished_job, share_id=share.pk, revoked_by=user)
    assert [e.actor for e in _events("share_granted")] == [user]
    assert [e.actor for e in _events("share_revoked")] == [user]


def test_template_published_then_rolled_back(db):
    source = StaticSourceFactory(name="rows")
    template = published_template(spec=small_spec(source_name=source.name), slug="pub")
    v1 = template.published_version
    v2 = template_version_create(template=template, spec=small_spec(source_name=source.name, title="Second"))
    template_version_publish(version=v2)
    template_version_publish(version=v1)
    published, rolled_back = _events("template_published"), _events("template_rolled_back")
    assert [(e.detail["version"], e.detail["previous_version"]) for e in published][-1] == (2, 1)
    assert [(e.detail["version"], e.detail["previous_version"]) for e in rolled_back] == [(1, 2)]
    assert rolled_back[0].template == template and len(rolled_back[0].detail["spec_sha256"]) == 64


def test_data_source_changes(db):
    source = data_source_save(source=DataSource(name="kpis", kind=DataSource.Kind.STATIC, static_data={"a": 1}))
    source.static_data = {"a": 2}
    data_source_save(source=source)
    data_source_cache_clear(source=source)
    assert [e.detail["change"] for e in _events("data_source_changed")] == ["created", "saved", "cache cleared"]
    assert [e.detail["version"] for e in _events("data_source_changed")][:2] == [1, 2]


def test_approval_success_and_failure(finished_job):
    approver = UserFactory(username="quinn")
    approver.user_permissions.add(Permission.objects.get(codename="approve_reports"))
    approver = type(approver).objects.get(pk=approver.pk)
    with pytest.raises(Exception):
        approval_create(job=finished_job, user=approver, password="nope", meaning="approved",
                        nonce=approval_nonce_issue(job=finished_job, user=approver))
    approval_create(job=finished_job, user=approver, password="pw", meaning="reviewed",
                    nonce=approval_nonce_issue(job=finished_job, user=approver))
    assert [(e.outcome, e.detail.get("meaning")) for e in _events("approval")] == [("failure", "approved"),
                                                                                  ("success", "reviewed")]


def test_no_event_can_be_changed_or_deleted(db):
    event = AuditEventFactory()
    event.outcome = "failure"
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="failure")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.outcome == "success"


def test_admin_is_read_only_and_export_needs_its_own_permission(db, client):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/reporting/auditevent/")
    request.user = superuser
    model_admin = site._registry[AuditEvent]
    assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)
    AuditEventFactory(actor=superuser)
    AuditEventFactory(actor=None, actor_name='=HYPERLINK("http://evil")')  # a hostile name, as a spreadsheet sees it

    staff = UserFactory(username="auditor", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client.force_login(staff)
    page = client.get("/admin/reporting/auditevent/?action__exact=report_run")
    assert page.status_code == 200 and "export_csv" not in page.content.decode()
    ids = list(AuditEvent.objects.values_list("pk", flat=True))
    refused = client.post("/admin/reporting/auditevent/", {"action": "export_csv", "_selected_action": ids})
    assert refused.get("Content-Type", "").startswith("text/html")  # no CSV without the permission

    staff.user_permissions.add(Permission.objects.get(codename="export_auditevent"))
    client.force_login(type(staff).objects.get(pk=staff.pk))
    exported = client.post("/admin/reporting/auditevent/", {"action": "export_csv", "_selected_action": ids})
    assert exported["Content-Type"].startswith("text/csv")
    text = b"".join(exported.streaming_content).decode()
    assert text.splitlines()[0] == "at,action,outcome,actor,ip_address,job,template,schedule,detail"
    assert "root" in text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text  # quoted: not run as a formula
    assert client.post(f"/admin/reporting/auditevent/{ids[0]}/delete/").status_code == 403


def test_factories_build_valid_rows(db):
    from tests.factories import ReportApprovalFactory

    approval = ReportApprovalFactory()
    assert approval.job.status == "succeeded" and approval.get_meaning_display() == "Approved"
    assert AuditEventFactory().actor_name.startswith("user")


def test_the_trail_outlives_a_deleted_job_and_template(finished_job, user):
    from reporting.services.audit import audit_csv_lines

    job_id, slug, template = str(finished_job.public_id), finished_job.template.slug, finished_job.template
    finished_job.delete()
    template.delete()
    (event,) = _events("report_run")
    assert (event.job_ref, event.template_slug, event.actor_name.endswith("(alice)")) == (job_id, slug, True)
    text = "".join(audit_csv_lines(events=AuditEvent.objects.all()))
    assert job_id in text and slug in text


def test_rollback_in_the_admin_names_the_admin_and_their_address(admin_client, admin_user):
    from django.urls import reverse

    source = StaticSourceFactory(name="rows")
    template = published_template(spec=small_spec(source_name=source.name), slug="adm")
    v1 = template.published_version
    template_version_publish(version=template_version_create(
        template=template, spec=small_spec(source_name=source.name, title="Second")))
    response = admin_client.post(reverse("admin:templates_app_templateversion_publish", args=[v1.pk]),
                                 REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    (event,) = _events("template_rolled_back")
    assert (event.actor, event.ip_address, event.template_slug) == (admin_user, "192.0.2.7", "adm")
