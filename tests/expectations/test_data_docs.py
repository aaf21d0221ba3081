"""GX's Data Docs of a gate run: rendered from the run's validations, and opened offline."""

from __future__ import annotations

import re

import pytest

from expectations.data_docs import fetched_urls, write_data_docs


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Data Docs of two GX validations, one passing and one failing (GX's own objects, no warehouse)."""
    import great_expectations as gx
    import pandas as pd

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    batch = (
        context.data_sources.add_pandas("frames")
        .add_dataframe_asset("rows")
        .add_batch_definition_whole_dataframe("all")
    )
    for name, column in (("published.passing (values)", [1, 2]), ("raw.failing (values)", [1, None])):
        suite = context.suites.add(gx.ExpectationSuite(name=name))
        suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="x"))
        validation = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        validation.run(batch_parameters={"dataframe": pd.DataFrame({"x": column})})
    directory = tmp_path_factory.mktemp("docs") / "data_docs"
    return directory, write_data_docs(context, directory)


def test_the_index_lists_each_validation_with_its_outcome(site):
    directory, index = site
    html = index.read_text(encoding="utf-8")
    # the index's table data: each validation's suite and its outcome, as GX writes them
    outcomes = dict(
        re.findall(r"'_expectation_suite_name_sort': '([^']+)'.*?'_validation_success_text': '(\w+)'", html)
    )
    assert outcomes == {"published.passing (values)": "Success", "raw.failing (values)": "Failed"}
    assert len(list((directory / "validations").rglob("*.html"))) == 2


def test_the_pages_fetch_nothing_from_the_network(site):
    directory, _ = site
    # every stylesheet, script and image is a file of the site (GX's templates name CDNs)
    assert fetched_urls(directory) == set()
    for page in directory.rglob("*.html"):
        for ref in re.findall(r'<(?:link|script)\b[^>]*?(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            assert (page.parent / ref).resolve().is_file(), (page, ref)
