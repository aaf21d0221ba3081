"""A cheaper stand-in for one slow dbt-common internal, applied before dbt runs in-process.

``dbt_common.behavior_flags.BehaviorFlagRendered._default_source`` names the module that defined a
behaviour flag by calling ``inspect.stack()``, which builds source context for every frame of the
stack; ``inspect.getmodule`` scans all of ``sys.modules`` for each frame whose file is not a module
(Jinja templates, ``-c`` scripts). In a long-lived process with Airflow, GX and dbt loaded (a
``dag.test()`` run, a Cosmos task, the test suite) that cost seconds per dbt invocation, on every
adapter registration. The replacement returns the same answer, the first calling module other than
``dbt_common.behavior_flags``, by walking ``frame.f_globals['__name__']``: no source reading, no scan.
"""

from __future__ import annotations

import sys

_applied = False


def _default_source() -> str:
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if name and name != "dbt_common.behavior_flags":
            return name
        frame = frame.f_back
    return "Unknown"


def apply() -> bool:
    """Idempotent; a no-op if dbt-common's internals moved (then dbt simply stays slower).
    True when the stand-in is in place (``tests/test_dbt_speedups.py`` checks it still applies to
    the locked dbt-common and answers as the original does)."""
    global _applied
    if _applied:
        return True
    try:
        from dbt_common.behavior_flags import BehaviorFlagRendered
    except ImportError:
        return False
    if not hasattr(BehaviorFlagRendered, "_default_source"):
        return False
    BehaviorFlagRendered._default_source = staticmethod(_default_source)
    _applied = True
    return True
