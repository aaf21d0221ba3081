"""``edu-wh claims``: candidate claims from new press articles, for review.

* ``edu-wh claims candidates [--out FILE] [--all]``: the candidates the last build proposed
  (``intermediate.int_claim_candidates_proposed``: body numbers of landed articles that no registry
  claim carries, classified by ``seeds/press_claim_rules.csv``) written to a CSV with an empty
  ``accept`` column; ``--all`` adds the numbers the rules could not classify (with their reason);
* ``edu-wh claims accept FILE``: the rows marked ``accept`` = yes become rows of
  ``seeds/press_claims_registry.csv`` (all or nothing; errors name the row and the reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.console import out
from edu_wh.config import settings
from edu_wh.errors import UserError
from ingest.press_candidates import accept_candidates, candidate_rows, write_candidates

claims_app = typer.Typer(no_args_is_help=True, help="Candidate claims from new press articles: review and accept.")
app = typer.Typer()
app.add_typer(claims_app, name="claims")

QUERY = "select * from intermediate.int_claim_candidates_proposed {where} order by source_document, char_start"


def read_candidates_from_warehouse(include_unclassified: bool) -> list[dict]:
    import psycopg
    from psycopg.rows import dict_row

    from edu_wh.warehouse import connect

    where = "" if include_unclassified else "where status = 'proposed'"
    try:
        with connect("transformer") as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(QUERY.format(where=where)).fetchall()
    except psycopg.errors.UndefinedTable as exc:
        raise UserError(
            "the candidate claims are not built yet (intermediate.int_claim_candidates_proposed)",
            hint="run `edu-wh transform` (or the transform_publish DAG) after landing the articles",
        ) from exc


@claims_app.command("candidates")
def candidates_command(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="CSV to write (default: EDU_WH_HOME/review/claim_candidates.csv).")
    ] = None,
    include_all: Annotated[
        bool, typer.Option("--all", help="Also the numbers the rules could not classify, with the reason.")
    ] = False,
) -> None:
    """Write the candidate claims of landed press articles to a CSV a reviewer edits."""
    rows = candidate_rows(read_candidates_from_warehouse(include_all))
    path = write_candidates(rows, out_file or settings().home / "review" / "claim_candidates.csv")
    proposed = sum(1 for r in rows if r["status"] == "proposed")
    out.print(
        f"{len(rows)} candidate claims ({proposed} classified) written to {path}; "
        "write yes in `accept` for each claim, then run `edu-wh claims accept` on the file",
        highlight=False,
        markup=False,
    )


@claims_app.command("accept")
def accept_command(
    file: Annotated[Path, typer.Argument(help="The reviewed candidates CSV.", exists=True, dir_okay=False)],
) -> None:
    """Append the accepted candidates to the claims registry (seeds/press_claims_registry.csv)."""
    accepted = accept_candidates(file)
    if not accepted:
        out.print(f"{file}: no row has `accept` = yes; the registry is unchanged", highlight=False, markup=False)
        return
    ids = ", ".join(r["claim_id"] for r in accepted)
    out.print(
        f"{len(accepted)} claims added to the registry: {ids}; the next build checks them against official figures",
        highlight=False,
        markup=False,
    )
