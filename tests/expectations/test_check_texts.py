"""Every check's description and resolution exists in Kazakh, Russian and English
(expectations/catalogue/check_texts.yml), and the gate report shows them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from expectations.check_texts import text, untranslated

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
TEXT_ARGS = ("protects", "resolve", "what")


def _suite_texts() -> tuple[set[str], list[str]]:
    """Every protects / resolve text the suites and helpers write as a constant (or from module-level
    constants), read from the source; the f-strings over local values are returned as source."""
    texts, templates = set(), []
    for path in sorted(EXPECTATIONS.rglob("*.py")):
        module = importlib.import_module(".".join(path.relative_to(EXPECTATIONS.parent).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in TEXT_ARGS:
                try:
                    value = eval(compile(ast.Expression(node.value), str(path), "eval"), dict(vars(module)))  # noqa: S307
                except Exception:
                    templates.append(ast.unparse(node.value))
                    continue
                if isinstance(value, str):
                    texts.add(value)
            if isinstance(node, ast.FunctionDef):  # defaults of the shared helpers
                for arg, default in zip(reversed(node.args.kwonlyargs), reversed(node.args.kw_defaults), strict=False):
                    if arg.arg in TEXT_ARGS and isinstance(default, ast.Constant) and isinstance(default.value, str):
                        texts.add(default.value)
    return texts, templates


def test_every_constant_check_text_is_translated():
    texts, templates = _suite_texts()
    assert len(texts) > 200 and templates  # the suites were read
    assert untranslated(texts) == []


def test_texts_built_from_values_are_translated_through_templates():
    # Given: what the shared helpers write for a column, a grain, a volume limit or a dataset
    samples = [
        "every row has its kato_code",
        "every cell has its value_text, cell_ref",
        "one row per kato_code × academic_year (the table's stated grain)",
        "one row per cell within a delivery (the raw grain)",
        "no delivery lost more than 50% of the rows of the delivery before it (a truncated or partial file)",
        "no delivery grew by more than 300% against the delivery before it (a file appended twice, or another "
        "table delivered under the same name)",
        "school_counts is not empty and did not lose more than half its rows since the current release",
        "the checks of raw.bns_dynamic_cells can be prepared",
    ]
    # Then: none is left in English, and the values inside stay as written
    assert untranslated(samples) == []
    assert text("every row has its kato_code", "ru") == "в каждой строке заполнено `kato_code`"  # a name, as code
    assert text(samples[4], "kk").startswith("ешбір жеткізілім алдыңғы жеткізілімнің жолдарының 50%")
    assert text("a text no catalogue has", "ru") == "a text no catalogue has"
    assert untranslated(["a text no catalogue has"]) == ["a text no catalogue has"]
