"""The territories of the synthetic world and their magnitudes at scale 1.

Each district's figures are set so that the regional totals match ``DOMAIN.md`` ("Realistic
magnitudes"): Almaty city ~350 schools (215 state), ~340k pupils in 8 districts of 30-60k;
Almaty oblast 464 schools in 2022/23 (51 urban, 413 rural), ~357k pupils in 9 districts and
Konaev; the ten territories that became Zhetysu oblast add 336 schools before 2022/23 (BNS: 800 →
464). Codes that changed over time come from :func:`ingest.territory_codes.code_changes`.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date

from ingest.territory_codes import KATO_CODES_SEED, SPLIT_DATE, code_changes

CITY = "750000000"
OBLAST = "190000000"
ZHETYSU = "330000000"


@dataclass(frozen=True)
class DistrictSpec:
    kato_code: str
    region_kato: str
    name_ru: str
    name_kk: str
    schools: int  # schools open in 2022/23 at scale 1 (Zhetysu: in 2021/22)
    state_schools: int
    urban_schools: int
    pupils_2023: int  # pupils in 2023/24 (Zhetysu territories: 2021/22)
    growth: float  # yearly growth of pupils
    lat: float
    lon: float
    valid_from: date | None = None


def _d(code, region, ru, kk, schools, state, urban, pupils, growth, lat, lon, valid_from=None) -> DistrictSpec:
    return DistrictSpec(code, region, ru, kk, schools, state, urban, pupils, growth, lat, lon, valid_from)


DISTRICTS: tuple[DistrictSpec, ...] = (
    # Almaty city: 350 schools, 215 state, ~341k pupils in 2023/24
    _d("751110000", CITY, "Алмалинский район", "Алмалы ауданы", 42, 25, 42, 32_000, 0.010, 43.251, 76.911),
    _d(
        "751210000",
        CITY,
        "Алатауский район",
        "Алатау ауданы",
        50,
        32,
        50,
        57_000,
        0.075,
        43.290,
        76.830,
        date(2008, 5, 13),
    ),
    _d("751310000", CITY, "Ауэзовский район", "Әуезов ауданы", 62, 40, 62, 60_000, 0.015, 43.222, 76.845),
    _d("751410000", CITY, "Бостандыкский район", "Бостандық ауданы", 58, 35, 58, 52_000, 0.020, 43.200, 76.905),
    _d("751510000", CITY, "Жетысуский район", "Жетісу ауданы", 30, 20, 30, 31_000, 0.020, 43.300, 76.930),
    _d("751710000", CITY, "Медеуский район", "Медеу ауданы", 40, 22, 40, 33_000, 0.015, 43.240, 76.980),
    _d(
        "751810000",
        CITY,
        "Наурызбайский район",
        "Наурызбай ауданы",
        25,
        14,
        25,
        30_000,
        0.090,
        43.180,
        76.800,
        date(2014, 7, 2),
    ),
    _d("751910000", CITY, "Турксибский район", "Түрксіб ауданы", 43, 27, 43, 45_000, 0.030, 43.330, 76.950),
    # Almaty oblast in current borders: 464 schools, 51 urban, ~357k pupils in 2023/24
    _d("191000000", OBLAST, "г. Конаев", "Қонаев қаласы", 13, 12, 13, 14_000, 0.030, 43.867, 77.068),
    _d("193600000", OBLAST, "Балхашский район", "Балқаш ауданы", 28, 28, 0, 5_500, -0.005, 44.810, 76.270),
    _d("194000000", OBLAST, "Енбекшиказахский район", "Еңбекшіқазақ ауданы", 80, 78, 10, 60_000, 0.020, 43.356, 77.450),
    _d("194200000", OBLAST, "Жамбылский район", "Жамбыл ауданы", 55, 54, 0, 30_000, 0.010, 43.220, 76.300),
    _d(
        "194400000",
        OBLAST,
        "Кегенский район",
        "Кеген ауданы",
        22,
        22,
        0,
        7_000,
        -0.005,
        43.020,
        79.220,
        date(2018, 3, 31),
    ),
    _d("195200000", OBLAST, "Карасайский район", "Қарасай ауданы", 70, 64, 13, 78_000, 0.050, 43.200, 76.620),
    _d("195800000", OBLAST, "Райымбекский район", "Райымбек ауданы", 32, 32, 0, 10_000, -0.005, 42.720, 80.170),
    _d("196200000", OBLAST, "Талгарский район", "Талғар ауданы", 60, 57, 12, 55_000, 0.035, 43.300, 77.240),
    _d("196600000", OBLAST, "Уйгурский район", "Ұйғыр ауданы", 40, 40, 0, 13_000, 0.000, 43.540, 79.470),
    _d("196800000", OBLAST, "Илийский район", "Іле ауданы", 64, 59, 3, 85_000, 0.055, 43.420, 77.020),
    # the territories that formed Zhetysu oblast on 8 June 2022 (in the world before 2022/23 only)
    _d("331000000", ZHETYSU, "г. Талдыкорган", "Талдықорған қаласы", 30, 27, 30, 28_000, 0.015, 45.017, 78.373),
    _d("331800000", ZHETYSU, "г. Текели", "Текелі қаласы", 6, 6, 6, 4_000, 0.000, 44.830, 78.820),
    _d("333200000", ZHETYSU, "Аксуский район", "Ақсу ауданы", 40, 40, 0, 7_000, -0.005, 45.390, 79.480),
    _d("333400000", ZHETYSU, "Алакольский район", "Алакөл ауданы", 50, 50, 0, 12_000, 0.000, 46.170, 80.940),
    _d("333600000", ZHETYSU, "Ескельдинский район", "Ескелді ауданы", 30, 30, 0, 8_000, 0.000, 44.910, 78.490),
    _d("334000000", ZHETYSU, "Кербулакский район", "Кербұлақ ауданы", 35, 35, 0, 9_000, 0.000, 44.360, 77.960),
    _d("334200000", ZHETYSU, "Коксуский район", "Көксу ауданы", 30, 30, 0, 8_000, 0.000, 44.890, 78.220),
    _d("334400000", ZHETYSU, "Каратальский район", "Қаратал ауданы", 30, 30, 0, 8_000, -0.005, 45.250, 77.980),
    _d("334600000", ZHETYSU, "Панфиловский район", "Панфилов ауданы", 50, 49, 0, 22_000, 0.010, 44.160, 80.000),
    _d("334800000", ZHETYSU, "Саркандский район", "Сарқан ауданы", 35, 35, 0, 7_000, -0.005, 45.410, 79.920),
)

BY_CODE = {d.kato_code: d for d in DISTRICTS}


def pre2022_code(code: str) -> str | None:
    """The code a current territory had before the 2022 split, when it differs."""
    for change in code_changes():
        if change.new_code == code and change.effective == SPLIT_DATE:
            return change.old_code
    return None


@functools.cache
def settlements() -> dict[str, tuple[str, ...]]:
    """District code → names of its towns and villages from the real KATO classifier (2022, the kato_codes seed)."""
    by_district: dict[str, list[str]] = {}
    prefixes = {d.kato_code[:4]: d.kato_code for d in DISTRICTS}
    with open(KATO_CODES_SEED, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code, name = row["kato_code"], row["name_ru"].strip()
            district = prefixes.get(code[:4])
            if district and name.startswith(("с.", "г.", "п.")) and code[-2:] == "00":
                by_district.setdefault(district, []).append(name.split(".", 1)[1].strip())
    return {k: tuple(dict.fromkeys(v)) for k, v in by_district.items()}
