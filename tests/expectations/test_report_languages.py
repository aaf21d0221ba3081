"""The gate report (the release's quality_report.md) reads in Kazakh, Russian and English: headings,
fixed text and each check's description and resolution in the reader's language. What is quoted from
the data or the system (dataset, column, file and command names, example rows, a database error) is
data, shown as written in code spans; the Kazakh and Russian sections have no other English word."""

from __future__ import annotations

from pathlib import Path

import yaml

from expectations.report import language_sections, render_markdown
from expectations.results import BatchInfo, CheckResult, GateReport, SuiteRun
from tests.expectations.test_check_texts import _suite_texts
from tests.latin_words import latin_words

CATALOGUE = Path(__file__).resolve().parents[2] / "expectations" / "catalogue" / "check_texts.yml"
# names of systems and schemas, formats and units that stay Latin in every language
PROPER = {"raw", "staging", "dbt", "Excel", "SQL", "UTC", "Great", "Expectations", "JSON", "SHA", "README"}


def _report() -> GateReport:
    """Every check text the suites write, half of them failing, on both layers; a raw suite with a
    first delivery, a baseline, an accepted volume change and a synthetic batch; one skipped suite."""
    texts = sorted(_suite_texts()[0]) + [
        "every row has its kato_code",
        "no delivery lost more than 50% of the rows of the delivery before it (a truncated or partial file)",
    ]
    results = [
        CheckResult(
            suite="raw_bns",
            dataset="raw.bns_cells" if i % 2 else "school_counts",
            expectation="unexpected_rows_expectation" if i % 7 == 0 else "expect_column_values_to_not_be_null",
            kwargs={"column": "kato_code"},
            severity="critical" if i % 3 else "warning",
            success=i % 2 == 0,
            observed={"exception": 'relation "candidate.school_counts" does not exist'}
            if i % 11 == 0
            else {"unexpected_count": 3},
            protects=text,
            resolve=text,
            layer="raw" if i % 2 else "published",
            examples=[{"_batch_id": 1, "_source_file": "number_of_schools.xlsx", "problem": "empty kato_code"}],
            batch_ids=[1, 2],
        )
        for i, text in enumerate(texts)
    ]
    batches = [
        BatchInfo(1, "number_of_schools.xlsx", "schools", 1380),
        BatchInfo(2, "number_of_schools_2.xlsx", "schools", 900, baseline_batch_id=1,
                  baseline_file="number_of_schools.xlsx", baseline_rows=1380,
                  volume_accepted="BNS now publishes the urban/rural split separately", is_synthetic=True),
    ]  # fmt: skip
    suites = [
        SuiteRun("raw_bns_dynamic", "raw", "raw.bns_dynamic_cells", 1.25, 12, batches),
        SuiteRun("raw_egov", "raw", "raw.egov_records", skipped="no loaded batch of source egov; nothing to check"),
        SuiteRun("published_school_counts", "published", "school_counts", 0.5, 9),
    ]
    return GateReport(7, "candidate", results, 12.5, suites=suites, layers=("raw", "published"))


def test_the_report_has_a_section_per_language_with_the_checks_in_that_language():
    report = _report()
    sections = language_sections(render_markdown(report))
    assert list(sections) == ["kk", "ru", "en"]
    catalogue = {e["en"]: e for e in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))}
    english = "every school is identified by its 12-digit BIN"
    assert english in catalogue and any(r.protects == english for r in report.results)
    for lang in ("kk", "ru"):
        assert catalogue[english][lang] in sections[lang] and english not in sections[lang]
    assert english in sections["en"]
    assert sections["ru"].startswith('<a id="ru"></a>\n\n# Отчёт проверки перед публикацией № 7: НЕ ПРОЙДЕНА')
    assert "## Жеткізілімдер (`raw` схемасы" in sections["kk"]
    assert "нет загруженных поставок источника `egov`; проверять нечего" in sections["ru"]
    assert "поставка 2 (`number_of_schools_2.xlsx`): 900 строк; базовая: поставка 1" in sections["ru"]
    assert "- **Что делать**:" in sections["ru"] and "- **Не істеу керек**:" in sections["kk"]
    assert "How to resolve" in sections["en"] and "How to resolve" not in sections["ru"]


def test_no_english_word_in_the_kazakh_or_russian_sections_outside_quoted_data():
    sections = language_sections(render_markdown(_report()))
    for lang in ("kk", "ru"):
        assert sorted(set(latin_words(sections[lang], PROPER))) == [], lang
    # the check can fail: the English section is full of English words
    assert {"checks", "passed", "resolve"} <= set(latin_words(sections["en"], PROPER))
