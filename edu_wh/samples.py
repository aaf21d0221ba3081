"""The real sample files shipped in ``data/samples/`` and the source each one belongs to."""

from __future__ import annotations

import shutil
from pathlib import Path

from edu_wh.config import REPO_ROOT, settings

SAMPLES_DIR = REPO_ROOT / "data" / "samples"

#: (source name, path inside data/samples)
SAMPLE_FILES: list[tuple[str, str]] = [
    ("bns_dynamic", "bns/number_of_schools_by_region_2000-2023_ru.xlsx"),
    ("bns_bulletin", "bns/education_organisations_finance_2022_kk.xls"),
    ("press", "press/000_777fe5ec4f1dc065.txt"),
    ("press", "press/001_b279a0ff9310ff50.txt"),
    ("press", "press/002_9ee41739a39bfc2b.txt"),
    ("press", "press/003_97ac62daf8c75279.txt"),
    ("press", "press/004_5ed07df8b3c5f9b6.txt"),
    # the full classifier is the reference; the derived Almaty extract is a subset of it (tests only)
    ("kato", "reference/kato_2022-10-17_full_ru.csv"),
]


def stage_samples(landing_dir: Path | None = None) -> list[Path]:
    """Copy the real samples into ``landing/<source>/`` (unchanged files are left alone)."""
    landing_dir = landing_dir or settings().landing_dir
    staged = []
    for source, relative in SAMPLE_FILES:
        src = SAMPLES_DIR / relative
        target = landing_dir / source / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != src.read_bytes():
            shutil.copyfile(src, target)
        staged.append(target)
    return staged
