"""The one base class of the errors a user reads, and the exit statuses of the command line.

Every error that can reach the user derives from :class:`VeiligheidsanalyseError`: it carries the
exit status and a Dutch message naming the file, key or table and what was expected. The command
line maps it once (cli.py). Errors that never leave the module that raises them (control flow: a
deadline, a refused YAML node, a map that is not drawn) derive from ``Exception``; tests/test_errors.py
lists them with the reason.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_OK = 0
EXIT_CHAPTER_FAILED = 1  # a chapter (or the runner) failed: the report is incomplete
EXIT_INVALID = 2  # invalid configuration, partner input or command-line option: nothing was run
EXIT_DATA_UNAVAILABLE = 3  # the data policy cannot be met: nothing was run
EXIT_LOCKED = 4  # another run of the same configuration is busy


class VeiligheidsanalyseError(Exception):
    """An error the user reads: ``user_message()`` is Dutch and names the file, key or table;
    ``exit_code`` is the exit status of the command line (one of the EXIT_ constants)."""

    exit_code: ClassVar[int] = EXIT_CHAPTER_FAILED

    def user_message(self) -> str:
        """The text the command line prints (a subclass may put the kind of error in front)."""
        return str(self)
