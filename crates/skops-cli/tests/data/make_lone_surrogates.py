"""Write `lone_surrogates.skops`: a file skops 0.16 loads whose strings hold lone surrogates.

skops writes a dict key `'\\ud800'` as the escape `"\\ud800"`; the file is then edited so that a
JsonNode's JSON text holds a surrogate itself (not an escape), `_skops_version` holds one, and
one key's surrogate is written as the bytes `ED A0 80` that `json.loads(bytes)` decodes with
`surrogatepass`. UTF-8 cannot hold a surrogate, so `skops-rs` must print each one escaped
(`\\ud800`). Run from this directory: `python make_lone_surrogates.py`.
"""

import io
import json
import zipfile
from pathlib import Path

import skops.io as sio


def main() -> None:
    data = sio.dumps({"\ud800": "a\udfff", "k\udbff": [1, "\udc00\ud800"], "\u00e9": 2})
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "schema.json":
                schema = json.loads(content)
                # The JSON text of a JsonNode with the surrogate itself in it.
                schema["content"]["\u00e9"]["content"] = '"raw \udfff"'
                schema["_skops_version"] = "0.16.0\ud800"
                text = json.dumps(schema, indent=2)
                # The first key's surrogate as UTF-8-style bytes instead of an escape.
                raw = text.replace('"\\ud800": {', '"\ud800": {', 1)
                content = raw.encode("utf-8", "surrogatepass")
            target.writestr(info.filename, content)
    Path("lone_surrogates.skops").write_bytes(out.getvalue())


if __name__ == "__main__":
    main()
