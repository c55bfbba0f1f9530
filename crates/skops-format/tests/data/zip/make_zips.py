"""Make the reference zip archives that `container` tests read (run with skops' Python).

Every archive holds the same members (see `MEMBERS`), written by Python's `zipfile` the way
skops 0.16 writes them (`ZipFile.writestr`), in every variant a reader must handle: each
compression method, zip64 extra fields, data descriptors (an unseekable output stream), an
archive comment and non-ASCII names. `manifest.txt` lists, for every archive, each member's
name, size and SHA-256 so that the Rust tests need no Python.

Usage: python make_zips.py  (writes next to this file; output is deterministic)
"""

import hashlib
import io
import pathlib
import random
import zipfile

HERE = pathlib.Path(__file__).parent
DATE_TIME = (2024, 1, 2, 3, 4, 6)


def members():
    rng = random.Random(20240102)
    schema = (
        b'{\n  "__class__": "LogisticRegression",\n  "protocol": 2,\n'
        b'  "_skops_version": "0.16.0"\n}'
    )
    # An npy-like member: header plus compressible little-endian float data.
    npy = b"\x93NUMPY\x01\x00v\x00" + b"{'descr': '<f8'}".ljust(118, b" ") + b"\n"
    npy += b"".join(float(i % 7).hex().encode() for i in range(300))
    noise = bytes(rng.getrandbits(8) for _ in range(3000))
    return [
        ("140525243967568.npy", npy),
        ("0b7a4d5e-3c55-4f0e-9d8b-2f1b7d7e6a11.bin", noise),
        ("empty.bin", b""),
        ("schema.json", schema),
    ]


UNICODE_MEMBERS = [("données.bin", "é".encode() * 50), ("模型/schema.json", b"{}")]


def info(name, compression):
    zinfo = zipfile.ZipInfo(name, date_time=DATE_TIME)
    zinfo.external_attr = 0o600 << 16
    zinfo.compress_type = compression
    return zinfo


class Unseekable(io.RawIOBase):
    """A write-only stream that cannot seek, so `zipfile` writes data descriptors."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)


def write_archive(target, entries, compression, *, force_zip64=False, comment=b""):
    with zipfile.ZipFile(target, "w", compression=compression) as archive:
        for name, data in entries:
            with archive.open(info(name, compression), "w", force_zip64=force_zip64) as out:
                out.write(data)
        archive.comment = comment


def make(path, entries, compression, *, unseekable=False, **kwargs):
    if unseekable:
        stream = Unseekable()
        write_archive(stream, entries, compression, **kwargs)
        data = bytes(stream.buffer)
    else:
        buffer = io.BytesIO()
        write_archive(buffer, entries, compression, **kwargs)
        data = buffer.getvalue()
    (HERE / path).write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return [(i.filename, archive.read(i.filename)) for i in archive.infolist()]


def main():
    base = members()
    archives = {
        "stored.zip": (base, zipfile.ZIP_STORED, {}),
        "deflated.zip": (base, zipfile.ZIP_DEFLATED, {}),
        "bzip2.zip": (base, zipfile.ZIP_BZIP2, {}),
        "lzma.zip": (base, zipfile.ZIP_LZMA, {}),
        "zip64_stored.zip": (base, zipfile.ZIP_STORED, {"force_zip64": True}),
        "zip64_deflated.zip": (base, zipfile.ZIP_DEFLATED, {"force_zip64": True}),
        "descriptor_stored.zip": (base, zipfile.ZIP_STORED, {"unseekable": True}),
        "descriptor_deflated.zip": (base, zipfile.ZIP_DEFLATED, {"unseekable": True}),
        "descriptor_zip64.zip": (
            base,
            zipfile.ZIP_DEFLATED,
            {"unseekable": True, "force_zip64": True},
        ),
        "comment.zip": (base, zipfile.ZIP_DEFLATED, {"comment": b"made by make_zips.py"}),
        "unicode.zip": (UNICODE_MEMBERS, zipfile.ZIP_DEFLATED, {}),
    }
    lines = []
    for path, (entries, compression, kwargs) in archives.items():
        read_back = make(path, entries, compression, **kwargs)
        assert read_back == entries, path
        for name, data in entries:
            digest = hashlib.sha256(data).hexdigest()
            lines.append(f"{path}\t{name}\t{len(data)}\t{digest}")
    (HERE / "manifest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
