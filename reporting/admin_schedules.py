"""Admin lists of schedules and their runs (imported by reporting/admin.py)."""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from .models import Schedule, ScheduleRun
from .services import schedule_crud


class ScheduleRunInline(admin.TabularInline):
    model = ScheduleRun
    fields = ("due_at", "burst_value", "outcome", "skipped_count", "detail", "job")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-due_at",)


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "template", "owner", "kind", "timezone", "enabled", "paused_reason", "next_run_at",
                    "last_run_at")
    list_filter = ("enabled", "kind", "condition", "template")
    search_fields = ("name", "owner__username", "template__slug", "paused_reason")
    # Changes go through the web form (reporting/schedule_views.py), which validates parameters,
    # recurrence and recipients; the admin lists, pauses and resumes.
    readonly_fields = [f.name for f in Schedule._meta.fields]
    inlines = [ScheduleRunInline]
    actions = ["pause", "resume"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Pause the selected schedules", permissions=["change"])
    def pause(self, request, queryset):
        for schedule in queryset:
            schedule_crud.schedule_pause(schedule=schedule, reason=f"Paused by {request.user.get_username()}")
        self.message_user(request, f"Paused {queryset.count()} schedule(s).")

    @admin.action(description="Resume the selected schedules", permissions=["change"])
    def resume(self, request, queryset):
        for schedule in queryset:
            try:
                schedule_crud.schedule_resume(schedule=schedule)
            except ValidationError as exc:
                self.message_user(request, f"{schedule.name}: {' '.join(exc.messages)}", level=messages.ERROR)


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = ("schedule", "due_at", "burst_value", "outcome", "skipped_count", "job", "created_at")
    list_filter = ("outcome",)
    search_fields = ("schedule__name", "detail")
    date_hierarchy = "due_at"
    readonly_fields = [f.name for f in ScheduleRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
