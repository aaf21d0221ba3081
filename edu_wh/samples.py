"""The real sample files shipped in ``data/samples/`` and the source each one belongs to."""

from __future__ import annotations

import shutil
from pathlib import Path

from edu_wh.config import REPO_ROOT, settings

SAMPLES_DIR = REPO_ROOT / "data" / "samples"

#: (source name, path inside data/samples)
SAMPLE_FILES: list[tuple[str, str]] = [
    ("bns_dynamic", "bns/number_of_schools_by_region_2000-2023_ru.xlsx"),
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
