"""Training as a server-side job: a learner's run is trained by a pool the server process owns, committed to the
workspace store epoch by epoch, and shared — identical requests are trained once, a second learner follows the
same job or gets the finished run at once. The page only follows a job (aelib.runs.view); no Streamlit here."""
from aelib.runs.runner import Ask, Job, Runner, Started, View, identity
from aelib.runs.stored import Loaded, load_run, message_of, words_json

__all__ = ["Ask", "Job", "Loaded", "Runner", "Started", "View", "identity", "load_run", "message_of", "words_json"]
