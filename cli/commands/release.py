"""Release files for ministry staff and analysts: ``edu-wh export`` and ``edu-wh serve``."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.console import out
from edu_wh.errors import UserError

app = typer.Typer()


@app.command()
def export(
    release: Annotated[int | None, typer.Option("--release", help="Release id (default: the current release).")] = None,
) -> None:
    """Write a release's files (CSV, XLSX, Parquet, dictionary, changes, dbt docs, portal) to EDU_WH_RELEASES_DIR.

    A release that was exported before is left as it is.
    """
    from publication.release_files import export_release, release_folder

    existed = release is not None and release_folder(release).exists()
    folder = export_release(release)
    out.print(f"{'already exported' if existed else 'exported'}: {folder}")
    out.print(f"  portal: {folder / 'portal' / 'index.html'}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1.")] = 8000,
    release: Annotated[int | None, typer.Option("--release", help="Release id (default: the current one).")] = None,
) -> None:
    """Serve the current release's folder (portal and files) on http://127.0.0.1:PORT/ until Ctrl+C."""
    from publication.portal.server import make_server
    from publication.release_files import release_folder
    from publication.snapshot import current_release_id

    release_id = release if release is not None else current_release_id()
    if release_id is None:
        raise UserError("no release has been published yet", hint="run the pipeline (`edu-wh demo`) first")
    folder = release_folder(release_id)
    if not folder.is_dir():
        raise UserError(f"release {release_id} has not been exported to {folder}", hint="run `edu-wh export` first")
    try:
        server = make_server(folder, port)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", hint="choose another --port") from exc
    out.print(f"release {release_id}: http://127.0.0.1:{server.server_address[1]}/portal/index.html (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
