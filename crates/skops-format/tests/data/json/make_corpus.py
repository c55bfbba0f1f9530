"""Generate the JSON conformance corpus: inputs and what Python's json module makes of them.

Run with the project's pinned Python: `/work/main/.venv/bin/python make_corpus.py`.
For each case N it writes `N.in.json` (the input text), `N.pretty.json`
(`json.dumps(json.loads(input), indent=2)`) and `N.compact.json` (`json.dumps(json.loads(input))`).
Inputs Python refuses go to `bad/N.json`.
"""

import json
import math
import pathlib
import random
import shutil
import struct

HERE = pathlib.Path(__file__).parent
rng = random.Random(20260923)

FIXED = [
    "0", "-0", "1E5", "1e400", "-1e400", "1.50", "[1e-7, 1e22, 1e21, 1e16, 1e15, 0.1, 0.30000000000000004]",
    "NaN", "[Infinity, -Infinity, NaN]", "340282366920938463463374607431768211457",
    '"\\ud83d\\ude00 \\u00e9 \\u2028 \\u007f \\/"', '"\xc3\xa9\xf0\x9f\x98\x80"',
    "[]", "{}", "[[], {}, [[]], {\"a\": {}}]", ' \n\t\r{ "a" : [ 1 , 2 ] , "b" : null } \n',
    '{"dup": 1, "x": 2, "dup": 3}', "[true, false, null]", '"\\b\\f\\n\\r\\t\\"\\\\"',
    "[5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 4.35, 100.0, 123456789.123456789]",
    "\xef\xbb\xbf[1]",
]

BAD = [
    "", "[1,]", '{"a":1,}', "[01]", "nan", "inf", "[1 2]", '"abc', '"a\nb"', '"\\x"', "{'a': 1}",
    "1" * 4301, "[1] 2", "-", "+1", ".5", "1.", "tru", '{"a" 1}', "[\"\\u12\"]",
]

# Lone surrogates, escaped and as the bytes `json.loads(bytes)` decodes with `surrogatepass`;
# appended after the random cases so that their numbering stays.
SURROGATES = [
    b'"\\ud800 \\udfff \\ud800\\u0041 \\udc00\\ud800 \\ud800\\ud800\\udc00"',
    b'{"\\udbff": ["\\ud800"], "\\udbff": 1, "k\\udc00": {"\\ud800\\udc00": null}}',
    '"\ud800 \udfff\\udc00 \ud800\udc00"'.encode("utf-8", "surrogatepass"),
    '{"\udc00": "\ud800", "\\ud800": 1}'.encode("utf-8", "surrogatepass"),
]

BAD_SURROGATES = [b'"\xed\xa0"', b"[\xed\xa0\x80]", b'"\\ud800\\u12g4"', b'"\xed\xa0\x80\xc0\x80"']


def random_float():
    kind = rng.randrange(4)
    if kind == 0:
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if kind == 1:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    if kind == 2:
        return float(rng.randint(-10**6, 10**6))
    return round(rng.uniform(-1000, 1000), rng.randint(0, 6))


def random_string():
    alphabet = "abc \"\\/\n\t\x00\x1f\x7f\xe9\u2028\uffff\U0001F600\u4e2d"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))


def random_value(depth=0):
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randint(-(2**70), 2**70)
    if kind == 2:
        return random_float()
    if kind == 3:
        return rng.choice([math.nan, math.inf, -math.inf, 0.0, -0.0])
    if kind in (4, 5):
        return random_string()
    if kind in (6, 7):
        return [random_value(depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_string(): random_value(depth + 1) for _ in range(rng.randint(0, 4))}


def main():
    for sub in ("cases", "bad"):
        shutil.rmtree(HERE / sub, ignore_errors=True)
        (HERE / sub).mkdir()
    inputs = [text.encode("latin-1") if text.startswith("\xef") else text.encode() for text in FIXED]
    for _ in range(60):
        value = random_value()
        style = rng.randrange(3)
        if style == 0:
            text = json.dumps(value)
        elif style == 1:
            text = json.dumps(value, indent=rng.randint(0, 4))
        else:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        inputs.append(text.encode())
    inputs.extend(SURROGATES)
    for index, data in enumerate(inputs):
        value = json.loads(data)
        name = f"{index:03}"
        (HERE / "cases" / f"{name}.in.json").write_bytes(data)
        (HERE / "cases" / f"{name}.pretty.json").write_text(json.dumps(value, indent=2))
        (HERE / "cases" / f"{name}.compact.json").write_text(json.dumps(value))
    for index, data in enumerate([text.encode() for text in BAD] + BAD_SURROGATES):
        try:
            json.loads(data)
        except ValueError:  # UnicodeDecodeError included
            pass
        else:
            raise SystemExit(f"Python accepts {data!r}")
        (HERE / "bad" / f"{index:03}.json").write_bytes(data)


main()
