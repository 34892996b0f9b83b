"""README.md opens with the two commands a fresh machine needs, and .ci/run runs the second verbatim."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"))


def test_readme_opens_with_install_and_start_then_install_and_test():
    start, test = readme_commands()[:2]
    assert "pip install -r requirements.txt" in start and "streamlit run app.py" in start
    assert "pip install -r requirements-dev.txt" in test and "pytest" in test


def test_ci_runs_the_readme_test_command():
    test = readme_commands()[1]
    lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()]
    assert test in lines


def test_requirements_pin_torch_and_torchvision():
    req = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "torch==2.14.1" in req and "torchvision==0.29.1" in req
