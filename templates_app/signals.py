"""Signals other apps listen to (templates_app may not import reporting: reporting's audit trail
receives these in reporting/signals.py)."""
from django.dispatch import Signal

# sender=ReportTemplate; version=the TemplateVersion now published, previous=the one before (or None).
template_version_published = Signal()
# sender=DataSource; source=the saved DataSource, created=bool, change=what happened ("saved", "cache cleared").
data_source_changed = Signal()
