#!/usr/bin/env python3
"""Writes a large tar (or .tar.gz) of many small PNGs, to measure `sigtune dataset check` / `ingest`.

The archive is written as it is generated (nothing is held in memory but one image), laid out as
`bench/<class>/<n>.png` with noise images, so it neither compresses nor dedups. Standard library only.

    python3 scripts/make_large_archive.py /tmp/large.tar --images 20000 --side 128 --classes 10
    /usr/bin/time -v .build/release/sigtune dataset check /tmp/large.tar
"""
import argparse
import io
import os
import random
import struct
import tarfile
import zlib


def png(width, height, rng):
    """An 8-bit RGB PNG of noise: filter byte 0 per row, one IDAT, stored with zlib level 1."""
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--side", type=int, default=128, help="width and height of each PNG")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    mode = "w:gz" if args.output.endswith((".gz", ".tgz")) else "w"
    total = 0
    with tarfile.open(args.output, mode, format=tarfile.PAX_FORMAT) as tar:
        for n in range(args.images):
            data = png(args.side, args.side, rng)
            info = tarfile.TarInfo(f"bench/class_{n % args.classes:02d}/{n:07d}.png")
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
            total += len(data)
    print(f"{args.output}: {args.images} PNGs of {args.side}x{args.side}, {total / 1e6:.0f} MB of images, "
          f"{os.path.getsize(args.output) / 1e6:.0f} MB on disk")


if __name__ == "__main__":
    main()
