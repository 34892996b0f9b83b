"""What every application lab page (Denoising, Generation, Super-resolution, Compression, Few labels, Augmentation)
does the same way: a button asks for work, the next run freezes the inputs and does it in a shared training slot
with a progress bar, and a failure is kept as a message for the run after (the page reruns once the work is done,
which would wipe an st.error). Each page has its own keys, so the Train page's model is never replaced."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from aelib.data import Dataset, DatasetUnavailable
from aelib.i18n import Words
from aelib.train import TrainingDiverged
from appkit import resources
from appkit.i18n import current_lang, explain, in_lang, tr
from appkit.training import acquire_slot

Report = Callable[[float, str | Words], None]  # (fraction done, text: aelib's Words are said in the learner's language)
FAILURES = (TrainingDiverged, ValueError, RuntimeError)  # each becomes a message, never a traceback


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
        return self.request_key in st.session_state

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

    @contextmanager
    def working(self) -> Iterator[Report]:
        """Hold a training slot while the body runs, with a progress bar it reports to; a failure in the body is
        kept as the page's message (the body's later lines are skipped), and the slot is always given back."""
        bar = st.progress(0.0, text=tr("lab.starting"))
        slots = acquire_slot(st.empty())
        try:
            yield lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=in_lang(text))
        except FAILURES as err:
            self.fail(explain(err))
        finally:
            slots.release()

    def run(self, work: Callable[[Report], object]) -> object | None:
        """work(report) inside working(); its result, or None if it failed."""
        result = None
        with self.working() as report:
            result = work(report)
        return result
