"""Train the Rasa model only when its inputs changed.

``rasa train`` fingerprints its inputs too, but it still spends ~30 s loading before it
decides; hashing the inputs ourselves makes a re-run of the start or test command
instant. The model is named after the hash, so the file itself says what it was
trained from.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
# Everything the trained model depends on: NLU components and what they read.
TRAINING_INPUTS = [
    "config.yml", "domain.yml", "data", "bot/nlu", "vntext/lexicon.py", "vntext/lexicon.yml",
    "vntext/normalise.py", "requirements/rasa.lock.txt",
]


def _input_files(paths: Iterable[str]) -> List[Path]:
    files: List[Path] = []
    for name in paths:
        path = ROOT / name
        if path.is_dir():
            files.extend(
                p for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".py", ".yml", ".yaml", ".txt"}
            )
        elif path.exists():
            files.append(path)
    return sorted(files)


def training_fingerprint() -> str:
    """Hash of every file that influences the trained model."""
    digest = hashlib.sha256()
    for path in _input_files(TRAINING_INPUTS):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def current_model() -> Path:
    """Path of the model trained from the current inputs (it may not exist yet)."""
    return MODELS_DIR / f"model-{training_fingerprint()}.tar.gz"


def main() -> int:
    model = current_model()
    if model.exists():
        print(f"[setup] Rasa model up to date: {model.name}", file=sys.stderr)
        return 0
    print(f"[setup] training Rasa model {model.name} (a few minutes)", file=sys.stderr)
    MODELS_DIR.mkdir(exist_ok=True)
    command = [
        str(Path(sys.executable).parent / "rasa"), "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(MODELS_DIR), "--fixed-model-name", model.name[: -len(".tar.gz")],
    ]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0 or not model.exists():
        print("[setup] ERROR: rasa train failed", file=sys.stderr)
        return 1
    for old in MODELS_DIR.glob("model-*.tar.gz"):
        if old != model:
            old.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
