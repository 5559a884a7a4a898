import os

import pytest

from enrich.processes import forked


def test_forked_work_runs_in_another_process_and_returns_its_result():
    parent = os.getpid()
    result = forked(lambda: (os.getpid(), [1, 2, 3]))
    pid, value = result()
    assert pid != parent and value == [1, 2, 3]


def test_an_error_in_the_forked_work_is_raised_in_the_caller():
    def fail():
        raise ValueError("no such unit")

    result = forked(fail)
    with pytest.raises(ValueError, match="no such unit"):
        result()
