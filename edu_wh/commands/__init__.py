"""CLI commands grouped by area; each module registers its commands on ``edu_wh.cli.app``."""
