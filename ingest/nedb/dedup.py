"""Duplicate (BIN, academic year) keys across a file of any length: a spill file and a compact Bloom filter."""

from __future__ import annotations

import functools
import tempfile

from ingest.nedb.layout import YEAR_TEXT


def record_lines(piece: bytes, first_line: int) -> list[int]:
    """Line numbers where the records of ``piece`` start (empty lines skipped, quoted breaks followed)."""
    starts, in_quotes = [], False
    for offset, text in enumerate(piece.split(b"\n")):
        if not in_quotes and text.strip(b"\r"):
            starts.append(first_line + offset)
        if text.count(b'"') % 2:
            in_quotes = not in_quotes
    return starts


def bin_numbers(bins):
    import pyarrow as pa
    import pyarrow.compute as pc

    ok = pc.fill_null(pc.match_substring_regex(bins, r"^\d{12}$"), False)
    return pc.cast(pc.if_else(ok, bins, "0"), pa.int64()).to_numpy()


def most_common_year(years) -> str | None:
    import pyarrow.compute as pc

    counts = pc.value_counts(pc.drop_null(years)).to_pylist()
    valid = [c for c in counts if YEAR_TEXT.match(c["values"] or "")]
    return max(valid, key=lambda c: (c["counts"], c["values"]))["values"] if valid else None


@functools.cache
def known_kato() -> frozenset[str]:
    from ingest.territory_codes import known_kato_codes

    return known_kato_codes()


class Spill:
    """Record batches kept in a temporary file (Arrow IPC) rather than in memory."""

    def __init__(self):
        self.file, self.writer, self.rows = None, None, 0

    def write(self, batch) -> None:
        import pyarrow as pa

        if self.writer is None:
            self.file = tempfile.TemporaryFile()
            self.writer = pa.ipc.new_stream(self.file, batch.schema)
        self.writer.write_batch(batch)
        self.rows += batch.num_rows

    def read(self):
        import pyarrow as pa

        self.writer.close()
        self.file.seek(0)
        return pa.ipc.open_stream(self.file).read_all()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class KeyFilter:
    """A blocked Bloom filter over 64-bit keys: 3 bytes per key, no false negatives (~0.03 % false
    positives), so memory is ≈ 15 MB for 5 M rows instead of holding every key (40 MB and more).

    :meth:`reserve` sizes it for the rows the file is expected to hold; beyond that it grows by
    adding filters twice as large."""

    BITS_PER_KEY = 24
    HASHES = 7

    def __init__(self):
        self.filters: list[tuple[object, int, int]] = []  # (uint64 words, capacity, keys added)
        self.total = 0

    def reserve(self, keys: int) -> None:
        if not self.filters:
            self._add_filter(max(1 << 16, keys))

    def _add_filter(self, capacity: int) -> None:
        import numpy as np

        self.filters.append((np.zeros(capacity * self.BITS_PER_KEY // 64 + 1, dtype=np.uint64), capacity, 0))

    @staticmethod
    def _hash(keys, salt: int):
        import numpy as np

        with np.errstate(over="ignore"):
            x = keys.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15 * (salt + 1) % (1 << 64))
            x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return x ^ (x >> np.uint64(31))

    def _masks(self, keys, words: int):
        import numpy as np

        h1 = self._hash(keys, 0)
        h2 = self._hash(keys, 1)
        index = (h1 % np.uint64(words)).astype(np.int64)
        mask = np.zeros(keys.shape, dtype=np.uint64)
        for i in range(self.HASHES):
            mask |= np.uint64(1) << ((h2 >> np.uint64(6 * i)) & np.uint64(63))
        return index, mask

    def check_and_add(self, keys):
        """True where a key may have been added before (false positives possible, never false negatives)."""
        import numpy as np

        hits = np.zeros(keys.shape, dtype=bool)
        for words, _, _ in self.filters:
            index, mask = self._masks(keys, len(words))
            hits |= (words[index] & mask) == mask
        if not self.filters or self.filters[-1][2] + len(keys) > self.filters[-1][1]:
            self._add_filter(max(1 << 16, self.total + len(keys)))
        words, capacity, added = self.filters[-1]
        index, mask = self._masks(keys, len(words))
        np.bitwise_or.at(words, index, mask)
        self.filters[-1] = (words, capacity, added + len(keys))
        self.total += len(keys)
        return hits
