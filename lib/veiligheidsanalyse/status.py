"""What a run's store rests on (``status.json`` next to the observations), without pandas.

Kept apart from :mod:`.data` so that the runner can write and read a store's status without
importing pandas (an unchanged re-run takes its store from the cache and never needs pandas).
``veiligheidsanalyse.data.DataStatus`` is this class.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataStatus:
    """What a store rests on: demo data, stale snapshots, the snapshots themselves."""

    demo: bool
    stale: bool
    messages: tuple[str, ...]
    snapshots: dict
    inputs_missing: tuple[str, ...] = ()
    inputs: dict = field(default_factory=dict)  # partner file (relative path) -> sha256

    @classmethod
    def from_json(cls, data: dict) -> "DataStatus":
        return cls(demo=bool(data.get("demo")), stale=bool(data.get("stale")),
                   messages=tuple(data.get("messages", ())), snapshots=dict(data.get("snapshots", {})),
                   inputs_missing=tuple(data.get("inputs_missing", ())), inputs=dict(data.get("inputs", {})))

    def to_json(self) -> dict:
        return {"demo": self.demo, "stale": self.stale, "messages": list(self.messages),
                "snapshots": self.snapshots, "inputs_missing": list(self.inputs_missing), "inputs": self.inputs}
