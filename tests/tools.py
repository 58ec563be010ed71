"""System tools some tests need: skipped (with the reason) on a developer machine, failed in CI."""
from __future__ import annotations

import os
import shutil

import pytest


def require_tool(command: str, *, package: str, purpose: str) -> str:
    found = shutil.which(command)
    if found:
        return found
    message = f"{command} is not installed (apt-get install -y {package}); {purpose} not checked"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; .ci/run installs it, so this is a broken CI machine")
    pytest.skip(message)
