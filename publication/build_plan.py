"""What the next release must rebuild, and what it carries over from the current one.

A release is built from the raw deliveries its ``meta.releases.input_batches`` lists. The next
build compares that list with the batches ``loaded`` now (a new delivery adds a batch; a withdrawal
or a reload of the same file removes one), source by source:

* ``nothing``: no source changed, the dbt project is the one the release was built with: there is
  nothing to build, check or publish;
* ``incremental``: only some sources changed: dbt builds ``source:<source>.<raw table>+`` for each
  (the models downstream of the changed raw tables, and their tests); every other published table
  is carried over from the current release into ``candidate`` (``publication.swap.carry_over``: a
  view on it until the swap moves the table itself in) before dbt runs, so tests and cross-table
  checks see the whole next release;
* ``full``: everything is built (no current release; the dbt project, or the set of published
  tables, changed; a source without a dbt source; or a full build was asked for).

The plan is a plain dict between Airflow tasks (``BuildPlan.as_dict`` / ``from_dict``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

CANDIDATE_SCHEMA = "candidate"
RAW_SCHEMA = "raw"


@dataclass
class BuildPlan:
    mode: str  # nothing | incremental | full
    reason: str
    changed_sources: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)  # dbt selectors (empty: the whole project)
    rebuild_tables: list[str] = field(default_factory=list)  # candidate tables dbt builds
    carry_tables: list[str] = field(default_factory=list)  # candidate tables carried over from the release
    current_release: int | None = None
    input_batch_ids: list[int] = field(default_factory=list)  # the loaded batches the plan saw

    @property
    def select_arg(self) -> str | None:
        """The ``--select`` value for dbt (``None``: everything)."""
        return " ".join(self.select) if self.mode == "incremental" else None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> BuildPlan:
        if not data:
            return cls("full", "no build plan was given")
        return cls(**data)

    def describe(self) -> str:
        if self.mode == "nothing":
            return f"nothing to build: {self.reason}"
        if self.mode == "full":
            return f"full build: {self.reason}"
        return (
            f"incremental build of {', '.join(self.changed_sources)} ({self.reason}): rebuild "
            f"{', '.join(self.rebuild_tables) or 'no published table'}; carry over "
            f"{', '.join(self.carry_tables) or 'nothing'} from release {self.current_release}"
        )


def read_manifest(path: Path) -> dict:
    if not path.exists():
        from edu_wh.errors import UserError

        raise UserError(f"{path} is missing", hint="build it with `make manifest` (dbt parse)")
    return json.loads(path.read_text(encoding="utf-8"))


def published_models(manifest: dict) -> dict[str, str]:
    """unique_id → table name of every model built into ``candidate`` (the published contract)."""
    return {
        uid: node["alias"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == CANDIDATE_SCHEMA
    }


def raw_sources(manifest: dict) -> dict[str, str]:
    """raw table name → dbt source unique_id (``source.<project>.<source>.<table>``)."""
    return {node["identifier"]: uid for uid, node in manifest["sources"].items() if node["schema"] == RAW_SCHEMA}


def downstream(manifest: dict, roots: list[str]) -> set[str]:
    """Every node reachable from ``roots`` in dbt's child map (the roots excluded)."""
    children = manifest["child_map"]
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def changed_sources(release_batches: list[dict], loaded: list[tuple[str, int]]) -> list[str]:
    """Sources whose set of loaded batches differs from the set the release was built from."""
    before: dict[str, set[int]] = {}
    for batch in release_batches:
        before.setdefault(batch["source"], set()).add(int(batch["batch_id"]))
    now: dict[str, set[int]] = {}
    for source, batch_id in loaded:
        now.setdefault(source, set()).add(int(batch_id))
    return sorted(s for s in set(before) | set(now) if before.get(s, set()) != now.get(s, set()))


def planning_basis(conn, release_id: int, input_batches, dbt_hash: str | None) -> tuple[list, str | None]:
    """The batches and dbt project the current release is known to come from: those it was built
    from, or those of the latest build that reproduced it exactly (a candidate identical to the
    release is not published again, ``publication.swap.publish``). Without this, a new dbt project or
    a file loaded again that changes no published row would rebuild everything on every run."""
    latest = conn.execute(
        "select details -> 'input_batches', details ->> 'dbt_project_hash' from meta.events "
        "where kind = 'publish' and (details ->> 'reproduced_release')::bigint = %s order by event_id desc limit 1",
        (release_id,),
    ).fetchone()
    return (latest[0], latest[1]) if latest else (input_batches, dbt_hash)


def plan_build(conn, manifest: dict, *, full: bool = False, dbt_project_hash: str | None = None) -> BuildPlan:
    """Decide the next build from the current release, the loaded batches and the manifest.

    The plan keeps the ids of the batches loaded when it was made (``input_batch_ids``): the release
    records those as its inputs, so a batch loaded while the build runs counts as new next time."""
    from ingest.registry import SOURCE_MODULES, get_source

    loaded = conn.execute("select source, batch_id from meta.load_batches where status = 'loaded'").fetchall()
    ids = sorted(int(batch_id) for _, batch_id in loaded)
    current = conn.execute(
        "select release_id, table_hashes, input_batches, dbt_project_hash from meta.releases where status = 'current'"
    ).fetchone()
    if current is None:
        return BuildPlan("full", "there is no current release", input_batch_ids=ids)
    release_id, table_hashes, input_batches, release_dbt_hash = current
    input_batches, release_dbt_hash = planning_basis(conn, release_id, input_batches, release_dbt_hash)

    def full_build(reason: str, **more) -> BuildPlan:
        return BuildPlan("full", reason, current_release=release_id, input_batch_ids=ids, **more)

    if full:
        return full_build("a full build was asked for")
    if dbt_project_hash is not None and dbt_project_hash != release_dbt_hash:
        return full_build(f"the dbt project changed since release {release_id} was built")
    tables = published_models(manifest)
    if set(tables.values()) != set(table_hashes or {}):
        return full_build(f"the published tables differ from release {release_id}'s")
    changed = changed_sources(input_batches or [], loaded)
    if not changed:
        return BuildPlan(
            "nothing",
            f"no batch was loaded or withdrawn since release {release_id}",
            current_release=release_id,
            input_batch_ids=ids,
        )
    by_raw_table = raw_sources(manifest)
    roots = []
    for name in changed:
        raw_table = get_source(name).raw_table.name if name in SOURCE_MODULES else None
        if raw_table not in by_raw_table:
            return full_build(
                f"source {name} changed and no dbt source reads it as raw.{raw_table}", changed_sources=changed
            )
        roots.append(by_raw_table[raw_table])
    affected = downstream(manifest, roots)
    rebuild = sorted(table for uid, table in tables.items() if uid in affected)
    return BuildPlan(
        "incremental",
        f"new or withdrawn batches since release {release_id}",
        changed_sources=changed,
        select=[
            f"source:{manifest['sources'][uid]['source_name']}.{manifest['sources'][uid]['name']}+" for uid in roots
        ],
        rebuild_tables=rebuild,
        carry_tables=sorted(set(tables.values()) - set(rebuild)),
        current_release=release_id,
        input_batch_ids=ids,
    )
