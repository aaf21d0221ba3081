"""Two real releases with press claims and the Ministry of Finance series, delivered in two parts.

The real MinFin sample (``data/samples/minfin/local_budget_execution_education_2013-2023.csv``) is
split here, in the test's temporary folder (no derived file is committed): the editions of
2013-2022 are the first delivery, the editions of 2023 a second one, loaded after the first release.
The five real press articles are loaded before the first release. Each release is built the way
``release_scenario`` builds one (dbt, the real gate on the candidate's tables, the swap) and
exported with its portal.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SAMPLES, admin_url, drop_database, new_database
from tests.publication.release_scenario import build_and_publish

MINFIN = SAMPLES / "minfin" / "local_budget_execution_education_2013-2023.csv"
PRESS = sorted((SAMPLES / "press").glob("*.txt"))
BUILD_CLAIMS = [
    "build",
    "--select",
    "+pub_claims",
    "+pub_education_budget_annual",
    "+pub_territories",
    "--indirect-selection",
    "cautious",
]
SECOND_DELIVERY_FROM = "2023-01-01"  # editions from January 2023 on arrive later


@dataclass
class ClaimsScenario:
    url: str
    releases_dir: Path
    first: int
    second: int
    #: published tables right after the first release (claims, education_budget_annual)
    before: dict[str, list[dict]] = field(default_factory=dict)
    minfin_batches: list[int] = field(default_factory=list)

    def folder(self, release_id: int) -> Path:
        return self.releases_dir / f"r{release_id:06d}"


def split_minfin(tmp: Path) -> tuple[Path, Path]:
    """The real file in two deliveries of the same shape: earlier editions, then 2023's."""
    lines = MINFIN.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    earlier = [r for r in rows if r[:10] < SECOND_DELIVERY_FROM]
    later = [r for r in rows if r[:10] >= SECOND_DELIVERY_FROM]
    assert earlier and later and len(earlier) + len(later) == len(rows)
    first = tmp / "minfin_part1" / "local_budget_execution_education_2013-2022.csv"
    second = tmp / "minfin_part2" / "local_budget_execution_education_2023.csv"
    for path, part in ((first, earlier), (second, later)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + "".join(part), encoding="utf-8")
    return first, second


def published(url: str, table: str) -> list[dict]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(f"select * from published.{table}").fetchall()


@contextlib.contextmanager
def claims_releases(template_db: str, tmp: Path):
    from ingest.loader import load_file
    from ingest.registry import get_source
    from publication.release_files import export_release

    name = new_database(template_db, prefix="claims")
    env = {
        "EDU_WH_DATABASE_URL": admin_url(name),
        "EDU_WH_LANDING_DIR": str(tmp / "landing"),
        "EDU_WH_RELEASES_DIR": str(tmp / "releases"),
    }
    first_part, second_part = split_minfin(tmp)
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            for article in PRESS:
                load_file(get_source("press"), article)
            batches = [load_file(get_source("minfin"), first_part).batch_id]
            first = build_and_publish(env["EDU_WH_DATABASE_URL"], build=BUILD_CLAIMS).release_id
            export_release()
            before = {t: published(env["EDU_WH_DATABASE_URL"], t) for t in ("claims", "education_budget_annual")}
            batches.append(load_file(get_source("minfin"), second_part).batch_id)
            second = build_and_publish(env["EDU_WH_DATABASE_URL"], build=BUILD_CLAIMS).release_id
            export_release()
            yield ClaimsScenario(env["EDU_WH_DATABASE_URL"], tmp / "releases", first, second, before, batches)
    finally:
        drop_database(name)
