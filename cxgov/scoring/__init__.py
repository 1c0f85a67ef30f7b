"""Pure scoring of CX maturity self-assessments: plain data in, plain data out."""

from __future__ import annotations

from cxgov.scoring.engine import (
    Answer,
    CycleResult,
    DimensionResult,
    PracticeResult,
    consolidate,
    history_table,
    index_from_level,
    score_cycle,
    weighted_mean,
)

__all__ = [
    "Answer",
    "CycleResult",
    "DimensionResult",
    "PracticeResult",
    "consolidate",
    "history_table",
    "index_from_level",
    "score_cycle",
    "weighted_mean",
]
