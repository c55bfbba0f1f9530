"""Write `hostile_names.skops`: a file skops 0.16 reads whose names try to fool a terminal.

A dict written by skops, edited so that a key, a type name and a JSON value carry an ANSI
escape sequence (erase the line, move the cursor), a right-to-left override and a newline.
`skops-rs` must print them escaped. Run from this directory: `python make_hostile_names.py`.
"""

import io
import json
import zipfile
from pathlib import Path

import skops.io as sio


class Holder:
    """Saved as an ObjectNode, whose type name we then change."""

    def __init__(self) -> None:
        self.value = 1


def main() -> None:
    data = sio.dumps({"plain": 1, "obj": Holder()})
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "schema.json":
                schema = json.loads(content)
                entries = schema["content"]
                # A key that erases its line and a value that hides the rest of the line.
                plain = entries.pop("plain")
                # Its `__id__` is shared with `Holder.value` (the same int); a fresh node.
                del plain["__id__"]
                plain["content"] = '"\x1b[8mhidden"'
                entries["\x1b[2K\x1b[1Gsafe_key"] = plain
                # An untrusted type that reads as `os.system` backwards and breaks the line.
                obj = entries["obj"]
                obj["__module__"] = "evil\u202emetsys.so"
                obj["__class__"] = "Holder\nroot: builtins.dict"
                content = json.dumps(schema, indent=2).encode()
            target.writestr(info.filename, content)
    Path("hostile_names.skops").write_bytes(out.getvalue())


if __name__ == "__main__":
    main()
