"""Resource: allocate 4 GiB, then grow a list without bound."""
def f(x):
    blob = bytearray(4 << 30)
    chunks = []
    while True:
        chunks.append(bytearray(64 << 20))
    return len(blob)
