"""Signal receivers: a deactivated user's schedules pause (the tick checks too, for bulk updates)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from reporting.services.schedule_crud import schedule_owner_deactivated


@receiver(post_save, sender=get_user_model(), dispatch_uid="reporting.pause_schedules_of_inactive_owner")
def pause_schedules_of_inactive_owner(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active:
        schedule_owner_deactivated(user=instance)
