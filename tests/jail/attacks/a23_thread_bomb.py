"""Resource: 200 busy threads."""
import threading
def f(x):
    def spin():
        while True:
            pass
    started = 0
    for _ in range(200):
        threading.Thread(target=spin, daemon=True).start()
        started += 1
    return started
