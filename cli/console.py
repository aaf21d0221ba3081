"""The two consoles every command prints to: results on stdout, errors and progress on stderr."""

from rich.console import Console

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
