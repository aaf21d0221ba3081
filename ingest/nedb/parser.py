"""The NEDB parser: blocks of CSV validated vectorised (pyarrow), invalid rows quarantined with their row number."""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from ingest.base import CsvChunk, ParsedItem, ParseReport, Rejected, SourceFormatError
from ingest.nedb.blocks import CsvBlocks
from ingest.nedb.dedup import KeyFilter, Spill, bin_numbers, known_kato, most_common_year
from ingest.nedb.layout import (
    HEADERS,
    LANGUAGE,
    MEAL_COST_PER_PUPIL_KZT,
    NUMERIC,
    OWNERSHIP,
    REQUIRED,
    SNIFF_BYTES,
    YEAR_TEXT,
    academic_year_of_file,
    detect_layout,
    header_label,
)


class BlockParser(CsvBlocks):
    """Validates each block vectorised, quarantines invalid rows with their row number, and holds
    back the rows whose key may repeat an earlier one until the second pass decides."""

    def __init__(self, stream: BinaryIO, filename: str, report: ParseReport):
        super().__init__(stream, filename)
        self.report = report

    def run(self) -> Iterator[ParsedItem]:

        head = self.stream.read(SNIFF_BYTES)
        layout = detect_layout(head, self.filename)
        self.layout = layout
        file_year = academic_year_of_file(self.filename)
        notes = self.report.notes
        notes.append(
            f"encoding {layout.encoding}, delimiter {layout.delimiter!r}, meal cost in {layout.meal_cost_unit!r}"
        )
        if layout.ignored:
            notes.append("ignored column(s): " + ", ".join(repr(n) for n in layout.ignored))
        self.known_kato = known_kato()
        self.seen = KeyFilter()
        self.held = Spill()  # rows that may repeat an earlier key (the second pass decides)
        self.keys = tempfile.TemporaryFile()  # (key, line) of every valid row, 16 bytes each
        rows_done = 0
        size = self.stream.seek(0, io.SEEK_END) - self.start
        for batch, lines in self._batches(list(HEADERS)):
            if not rows_done:  # rows expected in the file, from the first block's bytes per row
                self.seen.reserve(int(1.25 * size / max(1, self.first_piece_bytes / batch.num_rows)))
            rows_done += batch.num_rows
            if file_year is None:
                file_year = most_common_year(batch.column(list(HEADERS).index("academic_year")))
                notes.append(f"no academic year in the file name; taken from the rows: {file_year}")
            yield from self._block(batch, lines, file_year)
        if rows_done == 0:
            raise SourceFormatError(self.filename, "no data rows after the header", row=2, hint="truncated export?")
        self.report.period = file_year
        try:
            yield from self._resolve_held()
        finally:
            self.keys.close()
            self.held.close()

    # -- one block: validate, split into valid / rejected / held
    def _block(self, batch, row_numbers, file_year: str | None) -> Iterator[ParsedItem]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n = batch.num_rows
        col = dict(zip(HEADERS, batch.columns))
        checks: list[tuple[np.ndarray, str, str]] = []  # (bad mask, reason key, column)

        def add(mask, reason: str, column: str = "") -> None:
            array = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
            if array.any():
                checks.append((array, reason, column))

        for column in REQUIRED:
            add(pc.is_null(col[column]), "missing value", column)
        add(pc.invert(pc.match_substring_regex(col["bin"], r"^\d{12}$")), "BIN is not 12 digits", "bin")
        kato_format = pc.match_substring_regex(col["kato_code"], r"^\d{9}$")
        add(pc.invert(kato_format), "KATO code is not 9 digits", "kato_code")
        add(
            pc.and_(pc.fill_null(kato_format, False), pc.invert(self._is_known_kato(col["kato_code"]))),
            "unknown KATO code",
            "kato_code",
        )
        numbers, is_number = {}, {}
        # an amount in thousand tenge may have up to 3 decimals (whole tenge): '7475.5' is 7,475,500 tenge
        cost_decimals = max(0, round(math.log10(self.layout.multiplier))) if self.layout.multiplier > 1 else 0
        for column in NUMERIC:
            values = col[column]
            if column == "meal_cost" and cost_decimals:
                pattern = rf"^\d{{1,15}}(\.\d{{1,{cost_decimals}}})?$"
                ok = pc.fill_null(pc.match_substring_regex(values, pattern), False)
                add(
                    pc.and_(pc.is_valid(values), pc.invert(ok)),
                    f"not a non-negative amount with at most {cost_decimals} decimals",
                    column,
                )
                numbers[column] = pc.cast(pc.if_else(ok, values, "0"), pa.float64())
            else:
                ok = pc.fill_null(
                    pc.and_(pc.ascii_is_decimal(values), pc.less_equal(pc.utf8_length(values), 15)), False
                )
                add(pc.and_(pc.is_valid(values), pc.invert(ok)), "not a non-negative whole number", column)
                numbers[column] = pc.cast(pc.if_else(ok, values, "0"), pa.int64())
            is_number[column] = ok
        add(
            pc.and_(is_number["shifts"], pc.invert(pc.is_in(numbers["shifts"], value_set=pa.array([1, 2, 3])))),
            "shifts outside 1-3",
            "shifts",
        )
        for column, allowed, what in (("ownership", OWNERSHIP, "ownership"), ("language", LANGUAGE, "language")):
            values = pc.utf8_lower(pc.utf8_trim_whitespace(col[column]))
            known = pc.is_in(values, value_set=pa.array(sorted(allowed), pa.string()))
            add(pc.and_(pc.is_valid(values), pc.invert(known)), f"unknown {what}", column)
        add(
            pc.greater(numbers["pupils_free_meals"], numbers["pupils_grades_1_4"]),
            "free-meal pupils exceed pupils of grades 1-4",
            "pupils_free_meals",
        )
        meals = numbers["pupils_free_meals"]
        per_pupil = pc.divide(
            pc.multiply(pc.cast(numbers["meal_cost"], pa.float64()), self.layout.multiplier),
            pc.cast(pc.if_else(pc.greater(meals, 0), meals, 1), pa.float64()),
        )
        with_meals = pc.greater(meals, 0)
        low, high = MEAL_COST_PER_PUPIL_KZT
        implausible = pc.and_(with_meals, pc.or_(pc.less(per_pupil, low), pc.greater(per_pupil, high)))
        self._check_unit(per_pupil, with_meals, int(row_numbers[0]))
        add(implausible, "meal cost per pupil implausible (unit?)", "meal_cost")
        add(
            pc.and_(pc.equal(meals, 0), pc.greater(numbers["meal_cost"], 0)),
            "meal cost without free-meal pupils",
            "meal_cost",
        )
        years = col["academic_year"]
        year_ok = pc.fill_null(pc.match_substring_regex(years, YEAR_TEXT.pattern), False)
        year_start = pc.cast(pc.if_else(year_ok, pc.utf8_slice_codeunits(years, 0, 4), "0"), pa.int64())
        year_end = pc.cast(pc.if_else(year_ok, pc.utf8_slice_codeunits(years, 5, 7), "0"), pa.int64())
        start_np = year_start.to_numpy()
        bad_year = ~year_ok.to_numpy(zero_copy_only=False) | ((start_np + 1) % 100 != year_end.to_numpy())
        add(pc.and_(pc.is_valid(years), pa.array(bad_year)), "academic year is not like 2023/24", "academic_year")
        if file_year:
            limit = int(file_year[:4])
            add(pc.greater(year_start, limit), f"academic year after the file's {file_year} (future)", "academic_year")

        bad = np.zeros(n, dtype=bool)
        for mask, _, _ in checks:
            bad |= mask
        if bad.any():
            for i in np.flatnonzero(bad):
                reasons = [self._reason(reason, column, col, i) for mask, reason, column in checks if mask[i]]
                yield Rejected("; ".join(reasons), self._record(batch, i), int(row_numbers[i]))
        good = ~bad
        # duplicate keys: BIN (12 digits) and the year's start make one 64-bit number
        keys = bin_numbers(col["bin"]) * 10_000 + start_np
        maybe_seen = np.zeros(n, dtype=bool)
        valid_idx = np.flatnonzero(good)
        if valid_idx.size:
            block_keys = keys[valid_idx]
            _, first_in_block = np.unique(block_keys, return_index=True)
            repeat = np.ones(valid_idx.size, dtype=bool)
            repeat[first_in_block] = False
            hits = self.seen.check_and_add(block_keys)
            maybe_seen[valid_idx] = hits | repeat
        if valid_idx.size:  # every valid row's key and line, in file order, for the final check
            self.keys.write(np.column_stack((keys[valid_idx], row_numbers[valid_idx])).astype(np.int64).tobytes())
        held = good & maybe_seen
        out = good & ~maybe_seen
        extended = batch.append_column("_row_number", pa.array(row_numbers)).append_column("_key", pa.array(keys))
        if held.any():
            self.held.write(extended.filter(pa.array(held)))
        if out.any():
            yield self._chunk(extended.filter(pa.array(out)))

    def _is_known_kato(self, codes):
        """Membership through the block's few distinct codes (a block has hundreds, the set 16 k)."""
        import pyarrow as pa

        encoded = codes.dictionary_encode()
        known = pa.array([value in self.known_kato for value in encoded.dictionary.to_pylist()], pa.bool_())
        return known.take(encoded.indices)

    def _check_unit(self, per_pupil, with_meals, first_row: int) -> None:
        import pyarrow.compute as pc

        values = pc.filter(per_pupil, with_meals)
        if len(values) < 20:
            return
        median = pc.approximate_median(values).as_py()
        low, high = MEAL_COST_PER_PUPIL_KZT
        if low <= median <= high:
            return
        unit = self.layout.meal_cost_unit
        in_tenge = f"{median:,.0f}".replace(",", " ")
        raise SourceFormatError(
            self.filename,
            f"meal costs look 1000× off: the median is {in_tenge} tenge per free-meal pupil a year when read in "
            f"{unit!r} (plausible: {low:,}-{high:,}); the header's unit and the amounts disagree",
            row=first_row,
            hint="fix the unit in the header (тенге / тыс. тенге) or the amounts, then deliver the file again",
        )

    def _reason(self, reason: str, column: str, col, i: int) -> str:
        if not column:
            return reason
        value = col[column][i].as_py()
        return f"{reason}: {header_label(column, self.layout.meal_cost_unit) if reason == 'missing value' else repr(value)}"

    def _record(self, batch, i: int) -> dict:
        unit = self.layout.meal_cost_unit
        return {header_label(c, unit): batch.column(j)[i].as_py() for j, c in enumerate(HEADERS)}

    def _chunk(self, table) -> CsvChunk:
        import pyarrow as pa
        from pyarrow import csv as pacsv

        n = table.num_rows
        arrays = [pa.nulls(n, pa.string()), table.column("_row_number")]
        names = ["_sheet", "_row_number"]
        for j, column in enumerate(HEADERS):
            arrays.append(table.column(j))
            names.append(column)
        arrays.append(pa.repeat(pa.scalar(self.layout.meal_cost_unit, pa.string()), n))
        names.append("meal_cost_unit")
        out = io.BytesIO()
        pacsv.write_csv(pa.table(arrays, names=names), out, pacsv.WriteOptions(include_header=False))
        return CsvChunk(out.getvalue(), n)

    # -- second pass: which held rows repeat an earlier valid row
    def _resolve_held(self) -> Iterator[ParsedItem]:
        if not self.held.rows:
            return
        import numpy as np
        import pyarrow as pa

        held = self.held.read()
        candidates = np.unique(held.column("_key").to_numpy())
        first: dict[int, int] = {}  # key → line of its first valid row
        self.keys.seek(0)
        while True:
            pairs = np.frombuffer(self.keys.read(2 << 20), dtype=np.int64).reshape(-1, 2)
            if not len(pairs):
                break
            for key, row in pairs[np.isin(pairs[:, 0], candidates)].tolist():
                first.setdefault(key, row)
        keep = []
        for i in range(held.num_rows):
            key = held.column("_key")[i].as_py()
            row = held.column("_row_number")[i].as_py()
            if first.get(key, row) < row:
                bin_value = held.column(0)[i].as_py()
                year = held.column(list(HEADERS).index("academic_year"))[i].as_py()
                yield Rejected(
                    f"duplicate (BIN, academic year): {bin_value}, {year} already at row {first[key]}",
                    {
                        header_label(c, self.layout.meal_cost_unit): held.column(j)[i].as_py()
                        for j, c in enumerate(HEADERS)
                    },
                    row,
                )
            else:
                keep.append(i)
        if keep:
            yield self._chunk(held.take(pa.array(keep)))
