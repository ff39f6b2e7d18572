"""Size limits on what ingest reads: `[limits]` in config/validation.toml.

A submitted file or cell beyond them is refused with a finding before it is read, so a huge or
hostile file cannot exhaust the machine, and a cell holding a whole document is not quoted into
the fix list.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from flows.settings import DEFAULT_PLAUSIBILITY


@dataclass(frozen=True)
class IngestLimits:
    # A national submission's largest file (a million project rows) is about 150 MB as CSV.
    max_file_bytes: int = 512 * 2**20
    # The longest real value is an enterprise's or project's name, or a zone's list of
    # leading industries: a few hundred characters.
    max_cell_chars: int = 2000


def load_limits(path: Path | None = None) -> IngestLimits:
    """The `[limits]` table (`max_file_mb`, `max_cell_chars`); absent keys keep the defaults."""
    path = path or DEFAULT_PLAUSIBILITY
    with path.open("rb") as fh:
        table = tomllib.load(fh).get("limits", {})
    defaults = IngestLimits()
    problems = []
    values: dict[str, int] = {}
    for key, field_name, scale in (("max_file_mb", "max_file_bytes", 2**20),
                                   ("max_cell_chars", "max_cell_chars", 1)):
        if key not in table:
            values[field_name] = getattr(defaults, field_name)
            continue
        value = table[key]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append(f"[limits] {key} 应为正整数，现为 {value!r}")
            continue
        values[field_name] = value * scale
    if problems:
        raise ValueError(f"{path}：" + "；".join(problems))
    return IngestLimits(**values)
