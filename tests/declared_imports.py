"""Which third-party packages the code imports directly, and whether requirements/*.in declares them.

Issue 17, item 5: a package imported directly is declared in the ``.in`` file of the
environment that runs the import, not only present because something else brings it. The
two environments (scripts/setup.sh):

- Rasa (``requirements/rasa.in``): the modules of ``bot/`` and ``tests/rasa/``, and any
  other module that imports Rasa itself (an evaluation command run with Rasa's Python);
- action server (``requirements/actions.in``): every other module of the repository.

Each of these modules counts with all its imports, also those inside functions; a module
of this repository it imports at module level counts with its module-level imports (its
imports inside functions belong to its own environment's code paths). Import names are
mapped to distributions with the running environment's metadata (``yaml`` -> PyYAML), so
``python -m tests.declared_imports`` run with either environment's Python checks that one.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", ".cache", "models", "results", "test-output"}
RASA_ROOTS = ("bot", "tests/rasa")
ENVIRONMENTS = ("rasa", "actions")


@lru_cache(maxsize=None)
def python_files() -> Tuple[Path, ...]:
    """Every Python file of the repository (not the environments, caches or browser test packages)."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in SKIP_DIRS]
        found += [Path(folder) / f for f in files if f.endswith(".py")]
    return tuple(sorted(found))


@lru_cache(maxsize=None)
def first_party() -> Set[str]:
    """Top-level names of this repository's packages and modules."""
    return {p.relative_to(ROOT).parts[0].removesuffix(".py") for p in python_files()}


@lru_cache(maxsize=None)
def imports(path: Path) -> Tuple[Tuple[str, bool], ...]:
    """(absolute module name, at module level) for each import of a file; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package[:-1]
    top_level = {id(node) for node in tree.body}
    # Imports under a module-level if/try (TYPE_CHECKING, fallbacks) count as module level.
    for node in tree.body:
        if isinstance(node, (ast.If, ast.Try)):
            top_level |= {id(child) for child in ast.walk(node)}
    found: List[Tuple[str, bool]] = []
    for node in ast.walk(tree):
        level = id(node) in top_level
        if isinstance(node, ast.Import):
            found += [(alias.name, level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            module = ".".join(part for part in (base, node.module or "") if part)
            found.append((module, level))
            found += [(f"{module}.{alias.name}", level) for alias in node.names]
    return tuple(found)


def module_file(module: str) -> Path | None:
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def third_party(module: str) -> bool:
    top = module.split(".")[0]
    return bool(top) and top not in first_party() and top not in sys.stdlib_module_names and top != "__future__"


def environment_of(path: Path) -> str:
    """The environment whose Python runs a module of the repository (as an entry of its own)."""
    relative = path.relative_to(ROOT).as_posix()
    if relative.startswith(tuple(f"{root}/" for root in RASA_ROOTS)):
        return "rasa"
    return "rasa" if any(name.split(".")[0] == "rasa" for name, _ in imports(path)) else "actions"


def imported_by(environment: str) -> Dict[str, Set[str]]:
    """Top-level third-party names the environment's code imports -> the files importing them."""
    roots = [p for p in python_files() if environment_of(p) == environment]
    used: Dict[str, Set[str]] = {}
    seen: Set[Path] = set()
    todo: List[Tuple[Path, bool]] = [(p, True) for p in roots]
    while todo:
        path, is_root = todo.pop()
        if path in seen and not is_root:
            continue
        seen.add(path)
        for name, module_level in imports(path):
            if third_party(name) and (is_root or module_level):
                used.setdefault(name.split(".")[0], set()).add(path.relative_to(ROOT).as_posix())
            elif module_level and name.split(".")[0] in first_party():
                target = module_file(name)
                if target is not None and target not in seen:
                    todo.append((target, False))
    return used


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(environment: str) -> Set[str]:
    """Distribution names an environment's ``.in`` file lists."""
    names = set()
    for line in (REQUIREMENTS / f"{environment}.in").read_text(encoding="utf-8").splitlines():
        requirement = line.split("#")[0].strip()
        if requirement:
            names.add(normalise(re.split(r"[\s<>=!~;\[]", requirement)[0]))
    return names


def providers(name: str, distributions: Dict[str, List[str]]) -> Set[str]:
    """Installed distributions providing a top-level import name (Rasa's wheel lists no top-level
    names: a distribution of the import's own name is taken then)."""
    found = {normalise(d) for d in distributions.get(name, [])}
    if not found:
        try:
            found = {normalise(distribution(name).metadata["Name"])}
        except PackageNotFoundError:
            pass
    return found


def undeclared(environment: str) -> Iterator[str]:
    """One line per directly imported package that the environment's ``.in`` file does not list."""
    distributions = packages_distributions()
    listed = declared(environment)
    for name, files in sorted(imported_by(environment).items()):
        providing = providers(name, distributions)
        if not providing:
            yield f"{name}: imported by {', '.join(sorted(files))} but not installed in this environment"
        elif not providing & listed:
            yield (f"{name}: imported by {', '.join(sorted(files))}; declare {' or '.join(sorted(providing))} "
                   f"in requirements/{environment}.in")


def main() -> int:
    environment = "rasa" if find_spec("rasa") is not None else "actions"
    problems = list(undeclared(environment))
    print("\n".join(problems) or f"every directly imported package is declared in requirements/{environment}.in")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
