"""Reading the home base one page ahead: the next page comes over HTTP while the engine stores this one.

The same thread runs on every clock (a test's FakeClock included): a rate-limit wait of the reader is a
``sleep`` on its connector's clock, so the end-to-end tests run the code production runs.
"""

import queue
import threading

__all__ = ["read_ahead"]

_DONE = object()
_POLL_S = 0.2  # how often a waiting reader checks that the engine still wants pages


def read_ahead(pages):
    """``pages`` read one page ahead by a background thread (HTTP only; the thread never touches the
    database). An error reading is raised here, where the page would have been. The next page is read
    only once the engine has taken the last one: at most two pages are held, whatever the catalog.
    Leaving the loop early (an error in the engine, a ``break``) stops the reader."""
    slot = queue.Queue(maxsize=1)
    taken = threading.Semaphore(0)  # released each time the engine takes a page
    stop = threading.Event()

    def offer(item):
        while not stop.is_set():
            try:
                slot.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def wait_taken():
        while not stop.is_set():
            if taken.acquire(timeout=_POLL_S):
                return True
        return False

    def read():
        try:
            iterator = iter(pages)
            while True:
                page = next(iterator, _DONE)
                if page is _DONE:
                    break
                if not offer((page, None)):
                    return
                del page
                if not wait_taken():  # read the next page while the engine works on this one
                    return
            offer((_DONE, None))
        except BaseException as exc:  # raised in the engine's thread
            offer((_DONE, exc))

    thread = threading.Thread(target=read, name="flyt-pull-reader", daemon=True)
    thread.start()
    try:
        while True:
            page, error = slot.get()
            taken.release()
            if error is not None:
                raise error
            if page is _DONE:
                return
            yield page
            del page
    finally:
        stop.set()
        thread.join(timeout=30)
