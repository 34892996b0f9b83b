"""The classroom load test (not collected by pytest: run it with `python -m tests.load`)."""
