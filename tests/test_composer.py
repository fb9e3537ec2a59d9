"""The composer process: the next chunk of a large batch composed in a child while this process sends —
byte for byte what this process composes, and every way the child can fail only means composing here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from plancal import mail
from plancal.mail import composer as composer_module
from plancal.mail import courier as courier_module
from plancal.mail.composer import Composer
from plancal.mail.composition import Envelope
from plancal.mail.courier import Courier
from plancal.mail.letters import Letter
from plancal.mail.mailers import RecordingMailer
from plancal.settings import Settings
from plancal.store import Store
from tests.test_delivery import DAY, issue_six, rows

NOW = datetime(2021, 4, 23, 1, 30, tzinfo=UTC)


class WarmComposer(Composer):
    """A composer whose child has started before the first chunk (a small batch would be over before a
    real one is ready), and which records what its child composed."""

    made: list[WarmComposer] = []

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        deadline = time.monotonic() + 60
        while not self.ready and self.broken is None:
            assert time.monotonic() < deadline, "the composer process did not start"
            time.sleep(0.02)
        self.from_child: dict[str, Envelope] = {}
        WarmComposer.made.append(self)

    def take(self, index: int) -> dict[str, tuple[Letter, Envelope]]:
        got = super().take(index)
        self.from_child.update((key, envelope) for key, (_, envelope) in got.items())
        return got


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch) -> type[WarmComposer]:
    WarmComposer.made = []
    monkeypatch.setattr(courier_module, "Composer", WarmComposer)
    monkeypatch.setattr(courier_module, "CLAIM_CHUNK", 2)  # six letters: three chunks, two of them for the child
    return WarmComposer


def _deliver(store: Store, settings: Settings, letters: list[Letter]) -> tuple[courier_module._Tally, RecordingMailer]:
    mailer = RecordingMailer()
    courier = Courier(store, settings, mailer, clock=lambda: NOW, compose_apart_at=1)
    return courier.deliver(letters), mailer


def assert_composed_as_here(mailer: RecordingMailer, letters: list[Letter], settings: Settings) -> None:
    """Every letter went out, in order, byte for byte as this process composes it."""
    assert [e.key for e in mailer.sent] == [x.key for x in letters]
    for envelope, letter in zip(mailer.sent, letters, strict=True):
        assert envelope.data == mail.compose(letter, settings, NOW).data


def test_the_child_composes_the_next_chunks_byte_for_byte(store: Store, settings: Settings, tmp_path: Path,
                                                           warm: type[WarmComposer]) -> None:
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)
    tally, mailer = _deliver(store, settings, letters)
    [made] = warm.made
    assert made.broken is None
    assert len(made.from_child) == 4  # chunks 2 and 3; the first is composed here while the child would start
    assert tally.sent == 6 and [e.recipient for e in mailer.sent] == [x.recipient for x in letters]
    assert_composed_as_here(mailer, letters, settings)
    sent = {e.key: e for e in mailer.sent}
    assert all(sent[key] is envelope for key, envelope in made.from_child.items())  # the child's, not made again
    assert all(r.status == "sent" for r in rows(store).values())
    assert made._child is None  # ended with the batch


def test_a_child_killed_midway_only_means_composing_here(store: Store, settings: Settings, tmp_path: Path,
                                                         warm: type[WarmComposer], monkeypatch: pytest.MonkeyPatch) -> None:
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)
    real_take = WarmComposer.take

    def take_then_kill(self: WarmComposer, index: int) -> dict[str, tuple[Letter, Envelope]]:
        got = real_take(self, index)
        if index == 1 and self._child is not None:
            self._child.kill()  # dies holding chunk 3
        return got

    monkeypatch.setattr(WarmComposer, "take", take_then_kill)
    tally, mailer = _deliver(store, settings, letters)
    [made] = warm.made
    assert made.broken is not None and len(made.from_child) == 2
    assert tally.sent == 6 and sorted(e.recipient for e in mailer.sent) == sorted(x.recipient for x in letters)
    assert_composed_as_here(mailer, letters, settings)
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(store).values())



def test_a_child_that_stalls_is_given_up_after_its_timeout(store: Store, settings: Settings, tmp_path: Path,
                                                           warm: type[WarmComposer], monkeypatch: pytest.MonkeyPatch) -> None:
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)
    monkeypatch.setattr(composer_module, "ANSWER_TIMEOUT", 0.3)
    real_submit = WarmComposer.submit

    def stop_then_submit(self: WarmComposer, index: int, chunk: Sequence[Letter], now: datetime) -> bool:
        if index == 1 and self._child is not None:
            os.kill(self._child.pid, signal.SIGSTOP)  # takes chunk 2 into its pipe and never answers
        return real_submit(self, index, chunk, now)

    monkeypatch.setattr(WarmComposer, "submit", stop_then_submit)
    tally, mailer = _deliver(store, settings, letters)
    [made] = warm.made
    assert made.broken is not None and "0.3" in made.broken and made.from_child == {}
    assert made._child is None  # killed: a stopped process does not read the end of its input
    assert tally.sent == 6
    assert_composed_as_here(mailer, letters, settings)


def test_a_letter_that_cannot_be_pickled_is_composed_here(store: Store, settings: Settings, tmp_path: Path,
                                                          warm: type[WarmComposer]) -> None:
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)
    letters[3] = replace(letters[3], context={**letters[3].context, "tables": lambda: ()})  # a closure: not picklable
    tally, mailer = _deliver(store, settings, letters)
    [made] = warm.made
    assert made.broken is None
    assert set(made.from_child) == {letters[4].key, letters[5].key}  # the chunk of letters 2 and 3 stayed here
    assert tally.sent == 6
    assert_composed_as_here(mailer, letters, settings)


def test_a_child_that_cannot_start_only_means_composing_here(store: Store, settings: Settings, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)
    monkeypatch.setattr(composer_module.sys, "executable", str(tmp_path / "no-python-here"))
    monkeypatch.setattr(courier_module, "CLAIM_CHUNK", 2)
    tally, mailer = _deliver(store, settings, letters)
    assert tally.sent == 6 and not tally.failed
    assert_composed_as_here(mailer, letters, settings)



def test_settings_that_cannot_be_sent_leave_no_child(settings: Settings) -> None:
    unpicklable = replace(settings, feed_base_url=lambda: "")  # type: ignore[arg-type]
    composer = Composer(unpicklable)
    assert composer.broken is not None and composer._child is None and not composer.ready
    assert not composer.submit(0, [], NOW) and composer.take(0) == {}


def test_a_small_batch_starts_no_child(store: Store, settings: Settings, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    issue_six(store, tmp_path)
    letters = mail.digests(store, settings, DAY)

    def refuse(_settings: Settings) -> Composer:
        raise AssertionError("a composer process for six letters")

    monkeypatch.setattr(courier_module, "Composer", refuse)
    assert len(letters) < courier_module.COMPOSE_APART_AT
    tally = Courier(store, settings, RecordingMailer(), clock=lambda: NOW).deliver(letters)
    assert tally.sent == 6


def test_the_child_exits_when_its_parent_is_killed(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import pickle, sys, time
        from pathlib import Path
        from plancal.mail.composer import Composer
        settings = pickle.loads(Path({str(tmp_path / 'settings.pickle')!r}).read_bytes())
        c = Composer(settings)
        while not c.ready:
            assert c.broken is None, c.broken
            time.sleep(0.02)
        print(c._child.pid, flush=True)
        time.sleep(600)
    """), encoding="utf-8")
    import pickle

    (tmp_path / "settings.pickle").write_bytes(pickle.dumps(settings))
    src = str(Path(composer_module.__file__).resolve().parents[2])
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": src})
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert _running(child_pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while _running(child_pid):
            assert time.monotonic() < deadline, "the composer process outlived its parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its reaper has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
