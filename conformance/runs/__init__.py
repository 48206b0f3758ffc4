"""Layer 10: generated pytest suites, the pytest plugin that runs them, and `conform run`."""

from __future__ import annotations

# The file that makes a folder a generated suite (kept here, not in suite.py, because the plugin
# reads it in every pytest session and must not import Jinja2 to do so).
SUITE_MANIFEST = "conformance-suite.json"


def jobs(text: str) -> int:
    """`--conformance-jobs`: `auto` (or 0) or a whole number of at least 1, as the executors take it.

    Named `jobs` because argparse names the type in its error ("invalid jobs value: 'x'"). The
    engine is imported only when the option is given, which is only in a conformance run.
    """
    from conformance.execution.executors import parse_jobs

    return parse_jobs(text)
