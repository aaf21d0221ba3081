"""The generator's side: per-year NEDB extracts from the synthetic world, and arbitrarily large files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest.nedb.layout import HEADERS, MEAL_COST_UNIT, header_label

# --- the generator's side: per-year extracts from the world, and arbitrarily large files ----------

KAZAKH_TO_CP1251 = str.maketrans("әғқңөұүһӘҒҚҢӨҰҮҺ", "агкноуухАГКНОУУХ")  # the old export's substitutes
OWNERSHIP_TEXT = {"state": "Государственная", "private": "Частная"}
LANGUAGE_TEXT = {"kk": "Казахский", "ru": "Русский", "kk_ru": "Казахский, русский"}
CP1251_UNTIL = 2020  # extracts up to 2020/21 come from the old system, in Windows-1251


def file_name(academic_year: str) -> str:
    """``2023/24`` → ``nedb_schools_2023-24.csv``."""
    return f"nedb_schools_{academic_year.replace('/', '-')}.csv"


def header_row(unit: str = MEAL_COST_UNIT) -> list[str]:
    return [header_label(c, unit) for c in HEADERS]


def render(world, out_dir: Path) -> list[Path]:
    """One extract per academic year in ``out_dir/nedb/``: ``;``-separated, CRLF, UTF-8 with BOM
    (Windows-1251 for the old system's years, Kazakh letters replaced as that export did)."""
    folder = Path(out_dir) / "nedb"
    folder.mkdir(parents=True, exist_ok=True)
    schools = {s.school_id: s for s in world.schools}
    by_year: dict[str, list] = {}
    for sy in world.school_years:
        by_year.setdefault(sy.academic_year, []).append(sy)
    written = []
    for year in world.academic_years:
        rows = sorted(by_year.get(year, []), key=lambda sy: (sy.kato_code, schools[sy.school_id].bin))
        if not rows:
            continue
        legacy = int(year[:4]) <= CP1251_UNTIL
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header_row())
        for sy in rows:
            school = schools[sy.school_id]
            writer.writerow(
                [school.bin, school.name_kk, school.name_ru, sy.kato_code, OWNERSHIP_TEXT[school.ownership],
                 LANGUAGE_TEXT[school.language], school.design_capacity, sy.pupils_primary, sy.pupils_basic,
                 sy.pupils_upper, sy.shifts, sy.teachers, sy.pupils_free_meals, sy.meal_cost_kzt,
                 sy.pupils_transported, sy.buses_in_service, sy.buses_leased_in_year, sy.academic_year]
            )  # fmt: skip
        text = buffer.getvalue()
        data = text.translate(KAZAKH_TO_CP1251).encode("cp1251") if legacy else text.encode("utf-8-sig")
        path = folder / file_name(year)
        path.write_bytes(data)
        written.append(path)
    return written


def _bulk_bins(rows: int):
    """``rows`` distinct, checksum-valid BINs (``YYMM49`` + serial + check digit), in a fixed order."""
    import numpy as np

    yymm = np.array([yy * 100 + mm for yy in range(8, 24) for mm in range(1, 13)], dtype=np.int64)
    candidates = np.arange(int(rows * 1.12) + 1000, dtype=np.int64)
    serial = candidates // len(yymm)
    if serial.max() >= 100_000:
        raise ValueError(f"at most {len(yymm) * 90_000:,} rows")
    first11 = yymm[candidates % len(yymm)] * 10_000_000 + 49 * 100_000 + serial
    digits = [(first11 // 10 ** (10 - k)) % 10 for k in range(11)]
    check = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
    second = sum(d * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    check = np.where(check == 10, second, check)
    valid = check != 10
    return (first11[valid] * 10 + check[valid])[:rows]


def write_bulk_file(
    path: Path, rows: int, *, seed: int = 2023, academic_year: str = "2023/24", chunk_rows: int = 250_000
) -> Path:
    """An NEDB extract of ``rows`` valid rows (distinct BINs, one academic year) for benchmarks:
    the real header and value shapes, written vectorised (5 M rows in well under a minute)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    from ingest.synth.geography import CITY, DISTRICTS, OBLAST

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    bins = _bulk_bins(rows)
    districts = [d for d in DISTRICTS if d.region_kato in (CITY, OBLAST)]
    kato = pa.array([d.kato_code for d in districts])
    weights = np.array([d.schools for d in districts], dtype=float)
    with open(path, "wb") as fh:
        fh.write(("\ufeff" + ";".join(header_row()) + "\n").encode("utf-8"))
        for start in range(0, rows, chunk_rows):
            n = min(chunk_rows, rows - start)
            total = rng.integers(40, 2500, n)
            primary = (total * rng.uniform(0.40, 0.47, n)).astype(np.int64)
            upper = (total * rng.uniform(0.07, 0.14, n)).astype(np.int64)
            meals = (primary * rng.uniform(0.6, 1.0, n)).astype(np.int64)
            transported = np.where(rng.random(n) < 0.4, rng.integers(0, 80, n), 0)
            buses = (transported + 24) // 25
            numbers = np.arange(start + 1, start + n + 1).astype(str)
            number = pa.array(numbers)

            def text(values) -> pa.Array:
                return pa.array(np.asarray(values).astype(str))

            table = pa.table(
                {
                    "bin": pc.utf8_lpad(text(bins[start : start + n]), 12, "0"),
                    "name_kk": pc.binary_join_element_wise("«№", number, " жалпы білім беретін мектеп» КММ", ""),
                    "name_ru": pc.binary_join_element_wise("КГУ «Общеобразовательная школа №", number, "»", ""),
                    "kato_code": kato.take(pa.array(rng.choice(len(districts), n, p=weights / weights.sum()))),
                    "ownership": pa.array(np.where(rng.random(n) < 0.95, "Государственная", "Частная")),
                    "language": pa.array(
                        rng.choice(["Казахский", "Русский", "Казахский, русский"], n, p=[0.6, 0.15, 0.25])
                    ),
                    "design_capacity": text((total * rng.uniform(0.7, 1.3, n)).astype(np.int64) + 1),
                    "pupils_grades_1_4": text(primary),
                    "pupils_grades_5_9": text(total - primary - upper),
                    "pupils_grades_10_11": text(upper),
                    "shifts": text(rng.choice([1, 2, 3], n, p=[0.45, 0.5, 0.05])),
                    "teachers": text(total // 11 + 1),
                    "pupils_free_meals": text(meals),
                    "meal_cost": text((meals * rng.uniform(35_000, 160_000, n)).astype(np.int64)),
                    "pupils_transported": text(transported),
                    "buses_in_service": text(buses),
                    "buses_leased": text(((buses > 0) & (rng.random(n) < 0.1)).astype(np.int64)),
                    "academic_year": pa.repeat(pa.scalar(academic_year), n),
                }
            )
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none"))
    return path
