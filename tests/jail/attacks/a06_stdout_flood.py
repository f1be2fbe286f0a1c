"""Resource: 200 MB through print()."""
def f(x):
    line = "A" * 1000
    for _ in range(200_000):
        print(line)
    return "flooded"
