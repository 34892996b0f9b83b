"""What every application lab page (Denoising, Generation, Super-resolution, Compression, Few labels, Augmentation,
Where used) does the same way: a button asks for work, the next run freezes the inputs and hands the work to the
server (a worker thread holding one of the shared training slots, keyed by the learner's workspace and the lab), and
the page follows it with a progress bar. Leaving the page, reloading it or losing the connection does not stop the
work: the next page of that workspace to open the lab follows it to the end and keeps its result. A failure is kept
as a message for the run after (the page reruns once the work is done, which would wipe an st.error). Each page has
its own keys, so the Train page's model is never replaced."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from aelib.data import Dataset, DatasetUnavailable
from aelib.i18n import Words
from aelib.jobs import Task, Tasks
from aelib.train import TrainingDiverged
from appkit import jobs, resources, workspace
from appkit.i18n import current_lang, explain, in_lang, tr

# (fraction done, text: aelib's Words are said in the learner's language) -> whether the learner asked to stop
Report = Callable[[float, str | Words], bool]
FAILURES = (TrainingDiverged, ValueError, RuntimeError)  # each becomes a message, never a traceback
POLL_S = 0.25  # how often a following page looks at its task


@st.cache_resource
def tasks() -> Tasks:
    """The labs' work, for every session of this server: under the same slots as the Train page's runs."""
    return Tasks(workers=32, slots=resources.training_slots())


def sentences(parts: list[str]) -> str:
    """Whole sentences (each ending in its own full stop) as one paragraph: a space between them in English,
    none after a Chinese full stop."""
    return ("" if current_lang() == "zh" else " ").join(parts)


class Lab:
    """One page's session-state slots: the pending request and the kept error message."""

    def __init__(self, name: str):
        self.request_key, self.error_key = f"aelab_{name}_request", f"aelab_{name}_error"

    def request(self, what: str = "new") -> None:
        """Button callback: the next script run freezes the inputs and does `what`."""
        st.session_state[self.request_key] = what

    def busy(self) -> bool:
        """A request is waiting for this script run (the page freezes its inputs). Otherwise resume() first."""
        if self.request_key in st.session_state:
            return True
        self.resume()
        return False

    def resume(self) -> None:
        """If this workspace's earlier work on the page is still going, or finished while no page of it was open
        (the learner left, reloaded or lost the connection): follow it here to the end, keep its result and draw
        the page again."""
        task = tasks().get(self._key())
        if task is not None:
            if not task.done():
                st.caption(tr("lab.resumed"))
            self._follow(task)
            st.rerun()

    def stop(self) -> None:
        """Button callback: ask this workspace's running work on the lab to stop (work that checks report()'s
        answer ends early and keeps what it has)."""
        task = tasks().get(self._key())
        if task is not None:
            task.stop.set()

    def take_request(self) -> str | None:
        return st.session_state.pop(self.request_key, None)

    def fail(self, message: str) -> None:
        st.session_state[self.error_key] = message

    def take_error(self) -> str | None:
        return st.session_state.pop(self.error_key, None)

    def load(self, name: str, seed: int = 0, data_dir: str | None = None) -> Dataset | None:
        """The shared, read-only dataset; None (and a message kept) if it cannot be loaded."""
        try:
            return resources.dataset(name, seed, data_dir)
        except DatasetUnavailable as err:
            self.fail(explain(err))
            return None

    def run(self, work: Callable[[Report], object], then: Callable[[object], None] | None = None) -> object | None:
        """Hand work(report) to the server and follow it here with a progress bar; then(result) keeps the result
        (in whichever session of the workspace collects it). The result, or None if it failed (its message kept)
        or this workspace's earlier work on the lab was still running (this page followed that instead).
        work runs in a worker thread: it must not call Streamlit, and its report texts are aelib's Words or
        strings made beforehand."""
        task = tasks().start(self._key(), work, then)
        return self._follow(task)

    def _key(self) -> tuple[str, str]:
        return workspace.ensure(), self.request_key

    def _follow(self, task: Task) -> object | None:
        def where() -> tuple[float, str]:
            if task.waiting:
                return 0.0, tr("training.waiting_slot")
            return task.fraction, in_lang(task.text) if task.text else tr("lab.starting")

        jobs.follow(task.done, where, POLL_S)
        tasks().take(self._key(), task)
        try:
            result = task.future.result()
        except FAILURES as err:
            self.fail(explain(err))
            return None
        if task.then is not None:
            task.then(result)
        return result
