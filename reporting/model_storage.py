"""The storage of stored report files, shared by reporting/models.py and reporting/record_models.py
(a module of its own so that record_models need not import models: no import cycle).

Migrations name it ``reporting.models.artifact_storage`` (models.py re-exports this very function).
"""
from django.core.files.storage import storages


def artifact_storage():
    return storages["artifacts"]
