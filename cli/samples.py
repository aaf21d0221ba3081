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


# --- the synthetic drop (generated, never committed) -------------------------------------------

SYNTHETIC_SCALE = 1
SYNTHETIC_SEED = 2023
#: networked sources whose publisher the demo replaces by a fake serving the synthetic world
FAKED_PUBLISHERS = ("egov", "budget")


def synthetic_drop_dir(scale: int = SYNTHETIC_SCALE) -> Path:
    return settings().home / "synthetic" / f"scale-{scale}"


def ensure_synthetic_drop(scale: int = SYNTHETIC_SCALE, seed: int = SYNTHETIC_SEED) -> Path:
    """Write the generator's drop once (``edu-wh synth``); an identical complete drop is reused."""
    import json

    from ingest.loader import SYNTHETIC_MARKER
    from ingest.synth.drop import write_drop
    from ingest.synth.world import GENERATOR_VERSION

    drop = synthetic_drop_dir(scale)
    marker = drop / SYNTHETIC_MARKER
    if marker.exists():
        meta = json.loads(marker.read_text(encoding="utf-8"))
        if meta.get("complete") and (meta.get("scale"), meta.get("seed"), meta.get("generator_version")) == (
            scale,
            seed,
            GENERATOR_VERSION,
        ):
            return drop
    write_drop(drop, scale, seed)
    return drop


def stage_synthetic(drop: Path, landing_dir: Path | None = None) -> list[Path]:
    """Land the drop's file sources in ``landing/<source>/synthetic-<drop>/`` (with the synthetic
    marker beside them) and mark the landing folders of the faked publishers as synthetic: in the
    demo, everything fetched from data.egov.kz and the budget portal comes from the fakes."""
    from ingest.loader import SYNTHETIC_MARKER

    landing_dir = landing_dir or settings().landing_dir
    marker = drop / SYNTHETIC_MARKER
    staged = []
    for source_dir in sorted(p for p in drop.iterdir() if p.is_dir() and not p.name.startswith("_")):
        target_dir = landing_dir / source_dir.name / f"synthetic-{drop.name}"
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(marker, target_dir / SYNTHETIC_MARKER)
        for src in sorted(p for p in source_dir.rglob("*") if p.is_file()):
            target = target_dir / src.relative_to(source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != src.read_bytes():
                shutil.copyfile(src, target)
            staged.append(target)
    for source in FAKED_PUBLISHERS:
        folder = landing_dir / source
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SYNTHETIC_MARKER).write_text(
            '{"note": "fetched from the fake publisher serving the synthetic world (make demo)"}\n', encoding="utf-8"
        )
    return staged


def publisher_fixtures(drop: Path) -> Path:
    """The folder the fake publishers serve (``drop/_publisher_api``'s parent)."""
    return drop
