"""`make review`: read the tracker store, write reports/review/{index.html,review.json,candidates.yml}."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from actions.content_store import DEFAULT_CONTENT_DIR, YamlContentStore
from newsroom import candidates, page
from newsroom.outcomes import classify
from newsroom.review import Period, build
from newsroom.tracker_events import ROOT, StoreSettings, read_conversations

DEFAULT_OUT = ROOT / "reports" / "review"


def write_review(
    settings: StoreSettings,
    period: Period = Period(),
    out_dir: Path = DEFAULT_OUT,
    content_dir: Path = DEFAULT_CONTENT_DIR,
) -> Dict[str, Any]:
    """Build the review and write its three files; returns review.json's data.

    Raises TrackerStoreError (store unreadable) or ContentError (content invalid).
    """
    store = YamlContentStore.load(content_dir)
    turns = classify(store, read_conversations(settings, since=period.start()))
    review = build(turns, store, period, settings.describe())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "review.json").write_text(json.dumps(review, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "candidates.yml").write_text(candidates.render(review), encoding="utf-8")
    (out_dir / "index.html").write_text(page.render(review, store.source.title), encoding="utf-8")
    return review
