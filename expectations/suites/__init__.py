"""One module per dataset, each defining SUITE."""
