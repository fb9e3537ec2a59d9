"""What the drafter could not place: sentences for a clerk to read, in Vietnamese, with their line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewItem:
    line: int | None
    text: str
    reason: str

    def __str__(self) -> str:
        where = f"dòng {self.line}" if self.line else "toàn văn bản"
        return f"{where}: {self.reason} — “{self.text}”"
