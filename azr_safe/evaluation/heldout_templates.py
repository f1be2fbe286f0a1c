"""Program templates for the held-out self-play set. Written by hand for evaluation only.

Each template fills constants and draws inputs from a seeded `random.Random`, so the set is the same
on every machine. Outputs are never computed here: the build script runs the programs in the jail.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import NamedTuple


class Template(NamedTuple):
    """A program family: source with `{params}`, a parameter sampler, an input sampler, a hint."""

    name: str
    source: str
    params: Callable[[random.Random], dict[str, object]]
    draw_input: Callable[[random.Random], str]
    message: str


def _ints(rng: random.Random, lo: int = -9, hi: int = 9, size: tuple[int, int] = (3, 6)) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(*size))]


def _word(rng: random.Random, lo: int = 3, hi: int = 8) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(lo, hi)))


def _sentence(rng: random.Random) -> str:
    return " ".join(_word(rng, 2, 6) for _ in range(rng.randint(2, 4)))


TEMPLATES: tuple[Template, ...] = (
    Template(
        "affine_map",
        "def f(xs):\n    return [x * {a} + {b} for x in xs]",
        lambda r: {"a": r.randint(2, 5), "b": r.randint(-4, 4)},
        lambda r: repr(_ints(r)),
        "Scale every number in the list by a constant and add another constant.",
    ),
    Template(
        "reverse_case",
        "def f(s):\n    return s[::-1].{method}()",
        lambda r: {"method": r.choice(["upper", "title", "swapcase"])},
        lambda r: repr(_word(r)),
        "Reverse the string, then change the letter case.",
    ),
    Template(
        "weighted_range_sum",
        "def f(n):\n    total = 0\n    for i in range(n):\n        total += i * {a}\n    return total",
        lambda r: {"a": r.randint(2, 7)},
        lambda r: repr(r.randint(0, 12)),
        "Sum a multiple of each number below n.",
    ),
    Template(
        "drop_letters",
        "def f(s):\n    return ''.join(c for c in s if c not in {letters!r})",
        lambda r: {"letters": "".join(sorted(r.sample("aeioulnrst", 3)))},
        lambda r: repr(_word(r, 5, 10)),
        "Remove some fixed letters from the string.",
    ),
    Template(
        "top_k",
        "def f(xs):\n    return sorted(xs, reverse={rev})[:{k}]",
        lambda r: {"rev": r.choice([True, False]), "k": r.randint(1, 3)},
        lambda r: repr(_ints(r, -20, 20, (4, 7))),
        "Sort the list and keep a few elements from one end.",
    ),
    Template(
        "filter_dict",
        "def f(d):\n    return {{k: v for k, v in sorted(d.items()) if v > {t}}}",
        lambda r: {"t": r.randint(0, 5)},
        lambda r: repr({_word(r, 1, 3): r.randint(-3, 9) for _ in range(r.randint(2, 4))}),
        "Keep the dictionary entries whose value is above a threshold.",
    ),
    Template(
        "combine_pair",
        "def f(a, b):\n    return a * {m} - b",
        lambda r: {"m": r.randint(2, 6)},
        lambda r: f"{r.randint(-9, 9)}, {r.randint(-9, 9)}",
        "Combine two numbers with a multiplication and a subtraction.",
    ),
    Template(
        "letter_counts",
        "def f(s):\n    return {{c: s.count(c) for c in sorted(set(s)) if c in {letters!r}}}",
        lambda r: {"letters": "".join(sorted(r.sample("abcde", 3)))},
        lambda r: repr("".join(r.choice("abcdef") for _ in range(r.randint(4, 9)))),
        "Count how often some letters occur.",
    ),
    Template(
        "sum_multiples",
        "def f(xs):\n    return sum(x for x in xs if x % {m} == 0)",
        lambda r: {"m": r.randint(2, 4)},
        lambda r: repr(_ints(r, 0, 20, (4, 7))),
        "Add up the numbers divisible by a constant.",
    ),
    Template(
        "repeat_join",
        "def f(s, n):\n    return {sep!r}.join([s] * n)",
        lambda r: {"sep": r.choice(["-", "+", "", ", "])},
        lambda r: f"{_word(r, 1, 3)!r}, {r.randint(0, 4)}",
        "Repeat the string n times with a separator.",
    ),
    Template(
        "spread",
        "def f(xs):\n    return max(xs) - min(xs) + {c}",
        lambda r: {"c": r.randint(0, 3)},
        lambda r: repr(_ints(r, -30, 30)),
        "The distance between the largest and smallest number, plus a constant.",
    ),
    Template(
        "residues",
        "def f(n):\n    return [i for i in range(n) if i % {m} == {r}]",
        lambda r: (lambda m: {"m": m, "r": r.randint(0, m - 1)})(r.randint(2, 5)),
        lambda r: repr(r.randint(1, 15)),
        "The numbers below n with a given remainder.",
    ),
    Template(
        "split_on",
        "def f(s):\n    return [part for part in s.split({sep!r}) if part]",
        lambda r: {"sep": r.choice(["a", "e", "o"])},
        lambda r: repr(_word(r, 6, 12)),
        "Split the string on a letter and drop empty pieces.",
    ),
    Template(
        "neighbour_pairs",
        "def f(xs):\n    return [a {op} b for a, b in zip(xs, xs[1:])]",
        lambda r: {"op": r.choice(["+", "-", "*"])},
        lambda r: repr(_ints(r)),
        "Combine each element with the next one.",
    ),
    Template(
        "reverse_words",
        "def f(s):\n    words = s.split()\n    return {sep!r}.join(w[::-1] for w in words)",
        lambda r: {"sep": r.choice([" ", "_", "/"])},
        lambda r: repr(_sentence(r)),
        "Reverse each word and join them again.",
    ),
    Template(
        "popcount_shift",
        "def f(n):\n    return bin(n).count('1') + {a}",
        lambda r: {"a": r.randint(0, 5)},
        lambda r: repr(r.randint(0, 200)),
        "Count the one bits of the number and add a constant.",
    ),
    Template(
        "dedupe_keep_order",
        "def f(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n            out.append(x)\n    return out{tail}",
        lambda r: {"tail": r.choice(["", "[::-1]", "[:3]"])},
        lambda r: repr(_ints(r, 0, 5, (5, 9))),
        "Remove repeated elements, keeping first occurrences.",
    ),
    Template(
        "replace_strip",
        "def f(s):\n    return s.replace({x!r}, {y!r}).strip({y!r})",
        lambda r: {"x": r.choice("aeiou"), "y": r.choice("xyz")},
        lambda r: repr(_word(r, 4, 9)),
        "Replace one letter by another, then trim that letter from both ends.",
    ),
    Template(
        "div_mod",
        "def f(a, b):\n    return (a + b) // {m}, (a * b) % {m}",
        lambda r: {"m": r.randint(2, 7)},
        lambda r: f"{r.randint(0, 30)}, {r.randint(0, 30)}",
        "Integer division of the sum and remainder of the product by a constant.",
    ),
    Template(
        "fold_ends",
        "def f(xs):\n    return [xs[i] + xs[-i - 1] for i in range(len(xs) // 2)]",
        lambda r: {},
        lambda r: repr(_ints(r, -9, 9, (4, 8))),
        "Add the elements pairwise from both ends towards the middle.",
    ),
    Template(
        "collatz_steps",
        "def f(n):\n    steps = 0\n    while n != 1 and steps < {cap}:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n"
        "        steps += 1\n    return steps",
        lambda r: {"cap": r.choice([20, 50, 100])},
        lambda r: repr(r.randint(1, 30)),
        "Count Collatz steps until reaching 1, with a cap.",
    ),
    Template(
        "running_total",
        "def f(xs):\n    total, out = {start}, []\n    for x in xs:\n        total += x\n        out.append(total)\n"
        "    return out",
        lambda r: {"start": r.randint(-3, 3)},
        lambda r: repr(_ints(r)),
        "Running sums of the list from a starting value.",
    ),
    Template(
        "vowel_index",
        "def f(s):\n    return [i for i, c in enumerate(s) if c in 'aeiou'][{sl}]",
        lambda r: {"sl": r.choice([":2", "::2", "-2:", ":"])},
        lambda r: repr(_word(r, 5, 10)),
        "Positions of the vowels in the string, sliced.",
    ),
    Template(
        "digit_sum",
        "def f(n):\n    return sum(int(d) for d in str(abs(n))) * {m}",
        lambda r: {"m": r.randint(1, 4)},
        lambda r: repr(r.randint(-999, 9999)),
        "Sum of the decimal digits, times a constant.",
    ),
    Template(
        "chunk",
        "def f(xs):\n    return [xs[i:i + {k}] for i in range(0, len(xs), {k})]",
        lambda r: {"k": r.randint(2, 3)},
        lambda r: repr(_ints(r, 0, 9, (3, 7))),
        "Cut the list into consecutive chunks of a fixed size.",
    ),
    Template(
        "caesar",
        "def f(s):\n    return ''.join(chr((ord(c) - 97 + {k}) % 26 + 97) for c in s)",
        lambda r: {"k": r.randint(1, 25)},
        lambda r: repr(_word(r)),
        "Shift every lowercase letter through the alphabet by a fixed amount.",
    ),
    Template(
        "count_greater",
        "def f(xs, t):\n    return len([x for x in xs if x > t]) {op} {c}",
        lambda r: {"op": r.choice(["+", "*"]), "c": r.randint(1, 3)},
        lambda r: f"{_ints(r, 0, 9)!r}, {r.randint(0, 9)}",
        "Count the elements above t, then apply a constant.",
    ),
    Template(
        "interleave",
        "def f(a, b):\n    out = ''\n    for x, y in zip(a, b):\n        out += x + y\n    return out{extra}",
        lambda r: {"extra": r.choice(["", ".upper()", "[::-1]"])},
        lambda r: f"{_word(r, 2, 5)!r}, {_word(r, 2, 5)!r}",
        "Interleave the characters of two strings.",
    ),
    Template(
        "parity_split",
        "def f(xs):\n    even = [x for x in xs if x % 2 == 0]\n    odd = [x for x in xs if x % 2]\n    return {ret}",
        lambda r: {"ret": r.choice(["even + odd", "odd + even", "(sum(even), sum(odd))"])},
        lambda r: repr(_ints(r, 0, 20)),
        "Separate even and odd numbers.",
    ),
    Template(
        "fib_mod",
        "def f(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, (a + b) % {m}\n    return a",
        lambda r: {"m": r.choice([7, 10, 13, 100])},
        lambda r: repr(r.randint(0, 20)),
        "Fibonacci numbers modulo a constant.",
    ),
)
