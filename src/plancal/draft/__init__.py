"""Drafting a plan file from the text of a kế hoạch (Word, PDF or plain text).

``draft_document(path, directory=None) -> Draft`` is the entry point for flows and the CLI.
"""

from __future__ import annotations

from plancal.draft.drafter import Draft, draft_document, draft_text
from plancal.draft.review import ReviewItem

__all__ = ["Draft", "ReviewItem", "draft_document", "draft_text"]
