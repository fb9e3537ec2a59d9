"""Fixtures of the flow tests: one Prefect test harness for the whole session (it costs about 10 s to
start), and a fresh plancal home (SQLite, calendar folder, outbox) per test through PLANCAL_* variables,
which is how the flows get their settings at the edge.

The end-to-end tests (test_server.py) start a real ``prefect server`` instead; they talk to it through
explicit API URLs and subprocesses, never through the harness.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from plancal.settings import Settings
from tests.conftest import PLANS


@pytest.fixture(scope="session")
def harness() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # heartbeats detect crashed long runs; each short test run would wait up to a second for its thread
    with prefect_test_harness(server_startup_timeout=120), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, harness: None) -> Iterator[Settings]:
    """A fresh plancal home for the flows of one test; returns the settings the flows will build."""
    env = {"PLANCAL_HOME": str(tmp_path / "var"), "PLANCAL_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'plancal.db'}",
           "PLANCAL_CALENDAR_DIR": str(tmp_path / "calendar"), "PLANCAL_OUTBOX_DIR": str(tmp_path / "outbox")}
    for key in [k for k in os.environ if k.startswith("PLANCAL_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield Settings.from_env()
    from flows.runtime import close_contexts

    close_contexts()


def plan_path(name: str) -> str:
    found = sorted(PLANS.glob(f"{name}*.yaml"))
    assert found, f"no plan {name}* in {PLANS}"
    return str(found[0])


def outbox(settings: Settings, kind: str | None = None, day: date | None = None) -> list[Path]:
    """The .eml files the outbox mailer wrote: <outbox>/<day>/<kind>-<recipient>-<hash>.eml."""
    folder = settings.outbox_dir
    pattern = f"{day.isoformat() if day else '*'}/{kind + '-' if kind else ''}*.eml"
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def artifacts_of(state: Any) -> dict[str, Any]:
    """key → artifact of the flow run that ended in ``state`` (the latest version of each key)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    out: dict[str, Any] = {}
    for artifact in sorted(found, key=lambda a: a.created or 0):
        if artifact.key:
            out[artifact.key] = artifact
    return out


def flow_run_of(state: Any) -> Any:
    return flow_run_by_id(state.state_details.flow_run_id)


def flow_run_by_id(flow_run_id: Any) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id)
