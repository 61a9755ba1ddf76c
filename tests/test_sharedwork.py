"""The sharing of work between the test run's processes (tests/sharedwork.py): one claims,
the others get its result, and a claimant that died is named instead of waited for."""

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import pytest

import sharedwork


def test_exactly_one_process_claims_a_piece_of_work(tmp_path):
    with ProcessPoolExecutor(4) as pool:
        won = list(pool.map(sharedwork.claim, [tmp_path / "work"] * 8))
    assert won.count(True) == 1


def test_the_others_get_the_result_the_claimant_publishes(tmp_path):
    work = tmp_path / "work"
    assert sharedwork.claim(work) and not sharedwork.claim(work)
    sharedwork.finish(work, {"returncode": 0})
    assert sharedwork.wait(work, "the work", timeout=5) == {"returncode": 0}


def test_a_claimant_that_ended_without_a_result_is_named(tmp_path):
    work = tmp_path / "work"
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    work.mkdir()
    (work / "claim").write_text(ended.stdout.strip())
    with pytest.raises(AssertionError, match="the session build: the test process that ran it ended without a result"):
        sharedwork.wait(work, "the session build", timeout=5)


def test_a_failed_job_is_raised_where_its_result_is_awaited(tmp_path):
    work = tmp_path / "work"

    def job(folder):
        raise ValueError("the render broke")

    with pytest.raises(ValueError):
        sharedwork.do(work, job)
    assert sharedwork.do(work, job) is None  # claimed already: not run twice
    assert sharedwork.do(tmp_path / "other", lambda folder: 7, lambda value: {"v": value}) == {"v": 7}  # what it published
    with pytest.raises(AssertionError, match="the offline render failed in another test process:(.|\n)*the render broke"):
        sharedwork.result(work, "the offline render", timeout=5)
