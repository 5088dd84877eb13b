"""Training and held-out evaluation for the bench: ours from scratch, the peer cached.

Both systems train on the same domain and data; only the config differs. The peer (DIET
and TED, 100 epochs each) takes minutes on two cores, so its model is cached under a hash of
its inputs together with the training time measured when it was built.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.request
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
RASA = Path(os.environ.get("VENV_BIN", str(ROOT / ".venv" / "bin"))) / "rasa"
HELDOUT = ROOT / "tests" / "nlu_heldout.yml"
# The project's held-out pass marks (tests/nlu/test_heldout.py): an nlu_fallback is a miss,
# entities count only with exact span, type and value.
PASS_INTENT_ACCURACY = 0.95
PASS_ENTITY_F1 = 0.90
Span = Tuple[str, int, int, str]


def _env(cache_dir: Path) -> Dict[str, str]:
    """Offline and quiet, with Rasa's training cache in ``cache_dir`` (never the project's)."""
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3", SQLALCHEMY_SILENCE_UBER_WARNING="1",
               RASA_CACHE_DIRECTORY=str(cache_dir))
    return env


def _run(cmd: List[str], env: Dict[str, str], log: Path) -> float:
    """Run ``cmd`` from the project root, its output to ``log``; seconds taken, or an error with the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        code = subprocess.call(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - started
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
        raise RuntimeError(f"{' '.join(cmd[:3])} failed ({code}); see {log}:\n{tail}")
    return elapsed


def inputs_hash(config: Path) -> str:
    """What a model depends on: Rasa's version, the config, the domain and every data file."""
    digest = hashlib.sha256(version("rasa").encode())
    for path in [config.resolve(), ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml"))]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train(config: Path, out_dir: Path, name: str, log: Path, keep_cache: bool = False) -> float:
    """Train from scratch (``--force``, empty cache) into ``out_dir/name.tar.gz``; seconds taken.

    With ``keep_cache`` Rasa's cache stays in ``out_dir/.cache-name`` for later runs to reuse.
    """
    cache = out_dir / f".cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    cmd = [str(RASA), "train", "--force", "--config", str(config), "--domain", "domain.yml", "--data", "data",
           "--out", str(out_dir), "--fixed-model-name", name]
    try:
        return _run(cmd, _env(cache), log)
    finally:
        if not keep_cache:
            shutil.rmtree(cache, ignore_errors=True)


def peer_model(config: Path, models_dir: Path, log: Path, retrain: bool = False) -> Dict[str, Any]:
    """The peer's model for the current data, trained now or reused; with its measured training time."""
    key = inputs_hash(config)
    model, meta = models_dir / f"peer-{key}.tar.gz", models_dir / f"peer-{key}.json"
    if not retrain and model.exists() and meta.exists():
        cached = json.loads(meta.read_text(encoding="utf-8"))
        return {"model": model, "train_s": cached["train_s"], "trained_at": cached["trained_at"], "cached": True}
    for stale in models_dir.glob("peer-*"):
        stale.unlink()
    print(f"==> training the peer (rasa init's config) from scratch: DIET and TED, a few minutes on 2 cores")
    seconds = train(config, models_dir, f"peer-{key}", log)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta.write_text(json.dumps({"train_s": seconds, "trained_at": stamp, "inputs": key}) + "\n", encoding="utf-8")
    return {"model": model, "train_s": seconds, "trained_at": stamp, "cached": False}


def no_retrain_check(work: Path, cache: Path, log: Path) -> Dict[str, Any]:
    """Run the project's own ``train_if_changed.sh`` twice: the second run must not train.

    This is what ``make train`` (and so ``make run``) calls; pointing it at a model path of
    the bench's own keeps models/ untouched. ``cache`` is the from-scratch run's Rasa cache.
    """
    model = work / "stamp-check" / "current.tar.gz"
    env = _env(cache)
    script = str(ROOT / "scripts" / "train_if_changed.sh")
    first = _run([script, str(RASA), str(model)], env, log.with_suffix(".first.log"))
    mtime = model.stat().st_mtime
    second = _run([script, str(RASA), str(model)], env, log)
    said = log.read_text(errors="replace")
    ok = "not retraining" in said and model.stat().st_mtime == mtime
    note = f"second run {second:.1f} s, {'no retraining' if ok else 'RETRAINED'} (first run {first:.1f} s)"
    return {"ok": ok, "first_s": first, "second_s": second, "note": note}


def evaluate_nlu(model: Path, out_dir: Path, log: Path) -> Optional[Dict[str, float]]:
    """Intent accuracy and macro-F1 on the held-out set with ``rasa test nlu``; None without the set."""
    if not HELDOUT.exists():
        print(f"    (no held-out set at {HELDOUT}: accuracy not measured)")
        return None
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = [str(RASA), "test", "nlu", "--model", str(model), "--nlu", str(HELDOUT), "--out", str(out_dir),
           "--no-plot", "--no-errors"]
    _run(cmd, _env(out_dir / ".cache"), log)
    report = json.loads((out_dir / "intent_report.json").read_text(encoding="utf-8"))
    return {"accuracy": report["accuracy"], "macro_f1": report["macro avg"]["f1-score"],
            "weighted_f1": report["weighted avg"]["f1-score"], "examples": report["macro avg"]["support"]}


def _heldout_cases() -> List[Tuple[str, str, Set[Span]]]:
    """(text, intent, entity spans) of every held-out example, read with Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get("intent"),
             {(e["entity"], e["start"], e["end"], e["value"]) for e in m.get("entities") or []})
            for m in load_data(str(HELDOUT)).intent_examples]


def served_pass_marks(base_url: str, token: str) -> Optional[Dict[str, Any]]:
    """The project's held-out figures, measured on the running server (``/model/parse``)."""
    if not HELDOUT.exists():
        return None
    hits = true_positive = predicted = gold = 0
    cases = _heldout_cases()
    for text, intent, spans in cases:
        request = urllib.request.Request(f"{base_url}/model/parse?token={token}", json.dumps({"text": text}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            parsed = json.loads(response.read())
        found = {(e["entity"], e["start"], e["end"], e["value"]) for e in parsed.get("entities") or []}
        hits += parsed["intent"]["name"] == intent
        true_positive, predicted, gold = true_positive + len(found & spans), predicted + len(found), gold + len(spans)
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = hits / len(cases) if cases else 0.0
    return {"intent_accuracy": accuracy, "entity_f1": f1, "examples": len(cases),
            "passed": accuracy >= PASS_INTENT_ACCURACY and f1 >= PASS_ENTITY_F1}
