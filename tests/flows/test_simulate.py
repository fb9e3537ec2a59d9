"""The simulated clock under the session's Prefect test harness: a replay publishes its artifacts under
keys of its own ("sim-…") and never a new version of a live one; the same flow outside a simulation
publishes the live keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flows.issue_plan import issue_plan
from flows.runtime import SIMULATION_PREFIX, artifact_prefix, published_key, simulated
from flows.simulate import SIMULATION_TAG, simulate
from flows.stack import REPLAY_PLAN, ROOT, replay_env
from plancal import views
from plancal.settings import Settings
from tests.flows.conftest import artifacts_of, flow_run_by_id, flow_run_of, plan_path

AG = "ag-2021-tuyen-truyen-dhtt"


def _all_artifacts() -> dict[Any, Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return {a.id: a for a in client.read_artifacts()}


def test_the_prefix_is_set_only_inside_a_simulation() -> None:
    assert artifact_prefix() == "" and published_key("dashboard") == "dashboard"
    with simulated():
        key = published_key(views.status_key(AG))
    assert key == f"sim-{AG}-status" and key.startswith(SIMULATION_PREFIX)
    assert views.artifact_key(key) == key  # already a valid Prefect key: lowercase letters, digits and dashes
    assert published_key("dashboard") == "dashboard"


def test_a_simulation_publishes_only_sim_keys_and_a_live_run_the_live_ones(home: Settings) -> None:
    before = set(_all_artifacts())
    lines: list[str] = []
    result = simulate(Path(plan_path("003")), date(2021, 3, 1), date(2021, 3, 12), echo=lines.append)
    assert result["runs"]["issue"] == 1 and result["runs"].get("reminders", 0) > 0, lines
    created = [a for i, a in _all_artifacts().items() if i not in before]
    keys = {a.key for a in created if a.key}
    assert keys and all(k.startswith(SIMULATION_PREFIX) for k in keys), sorted(keys)
    assert {f"sim-{views.DASHBOARD_KEY}", f"sim-{views.status_key(AG)}", f"sim-{views.late_key(AG)}"} <= keys
    board = next(a for a in created if a.key == f"sim-{views.DASHBOARD_KEY}")
    assert f"sim-{views.DUE_WEEK_KEY}" in board.data and f"sim-{views.status_key(AG)}" in board.data  # its links stay in the sim
    assert SIMULATION_TAG in flow_run_by_id(board.flow_run_id).tags

    # the same flow, not simulated: the live keys, none of the simulation's
    state = issue_plan(plan_path("003"), today=date(2021, 3, 12), return_state=True)
    assert state.is_completed(), state.message
    live = set(artifacts_of(state))
    assert {views.DASHBOARD_KEY, views.status_key(AG), views.late_key(AG)} <= live
    assert not any(k.startswith(SIMULATION_PREFIX) for k in live), sorted(live)
    assert SIMULATION_TAG not in flow_run_of(state).tags


def test_the_bring_up_replay_has_its_own_home_and_never_the_smtp_server(tmp_path: Path) -> None:
    live = {"PREFECT_API_URL": "http://127.0.0.1:4200/api", "PLANCAL_DATABASE_URL": "postgresql+psycopg://plancal@db/plancal",
            "PLANCAL_SMTP_HOST": "mail.angiang.gov.vn", "PLANCAL_SMTP_PASSWORD": "x", "PLANCAL_HOME": "var",
            "PLANCAL_TIMEZONE": "Asia/Ho_Chi_Minh"}
    env = replay_env(live, tmp_path / "sim")
    settings = Settings.from_env(env)
    assert env["PREFECT_API_URL"] == live["PREFECT_API_URL"]  # the same UI
    assert not settings.mail_configured and settings.outbox_dir == tmp_path / "sim" / "outbox"
    assert settings.db_url == f"sqlite:///{(tmp_path / 'sim' / 'plancal.db').as_posix()}"
    assert settings.calendar_dir == tmp_path / "sim" / "calendar" and settings.timezone == "Asia/Ho_Chi_Minh"
    assert Path(ROOT / REPLAY_PLAN).is_file()
