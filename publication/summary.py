"""A short text summary of the current release: what `make demo` prints at the end."""

from __future__ import annotations

from publication.headlines import headline_figures


def release_summary() -> str:
    from edu_wh.warehouse import connect

    with connect("analyst", autocommit=True) as conn:
        rel = conn.execute(
            "select release_id, published_at, row_counts, gate_summary, content_hash, "
            "(select count(*) from meta.releases where status <> 'dropped') "
            "from meta.releases where status = 'current'"
        ).fetchone()
        if not rel:
            return "no release has been published yet"
        release_id, published_at, counts, gate, content_hash, kept = rel
        unchanged = conn.execute(
            "select message from meta.events where kind = 'publish' order by event_id desc limit 1"
        ).fetchone()
        lines = [
            f"[bold]release {release_id}[/bold] published {published_at:%Y-%m-%d %H:%M:%S} UTC "
            f"(content {content_hash[:12]}, {kept} release(s) kept for rollback)"
        ]
        if unchanged and "nothing published" in unchanged[0]:
            lines.append(f"  this run: {unchanged[0]}")
        if gate:
            lines.append(
                f"  gate: {gate.get('expectations')} checks, {gate.get('critical_failed')} critical failures, "
                f"{gate.get('warnings_failed')} warnings; report {gate.get('report')}"
            )
        from publication.release_files import release_folder

        folder = release_folder(release_id)
        if (folder / "manifest.json").exists():
            lines.append(f"  files: {folder} (Excel, CSV, Parquet, data dictionary, CHANGES.md)")
            lines.append(f"  portal: {folder / 'portal' / 'index.html'}  (or `edu-wh serve`)")
        else:
            lines.append(f"  files: not written yet; `edu-wh export` writes them to {folder}")
        for table, rows in sorted(counts.items()):
            lines.append(f"  published.{table:<28} {rows:>8,} rows")
        from rich.markup import escape

        figures = headline_figures(conn)
        if figures:
            lines.append("  headline figures:")
            for fig in figures:
                mark = "SYNTHETIC" if fig["is_synthetic"] else "real"
                # escaped: the summary is printed as rich markup, and "[synthetic generator …]" would read as a tag
                lines.append(escape(f"    {fig['label_en']}: {fig['display']}  ({mark}) [{fig['source']}]"))
    return "\n".join(lines)
