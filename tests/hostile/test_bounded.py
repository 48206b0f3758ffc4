"""The harness itself: a case that runs too long or takes too much memory is caught and killed."""

from __future__ import annotations

import pytest

from tests.hostile.bounded import BoundExceeded, conform, python


def test_a_hang_is_killed_at_the_time_bound() -> None:
    with pytest.raises(BoundExceeded, match=r"longer than \d"):
        python("import time; time.sleep(60)", seconds=1)


def test_a_memory_hog_is_killed_at_the_memory_bound() -> None:
    with pytest.raises(BoundExceeded, match="MiB, over 200 MiB"):
        python("x = bytearray(2 << 30); import time; time.sleep(60)", seconds=20, memory_mib=200)


def test_a_bounded_conform_reports_exit_code_output_and_peak() -> None:
    # A generous time bound: on a loaded CI machine start-up alone has taken over 10 s.
    seen = conform("--version", seconds=120, memory_mib=500)
    assert seen.returncode == 0 and "conform" in seen.stdout.lower()
    assert 5 < seen.peak_mib < 500
