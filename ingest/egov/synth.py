"""Render the synthetic world as data.egov.kz would serve it: the fake's fixture files.

``render(world, out_dir)`` writes ``out_dir/_publisher_api/egov/<dataset>__<version>.json`` for
``state_schools``, ``private_schools`` and ``state_kindergartens``, records in the portal's shape
(shapefile-truncated field names, Russian region and district names, ``modified`` timestamps).

The registers cover Almaty city and Almaty oblast (current borders), open schools only. Each
record has **versions**, so an incremental fetch has something to find:

* a school's first version is published in September-October of the second-to-last academic year
  of the world, with that year's pupils;
* about a quarter of the schools (chosen by a hash of the school id), and every school first
  counted in the last academic year, get a later version in September-October of the last year,
  with the last year's pupils;
* kindergartens opened before the last year are published with the first wave; a quarter of them
  are re-saved (same content, later ``modified``) in the second wave, as the portal does when a
  register is re-exported; those opened in the last year appear only in the second wave.

Deterministic: the same world gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

from ingest.egov.datasets import DATASETS
from ingest.synth.world import District, Kindergarten, School, World

REGION_NAMES_RU = {"750000000": "город Алматы", "190000000": "Алматинская область"}
LANGUAGE_RU = {"kk": "казахский", "ru": "русский", "kk_ru": "казахский, русский"}
SPREAD = timedelta(days=45)


def _hash(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def stamp(start_year: int, key: str, wave: str) -> str:
    """A deterministic ``modified`` between 1 September and mid-October of ``start_year``."""
    moment = datetime(start_year, 9, 1, 8, 0, 0) + timedelta(seconds=_hash(key, wave) % int(SPREAD.total_seconds()))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _start_year(academic_year: str) -> int:
    return int(academic_year[:4])


def _in_scope(district: District | None) -> bool:
    return district is not None and district.region_kato in REGION_NAMES_RU


def _school_record(number: int, school: School, district: District) -> dict:
    return {
        "id": number,
        "bin": school.bin,
        "name_ru": school.name_ru,
        "name_kz": school.name_kk,
        "region_nam": REGION_NAMES_RU[district.region_kato],
        "district_n": district.name_ru,
        "language": LANGUAGE_RU.get(school.language, school.language),
        "student_co": None,
        "establish_": school.opened_year,
        "sdu_load_i": school.design_capacity,
        "lat": round(school.lat, 6),
        "long": round(school.lon, 6),
        "modified": None,
    }


def school_records(world: World, ownership: str) -> list[dict]:
    districts = {d.kato_code: d for d in world.districts}
    years = sorted(world.academic_years)
    last = years[-1]
    previous = years[-2] if len(years) > 1 else last
    pupils = {(sy.school_id, sy.academic_year): sy.pupils_total for sy in world.school_years}
    schools = sorted(
        (
            s
            for s in world.schools
            if s.ownership == ownership and s.closed_year is None and _in_scope(districts.get(s.district_kato))
        ),
        key=lambda s: s.school_id,
    )
    records = []
    for number, school in enumerate(schools, start=1):
        base = _school_record(number, school, districts[school.district_kato])
        first = (school.school_id, previous) in pupils and previous != last
        if first:
            records.append(
                base
                | {
                    "student_co": pupils[(school.school_id, previous)],
                    "modified": stamp(_start_year(previous), school.school_id, "first"),
                }
            )
        if (school.school_id, last) in pupils and (not first or _hash(school.school_id, "update") % 4 == 0):
            records.append(
                base
                | {
                    "student_co": pupils[(school.school_id, last)],
                    "modified": stamp(_start_year(last), school.school_id, "update"),
                }
            )
    return records


def kindergarten_records(world: World) -> list[dict]:
    districts = {d.kato_code: d for d in world.districts}
    years = sorted(world.academic_years)
    last_start = _start_year(years[-1])
    previous_start = _start_year(years[-2]) if len(years) > 1 else last_start
    gardens: list[Kindergarten] = sorted(
        (k for k in world.kindergartens if _in_scope(districts.get(k.district_kato))), key=lambda k: k.kindergarten_id
    )
    records = []
    for number, garden in enumerate(gardens, start=1):
        district = districts[garden.district_kato]
        base = {
            "id": number,
            "name_ru": garden.name_ru,
            "name_kz": garden.name_kk,
            "region_nam": REGION_NAMES_RU[district.region_kato],
            "district_n": district.name_ru,
            "places_cou": garden.places,
            "children_c": garden.children,
            "establish_": garden.opened_year,
            "lat": round(garden.lat, 6),
            "long": round(garden.lon, 6),
        }
        early = garden.opened_year <= previous_start and previous_start != last_start
        if early:
            records.append(base | {"modified": stamp(previous_start, garden.kindergarten_id, "first")})
        if not early or _hash(garden.kindergarten_id, "resave") % 4 == 0:
            records.append(base | {"modified": stamp(last_start, garden.kindergarten_id, "update")})
    return records


def _write(path: Path, dataset: str, version: str, records: list[dict]) -> Path:
    records = sorted(records, key=lambda r: (r["modified"], r["id"]))
    head = json.dumps({"dataset": dataset, "version": version}, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    path.write_text(f'{head}, "records": [\n{lines}\n]}}\n', encoding="utf-8")
    return path


def render(world: World, out_dir: Path) -> list[Path]:
    """Write the fake data.egov.kz's fixtures for ``world``; returns the files written."""
    folder = Path(out_dir) / "_publisher_api" / "egov"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for ds in DATASETS:
        if ds.entity == "school":
            records = school_records(world, ds.ownership)
        else:
            records = kindergarten_records(world)
        written.append(_write(folder / f"{ds.dataset}__{ds.version}.json", ds.dataset, ds.version, records))
    return written
