"""Generate `float_repr.txt`: doubles (as 16 hex digits of their bits) and Python's repr of them.

Run with the project's pinned Python: `/work/main/.venv/bin/python make_float_repr.py`.
Besides doubles with random bits, it looks for exact ties: doubles whose exact decimal value
lies halfway between the two shortest candidates, where Python rounds half to even.
"""

import pathlib
import random
import struct
from decimal import Decimal

HERE = pathlib.Path(__file__).parent
rng = random.Random(20261130)


def bits_of(x: float) -> str:
    return struct.pack(">d", x).hex()


def is_tie(x: float) -> bool:
    digits = repr(x).lower().split("e")[0].replace("-", "").replace(".", "").lstrip("0")
    exact = format(Decimal(x).normalize(), "e").split("e")[0].replace("-", "").replace(".", "")
    return len(exact) == len(digits) + 1 and exact.endswith("5")


values = []
while len(values) < 2000:
    x = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))[0]
    if x == x and x not in (float("inf"), float("-inf")):
        values.append(x)
ties = []
while len(ties) < 300:
    # Dyadic rationals with few significant bits have short exact expansions: tie candidates.
    # An 18-digit exact expansion: a 53-bit integer over a small power of two, then scaled by a
    # power of two small enough to keep the expansion short (its digits shift but stay few).
    k = rng.randint(1, 30)
    x = rng.getrandbits(53 - rng.randint(0, 3 * k // 2 + 1)) * 2.0**-k
    if x and is_tie(x):
        ties.append(x)
with open(HERE / "float_repr.txt", "w", encoding="ascii") as out:
    for x in values + ties:
        out.write(f"{bits_of(x)} {x!r}\n")
print(f"{len(values)} random doubles, {len(ties)} ties")
