"""What every application lab page (Denoising, Generation, Super-resolution, Compression, Few labels, Augmentation,
Where used) does the same way: a button asks for work, the next run freezes the inputs and hands the work to the
server (a worker thread holding one of the shared training slots, keyed by the learner's workspace and the lab), and
the page follows it with a progress bar. Leaving the page, reloading it or losing the connection does not stop the
work: the next page of that workspace to open the lab follows it to the end and keeps its result. A page that names
its keeper (Lab.keeper) also has each result kept in the workspace's store by the worker (aelib.runs.kept: JSON and
safetensors, never a pickle), and a new session of the workspace (a reload, a new ?lang=, a server restart, another
device) gets it back. A failure is kept as a message for the run after (the page reruns once the work is done, which
would wipe an st.error). Each page has its own keys, so the Train page's model is never replaced."""
from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from aelib.data import Dataset, DatasetUnavailable
from aelib.i18n import Words
from aelib.jobs import Task, Tasks
from aelib.runs import kept
from aelib.train import TrainingDiverged
from appkit import jobs, resources, workspace
from appkit.i18n import current_lang, explain, in_lang, tr

# (fraction done, text: aelib's Words are said in the learner's language) -> whether the learner asked to stop
Report = Callable[[float, str | Words], bool]
FAILURES = (TrainingDiverged, ValueError, RuntimeError)  # each becomes a message, never a traceback
POLL_S = 0.25  # how often a following page looks at its task
log = logging.getLogger(__name__)


@st.cache_resource
def tasks() -> Tasks:
    """The labs' work, for every session of this server: under the same slots as the Train page's runs."""
    return Tasks(workers=32, slots=resources.training_slots())


def sentences(parts: list[str]) -> str:
    """Whole sentences (each ending in its own full stop) as one paragraph: a space between them in English,
    none after a Chinese full stop."""
    return ("" if current_lang() == "zh" else " ").join(parts)


class Lab:
    """One page's session-state slots (the pending request, the kept error message) and, once the page names it
    with Lab.keeper, how a result is kept in the session; such results are also kept in the workspace's store, under
    the lab's name, or name/part when `part` says which part of the page a result belongs to (a lesson)."""

    def __init__(self, name: str, part: Callable[[object], str] | None = None):
        self.name, self.part = name, part
        self.request_key, self.error_key = f"aelab_{name}_request", f"aelab_{name}_error"
        self.restored_key = f"aelab_{name}_restored"
        self.keep: Callable[[object], None] | None = None
        self.inputs: Callable[[object], dict] | None = None

    def keeper(self, keep: Callable[[object], None]) -> Callable[[object], None]:
        """Decorator: keep(result) puts a result where the page reads it (in the session). With it, results are
        kept in the workspace and come back in a new session of it."""
        self.keep = keep
        return keep

    def inputs_of(self, inputs: Callable[[object], dict]) -> Callable[[object], dict]:
        """Decorator: inputs(result) -> {widget key: value}, the page's inputs that made a result. They are set when
        the result comes back in a new session (before the widgets are drawn), so that the page shows the settings
        of what it shows, instead of saying that its (default) settings differ."""
        self.inputs = inputs
        return inputs

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
        the page again. First, in a new session of the workspace, its kept results come back."""
        self._restore()
        task = tasks().get(self._key())
        if task is not None:
            if not task.done():
                st.caption(tr("lab.resumed"))
            self._follow(task)
            st.rerun()

    def _restore(self) -> None:
        if self.keep is None or st.session_state.get(self.restored_key):
            return
        st.session_state[self.restored_key] = True  # once a session: later results are kept as they arrive
        store, ws = workspace.store(), workspace.ensure()
        try:
            names = [r["lab"] for r in store.results.list(ws) if r["lab"].split("/")[0] == self.name]
            back = 0
            for name in reversed(names):  # oldest first: the newest is kept last
                found = store.results.get(ws, name)
                if found is None:
                    continue
                try:
                    result = kept.unpack(*found)
                except kept.BadResult as err:
                    log.warning("dropping workspace %s's unreadable %s result: %s", ws[:6], name, err)  # no-i18n
                    store.results.delete(ws, name)
                    continue
                if self.inputs is not None:
                    st.session_state.update(self.inputs(result))
                self.keep(result)
                back += 1
            if back:
                st.caption(tr("lab.restored"))
        except Exception:  # the database went away: the page still works, without what it kept
            log.exception("could not read the kept results of %s", self.name)  # no-i18n

    def forget(self, part: str | None = None) -> None:
        """Remove this lab's kept result (or one part's) from the workspace, e.g. when the learner starts over."""
        try:
            workspace.store().results.delete(workspace.ensure(), self._stored_as(part))
        except Exception:
            log.exception("could not forget the kept result of %s", self.name)  # no-i18n

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
        (in whichever session of the workspace collects it; default: the page's keeper, and then the worker also
        keeps it in the workspace's store). The result, or None if it failed (its message kept) or this workspace's
        earlier work on the lab was still running (this page followed that instead).
        work runs in a worker thread: it must not call Streamlit, and its report texts are aelib's Words or
        strings made beforehand."""
        if then is None and self.keep is not None:
            then, save = self.keep, self._saver()

            def work_kept(report: Report, work=work) -> object:
                result = work(report)
                save(result)
                return result
            work = work_kept
        task = tasks().start(self._key(), work, then)
        return self._follow(task)

    def adopt(self, result: object) -> None:
        """A result made on the page itself, with no work to run (a model taken from the Train page): kept in the
        session and in the workspace, like one the server made."""
        self.keep(result)
        self._saver()(result)

    def _saver(self) -> Callable[[object], None]:
        """save(result), for the worker: the result kept in this workspace (made here: the worker has no session).
        A result that cannot be kept stays in the session only, and the work goes on."""
        store, ws = workspace.store(), workspace.ensure()

        def save(result: object) -> None:
            try:
                tree, data = kept.pack(result)
                store.results.save(ws, self._stored_as(self.part(result) if self.part else None), tree, data)
            except Exception:  # Unkeepable, over the limit, the database gone: logged, never the learner's loss
                log.exception("could not keep the %s result in workspace %s", self.name, ws[:6])  # no-i18n
        return save

    def _stored_as(self, part: str | None) -> str:
        """The name a result is kept under in the workspace: the lab's, or name/part."""
        return self.name + (f"/{part}" if part else "")

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
