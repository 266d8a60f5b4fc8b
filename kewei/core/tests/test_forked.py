import os
import signal

import pytest

from kewei.core.forked import WorkerDied, forked_map

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs a Unix system")


@pytest.fixture(autouse=True)
def deadline():
    """A pipe protocol that deadlocks fails the test instead of hanging the suite."""

    def expired(signum, frame):
        raise TimeoutError("forked_map did not finish in 60 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # no longer a child of this process: waited for
    return False


def test_results_come_in_order_from_child_processes_even_when_larger_than_pipes():
    # Items and results of 3 MB, beyond a pipe's buffer both ways: an item sent while
    # its worker is blocked on a large result must not deadlock the two processes.
    big = 3 * 1024 * 1024

    def work(item):
        number, payload = item
        return number, os.getpid(), payload[::-1] + b"!" * number

    items = [(number, bytes([number]) * (big if number % 3 == 0 else 10)) for number in range(12)]
    results = list(forked_map(work, items, workers=3))
    assert [(number, payload) for number, _pid, payload in results] == [
        (number, payload[::-1] + b"!" * number) for number, payload in items
    ]
    pids = {pid for _number, pid, _payload in results}
    assert len(pids) == 3 and os.getpid() not in pids
    assert all(_reaped(pid) for pid in pids)


def test_setup_runs_in_each_child_before_its_items():
    state = {"ready": False}

    def setup():
        state["ready"] = True

    def work(item):
        return item, state["ready"]

    assert list(forked_map(work, range(5), workers=2, setup=setup)) == [
        (number, True) for number in range(5)
    ]
    assert state["ready"] is False  # set in the children only


class Refused(ValueError):
    pass


def test_an_exception_in_a_child_is_raised_for_its_item_and_the_children_end():
    def work(number):
        if number == 3:
            raise Refused(f"第 {number} 项不能处理")
        return os.getpid()

    seen = []
    with pytest.raises(Refused, match="第 3 项不能处理") as raised:
        for pid in forked_map(work, range(10), workers=2):
            seen.append(pid)
    assert len(seen) == 3  # the items before the failing one
    assert any("in work" in note for note in raised.value.__notes__)  # the child's traceback
    assert all(_reaped(pid) for pid in set(seen))


def test_an_exception_that_does_not_pickle_is_raised_as_its_description():
    class Local(ValueError):  # not importable by name, so not picklable
        pass

    def work(number):
        raise Local("无法处理")

    with pytest.raises(RuntimeError, match="无法处理"):
        list(forked_map(work, range(3), workers=2))


def test_a_child_that_dies_is_reported_not_waited_for():
    def work(number):
        if number == 2:
            os._exit(3)  # killed, say, by the kernel for memory
        return os.getpid()

    seen = []
    with pytest.raises(WorkerDied):
        for pid in forked_map(work, range(6), workers=2):
            seen.append(pid)
    assert len(seen) == 2
    assert all(_reaped(pid) for pid in set(seen))


def test_a_caller_that_stops_early_leaves_no_child_behind():
    def work(number):
        return os.getpid()

    results = forked_map(work, range(100), workers=2)
    pids = {next(results), next(results)}
    results.close()
    assert len(pids) == 2
    assert all(_reaped(pid) for pid in pids)
