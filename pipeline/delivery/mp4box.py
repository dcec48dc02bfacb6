"""Just enough ISO-BMFF (MP4) box reading for playlists and checks.

- `top_level(data)`: (type, offset, size) of the top-level boxes (faststart: moov before mdat);
- `avcc(data)`: profile, compatibility and level bytes of the avcC box (RFC 6381 codec string);
- `first_sample_range(data, track_id)`: byte range of a media segment that holds its moof and
  the first sample of `track_id` (the IDR frame that opens every segment) for I-frame
  playlists.
Offsets and sizes are bytes.
"""

from __future__ import annotations

import struct
from typing import Iterator

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mvex", b"stsd",
              b"avc1", b"edts", b"dinf"}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, offset, size, header_size) of the boxes in data[start:end]."""
    end = len(data) if end is None else end
    off = start
    while off + 8 <= end:
        size, typ = struct.unpack(">I4s", data[off:off + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[off + 8:off + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - off
        if size < hdr:
            break
        yield typ, off, size, hdr
        off += size


def top_level(data: bytes) -> list[tuple[str, int, int]]:
    return [(t.decode("latin-1"), o, s) for t, o, s, _ in boxes(data)]


def top_level_of_file(path, limit: int = 1 << 16) -> list[str]:
    """Types of the top-level boxes of a (possibly large) file, reading only box headers."""
    out = []
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        total = fh.tell()
        off = 0
        while off + 8 <= total and len(out) < limit:
            fh.seek(off)
            hdr = fh.read(16)
            size, typ = struct.unpack(">I4s", hdr[:8])
            if size == 1:
                size = struct.unpack(">Q", hdr[8:16])[0]
            elif size == 0:
                size = total - off
            if size < 8:
                break
            out.append(typ.decode("latin-1"))
            off += size
    return out


def avcc(data: bytes) -> tuple[int, int, int]:
    i = data.find(b"avcC")
    if i < 0:
        raise ValueError("no avcC box (not H.264?)")
    return data[i + 5], data[i + 6], data[i + 7]


def _find(data: bytes, typ: bytes, start: int, end: int):
    for t, o, s, h in boxes(data, start, end):
        if t == typ:
            return o, s, h
    return None


def first_sample_range(data: bytes, track_id: int = 1) -> tuple[int, int]:
    """(offset, length) covering the segment's first moof and the first sample of track_id."""
    moof = _find(data, b"moof", 0, len(data))
    if moof is None:
        raise ValueError("no moof box in segment")
    m_off, m_size, m_hdr = moof
    for t, o, s, h in boxes(data, m_off + m_hdr, m_off + m_size):
        if t != b"traf":
            continue
        tfhd = _find(data, b"tfhd", o + h, o + s)
        trun = _find(data, b"trun", o + h, o + s)
        if tfhd is None or trun is None:
            continue
        p = tfhd[0] + tfhd[2]
        flags = int.from_bytes(data[p + 1:p + 4], "big")
        tid = struct.unpack(">I", data[p + 4:p + 8])[0]
        if tid != track_id:
            continue
        q = p + 8
        base = m_off
        if flags & 0x1:
            base = struct.unpack(">Q", data[q:q + 8])[0]
            q += 8
        if flags & 0x2:
            q += 4
        if flags & 0x8:
            q += 4
        default_size = None
        if flags & 0x10:
            default_size = struct.unpack(">I", data[q:q + 4])[0]
            q += 4
        r = trun[0] + trun[2]
        tflags = int.from_bytes(data[r + 1:r + 4], "big")
        r += 8  # version+flags, sample_count
        data_offset = 0
        if tflags & 0x1:
            data_offset = struct.unpack(">i", data[r:r + 4])[0]
            r += 4
        if tflags & 0x4:
            r += 4
        if tflags & 0x100:
            r += 4
        size = struct.unpack(">I", data[r:r + 4])[0] if tflags & 0x200 else default_size
        if size is None:
            raise ValueError("trun has no sample size")
        end = base + data_offset + size
        return m_off, end - m_off
    raise ValueError(f"no traf for track {track_id}")
