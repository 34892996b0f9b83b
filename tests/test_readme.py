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
    """Both are pinned to one release (an unpinned torch pulls a multi-GB CUDA download), and that release is the one
    installed here (a local tag such as +cpu aside)."""
    import torch
    import torchvision

    req = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^(torch|torchvision)==(\d+\.\d+\.\d+)\s*$", req, re.M))
    assert set(pins) == {"torch", "torchvision"}, req
    assert torch.__version__.split("+")[0] == pins["torch"]
    assert torchvision.__version__.split("+")[0] == pins["torchvision"]


def documented_cli_commands() -> list[list[str]]:
    """Every `python -m aelib ...` line of README.md's code blocks, as argv (comments and `...` lines left out)."""
    import shlex

    lines = []
    for block in re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            code = line.split("  #")[0].strip()
            if " -m aelib " in code and "..." not in code:
                lines.append(shlex.split(code.split(" -m aelib ", 1)[1]))
    return lines


def test_every_documented_cli_command_parses():
    """Each command README documents is accepted by the CLI's parser as written (running them all would take an
    hour; the commands' behaviour is tested in each module's tests)."""
    from aelib.cli import parser

    commands = documented_cli_commands()
    assert len(commands) >= 12 and ["models"] in commands
    for argv in commands:
        args = parser().parse_args(argv)
        assert callable(args.fn), argv


def test_old_cli_spellings_still_parse():
    from aelib.cli import parser

    for old, new in (("denoise", "denoising"), ("probe", "few-labels"), ("augment", "augmentation"),
                     ("compress", "compression"), ("pretrain", "quickstart")):
        assert parser().parse_args([old]).fn is parser().parse_args([new]).fn
