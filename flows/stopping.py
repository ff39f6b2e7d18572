"""Stopping on Ctrl-C or SIGTERM: promptly, saying so in Chinese, and never half-published.

The command line installs the handlers (`install`); the flows say which step is running
(`enter_step`) and ask before anything becomes visible (`raise_if_requested`); the renderer
starts its worker processes deaf to Ctrl-C (`ignore_interrupts`), so that only the run decides
what to do with one, and its workers are ended here instead of finishing their reports.

A first signal raises `RunStopped` in the main thread and starts a watchdog: a run whose
clean-up is still going after `grace` seconds (an orchestrator that no longer answers, say) is
ended anyway, its worker processes and helper servers with it. A second signal ends it at
once. Ending a run at any point is safe by design: nothing is published before the final
atomic switch, and the warehouse records a run as pending until that switch
(flows/publication/warehouse.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

# ExitStatus.STOPPED (flows/settings.py). Render workers import this module for their
# initializer, so it imports nothing but the standard library.
STOPPED_STATUS = 130

SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C（SIGINT）", signal.SIGTERM: "SIGTERM"}
# Seconds a stopping run may spend cleaning up before the watchdog ends it. The operator's
# promise is ten; this leaves room for the process to exit.
DEFAULT_GRACE = 6.0


class RunStopped(KeyboardInterrupt):
    """Raised in the main thread when the operator stops the command. A KeyboardInterrupt, so
    that Prefect treats it as a crash to report, never as a failure to retry."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class _State:
    signal_name: str | None = None
    step: str | None = None
    handler: Callable[[int, FrameType | None], None] | None = None
    on_stop: Callable[[str], None] | None = None
    on_timeout: Callable[[str], None] | None = None
    grace: float = DEFAULT_GRACE
    reported: bool = False
    processes: list[subprocess.Popen] = []


_state = _State()


def requested() -> str | None:
    """The signal that asked this process to stop ("Ctrl-C（SIGINT）", "SIGTERM"), or None."""
    return _state.signal_name


def enter_step(label: str) -> None:
    """The step now running, for the message a stop prints ("④ 生成报告")."""
    _state.step = label


def current_step() -> str | None:
    return _state.step


def raise_if_requested() -> None:
    """Called before anything becomes visible (the warehouse record, the switch): a run asked
    to stop never publishes, even if the signal reached it while a retry was under way."""
    if _state.signal_name is not None:
        raise RunStopped(_state.signal_name)


def ignore_interrupts() -> None:
    """Initializer of render worker processes: Ctrl-C in a terminal reaches the whole process
    group, and a worker that died of it would print a traceback and make the run retry."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def track_process(process: subprocess.Popen) -> None:
    """A helper process (the temporary Prefect server) to end if the watchdog has to."""
    _state.processes.append(process)


def terminate_workers() -> None:
    """End this process's worker processes (render pools, a local Dask cluster) now: a report
    half-rendered is worth nothing to a run that is stopping."""
    for child in multiprocessing.active_children():
        try:
            child.terminate()
        except (OSError, AttributeError):  # already gone
            continue


def end_helpers() -> None:
    """After a stop is reported: end the workers and helper processes now, rather than in the
    exit handlers, which give Prefect's server five seconds to go."""
    _end_everything()


def _end_everything() -> None:
    terminate_workers()
    for process in _state.processes:
        if process.poll() is None:
            try:
                process.terminate()
            except OSError:
                continue
    deadline = time.monotonic() + 1.0
    for process in _state.processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            process.kill()


def mark_reported() -> None:
    """The command has said how it stopped: the watchdog, if it still fires, only exits."""
    _state.reported = True


def _force_exit() -> None:
    if _state.on_timeout is not None and _state.signal_name is not None and not _state.reported:
        try:
            _state.on_timeout(_state.signal_name)
        except Exception:  # the exit must happen whatever printing does
            pass
    _end_everything()
    sys.stderr.flush()
    os._exit(STOPPED_STATUS)


def _watchdog(grace: float) -> None:
    time.sleep(grace)
    _force_exit()


def _handle(signum: int, frame: FrameType | None) -> None:
    if _state.signal_name is not None:  # asked twice: no more clean-up
        _force_exit()
    name = SIGNAL_NAMES.get(signal.Signals(signum), signal.Signals(signum).name)
    _state.signal_name = name
    if _state.on_stop is not None:
        _state.on_stop(name)
    terminate_workers()
    threading.Thread(target=_watchdog, args=(_state.grace,), name="stop-watchdog",
                     daemon=True).start()
    raise RunStopped(name)


def reset() -> None:
    """Forget an earlier stop (a test, or a watch loop, running several commands in turn)."""
    _state.signal_name = None
    _state.step = None
    _state.reported = False
    _state.processes = []


def install(on_stop: Callable[[str], None], on_timeout: Callable[[str], None],
            grace: float = DEFAULT_GRACE) -> None:
    """Handle SIGINT and SIGTERM in this process (the command line calls this, in the main
    thread): `on_stop` prints what is being stopped, `on_timeout` the last word before the
    watchdog ends a clean-up that takes too long."""
    _state.on_stop, _state.on_timeout, _state.grace = on_stop, on_timeout, grace
    _state.handler = _handle
    signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)


def uninstall() -> None:
    """The command is over (the caller restores the signal handlers it replaced): flows run
    later in this process (tests, a watch loop) are Prefect's to stop again. A watchdog already
    started still bounds the exit."""
    reset()
    _state.handler = _state.on_stop = None


def reclaim_sigterm() -> None:
    """Inside a flow run started by our command line: Prefect's engine replaces the SIGTERM
    handler with one that only raises, after which the engine's clean-up decides how long the
    stop takes. Ours stops the workers and starts the watchdog first. Elsewhere (a run under
    `etdz serve` or a Prefect worker) Prefect's handling stays: it drives cancellations."""
    if _state.handler is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _state.handler)
