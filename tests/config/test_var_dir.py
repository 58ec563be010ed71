"""Issue 12: a plain `manage.py migrate` on a fresh clone works: settings create var/ for the default SQLite file."""
from __future__ import annotations

import sqlite3

from config.settings.base import ensure_var_dir


def test_the_default_sqlite_database_gets_its_folder(tmp_path):
    var_dir = tmp_path / "clone" / "var"
    ensure_var_dir(var_dir, database_url="")
    assert var_dir.is_dir()
    sqlite3.connect(var_dir / "db.sqlite3").close()  # what failed with "unable to open database file"
    ensure_var_dir(var_dir, database_url="")  # again: already there


def test_no_folder_when_database_url_names_another_database(tmp_path):
    var_dir = tmp_path / "var"
    ensure_var_dir(var_dir, database_url="postgres://qms@db:5432/qms")
    assert not var_dir.exists()
