"""The composer: a child process that composes the next chunk of letters while this process sends the
current one.

Sending is a conversation with the mail server: after each message this process waits for the server's
reply. A large batch spends as long composing (Jinja2 and MIME, ~0.25 ms a letter) as the server spends
receiving, one after the other. The composer does the composing in another process (another core) meanwhile.
It is only a guess made ahead of time, like :meth:`Courier._compose_ahead`: what it returns is used for
the very letter it was given and nothing else, and a letter it could not compose (or a chunk it never
returned) is composed here at its turn. Nothing about the delivery log moves into it: claims, marks and
sending stay in this process, so never-lost/never-twice is untouched by it.

It is a plain ``python -c "…composer import main; main()"`` child talking pickles over its stdin and stdout (this
process's own data, on its own pipes), not :mod:`multiprocessing`: the spawn start method would import
the parent's ``__main__`` again in the child (a script without a main guard would run again there), and
fork is unsafe in a process with threads (Prefect's). When this process dies, the child reads the end of
its input and exits; when the child dies or stalls, this process composes everything itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from plancal.mail.composition import Envelope, compose
from plancal.mail.letters import Letter
from plancal.settings import Settings

log = logging.getLogger("plancal.mail")

#: seconds to wait for the child's answer to a chunk before composing it here (and giving the child up)
ANSWER_TIMEOUT = 30.0
#: bytes of envelopes the child returns per chunk at most (the rest are composed here at their turn)
CHUNK_BYTES = 4 * 1024 * 1024
_PROTOCOL = pickle.HIGHEST_PROTOCOL


class Composer:
    """A child process composing letters ahead: :meth:`submit` a chunk, :meth:`take` its envelopes later.

    One chunk at a time is with the child. Every failure (the child did not start, died, stalled, a
    letter that cannot be pickled) only means the letters are composed in this process."""

    def __init__(self, settings: Settings) -> None:
        self._pending: tuple[int, list[Letter]] | None = None
        self._ready = False
        self.broken: str | None = None
        src = str(Path(__file__).resolve().parents[2])  # the folder plancal is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
        self._child: subprocess.Popen[bytes] | None = None
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-c", "from plancal.mail.composer import main; main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
            assert self._child.stdin is not None
            pickle.dump(settings, self._child.stdin, protocol=_PROTOCOL)
            self._child.stdin.flush()
        except Exception as exc:  # noqa: BLE001 - no child (or one ended at once): everything is composed here
            self._give_up(f"không khởi động được: {exc}")

    @property
    def ready(self) -> bool:
        """Whether the child has started (its imports done) and can take a chunk now."""
        if self._child is None or self.broken or self._pending is not None:
            return False
        if not self._ready:
            out = self._child.stdout
            if out is None or not select.select([out], [], [], 0)[0]:
                return False
            self._ready = self._receive() == "ready"
        return self._ready

    def submit(self, index: int, letters: Sequence[Letter], now: datetime) -> bool:
        """Give the child chunk ``index`` to compose as of ``now``; False when it cannot take it now."""
        if not letters or not self.ready or self._child is None or self._child.stdin is None:
            return False
        try:
            blob = pickle.dumps((index, list(letters), now), protocol=_PROTOCOL)
        except Exception:  # noqa: BLE001 - a letter that cannot be pickled (a workbook built by a closure)
            return False
        try:
            self._child.stdin.write(blob)
            self._child.stdin.flush()
        except OSError as exc:
            self._give_up(f"không nhận việc: {exc}")
            return False
        self._pending = (index, list(letters))
        return True

    def take(self, index: int) -> dict[str, tuple[Letter, Envelope]]:
        """The envelopes the child composed of chunk ``index``, by delivery key, with the letter each is of
        (this process's own objects); empty when the chunk was not given to it."""
        if self._pending is None or self._pending[0] != index or self._child is None:
            return {}
        _, letters = self._pending
        self._pending = None
        out = self._child.stdout
        if out is None or not select.select([out], [], [], ANSWER_TIMEOUT)[0]:
            self._give_up(f"không trả lời sau {ANSWER_TIMEOUT:g} giây")
            return {}
        answer = self._receive()
        if not isinstance(answer, tuple) or answer[0] != index or len(answer[1]) != len(letters):
            self._give_up("trả lời không khớp")
            return {}
        return {letter.key: (letter, envelope) for letter, envelope in zip(letters, answer[1], strict=True)
                if envelope is not None and envelope.key == letter.key}

    def _receive(self) -> Any:
        try:
            assert self._child is not None and self._child.stdout is not None
            return pickle.load(self._child.stdout)
        except Exception as exc:  # noqa: BLE001 - the child died or wrote something else: compose here
            self._give_up(f"dừng: {exc.__class__.__name__}: {exc}")
            return None

    def _give_up(self, reason: str) -> None:
        if self.broken is None:
            self.broken = reason
            log.warning("tiến trình soạn thư song song %s; soạn thư trong tiến trình chính", reason)
        self.close()

    def close(self) -> None:
        """End the child: its input closed, it exits (killed if it does not within a few seconds)."""
        child, self._child = self._child, None
        if child is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if child.stdin is not None:
                child.stdin.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()

    def __enter__(self) -> Composer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def compose_chunk(letters: Sequence[Letter], settings: Settings, now: datetime,
                  limit: int = CHUNK_BYTES) -> list[Envelope | None]:
    """Each letter composed as of ``now``, or None when it cannot be (it is composed again at its turn,
    where the failure is handled) or when the envelopes already made reach ``limit`` bytes."""
    out: list[Envelope | None] = []
    size = 0
    for letter in letters:
        envelope = None
        if size < limit:
            try:
                envelope = compose(letter, settings, now)
            except Exception:  # noqa: BLE001 - handled at its turn in the parent
                envelope = None
            size += len(envelope.data) if envelope is not None else 0
        out.append(envelope)
    return out


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """The child's loop: the settings, then (index, letters, now) chunks until the end of the input."""
    try:
        settings: Settings = pickle.load(inp)
    except EOFError:  # the parent could not send them (and composes everything itself)
        return
    pickle.dump("ready", out, protocol=_PROTOCOL)  # imported (the templates are read on first use)
    out.flush()
    while True:
        try:
            index, letters, now = pickle.load(inp)
        except EOFError:
            return
        pickle.dump((index, compose_chunk(letters, settings, now)), out, protocol=_PROTOCOL)
        out.flush()


def main() -> None:
    """The child's entry point: the protocol on its own copy of stdout; anything else printed
    (a library's warning) goes to stderr, where it cannot break a pickle."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
