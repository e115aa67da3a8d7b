"""Packages by responsibility: no module imports from a layer above its own, and no import cycle.

Issue 17, item 1. Every Python module of the repository belongs to the package named in
``LAYERS`` that is the longest prefix of its dotted name; a module may import modules of
its own package, or of packages in a lower layer, never of a package in its own layer or
above. Imports are read from the source (``ast``), also those inside functions: an import
deferred to run time is still a dependency. The layers, lowest first:

0. ``vntext``: Vietnamese text (folding, lexicon, personal-data masking, diacritics,
   shared reply wording); ``contentdir``: where the content is (the served copy, the
   repository's); used by everything and using nothing of the project;
1. ``knowledge``: retrieval and answering; ``bot.stores``: what the Rasa side keeps;
2. ``knowledge.build``: building the index; ``bot.nlu``, ``bot.channels``, ``bot.patches``:
   the NLU components, the channels and the serving patches;
3. ``bot``: serving, training and chatting commands; ``actions``: the action server;
4. ``staff``: the staff app; ``evaluation``: evaluation and benchmark commands;
5. ``tests``.
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", ".cache", "models", "results", "test-output"}

LAYERS: Tuple[Tuple[str, ...], ...] = (
    ("vntext", "contentdir"),
    ("knowledge", "bot.stores"),
    ("knowledge.build", "bot.nlu", "bot.channels", "bot.patches"),
    ("bot", "actions"),
    ("staff", "evaluation"),
    ("tests",),
)
LAYER_OF: Dict[str, int] = {package: level for level, packages in enumerate(LAYERS) for package in packages}

# Third-party imports a package must not make (the other environment's, or heavy ones).
FORBIDDEN_THIRD_PARTY: Dict[str, Set[str]] = {
    "vntext": {"rasa", "rasa_sdk", "tensorflow", "torch", "sentence_transformers", "faiss", "sanic"},
    "contentdir": {"rasa", "rasa_sdk", "tensorflow", "torch", "sentence_transformers", "faiss", "sanic"},
    "knowledge": {"rasa", "rasa_sdk", "tensorflow", "sanic"},
    "knowledge.build": {"rasa", "rasa_sdk", "tensorflow", "sanic"},
    "bot.stores": {"torch", "sentence_transformers", "faiss"},
    "bot.nlu": {"torch", "sentence_transformers", "faiss"},
    "bot.channels": {"torch", "sentence_transformers", "faiss"},
    "staff": {"rasa", "tensorflow"},
}


@lru_cache(maxsize=None)
def modules() -> Dict[str, Path]:
    """Dotted name -> file, for every Python file of the repository's packages."""
    found: Dict[str, Path] = {}
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIP_DIRS and not d.startswith("."))
        for name in files:
            if name.endswith(".py"):
                parts = (Path(folder) / name).relative_to(ROOT).with_suffix("").parts
                dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                found[dotted] = Path(folder) / name
    return found


def package_of(module: str) -> Optional[str]:
    """The longest package of ``LAYERS`` that ``module`` is, or lies in."""
    best = None
    for package in LAYER_OF:
        if (module == package or module.startswith(package + ".")) and (best is None or len(package) > len(best)):
            best = package
    return best


@lru_cache(maxsize=None)
def imports(module: str) -> Tuple[Tuple[str, int, bool], ...]:
    """(imported name, line, is this repository's module) for every import of a module, anywhere in it."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    known = modules()
    found: List[Tuple[str, int, bool]] = []

    def add(name: str, line: int) -> None:
        # The module itself when it is one of ours, else the nearest package of ours above it.
        candidate = name
        while candidate and candidate not in known:
            candidate = candidate.rpartition(".")[0]
        found.append((candidate, line, True) if candidate else (name, line, False))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            submodules = [f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in known]
            for name in submodules or [source]:
                add(name, node.lineno)
    return tuple(found)


def test_every_module_belongs_to_a_layer():
    lost = sorted(m for m in modules() if package_of(m) is None)
    assert not lost, f"modules outside every package of LAYERS (add their package to a layer): {lost}"


def test_no_module_imports_from_its_own_layer_or_above():
    wrong = []
    for module in sorted(modules()):
        own = package_of(module)
        for target, line, ours in imports(module):
            if not ours:
                continue
            other = package_of(target)
            if other is not None and other != own and LAYER_OF[other] >= LAYER_OF[own]:
                where = "above" if LAYER_OF[other] > LAYER_OF[own] else "beside"
                wrong.append(f"{modules()[module].relative_to(ROOT)}:{line}: {module} ({own}, layer "
                             f"{LAYER_OF[own]}) imports {target} ({other}, layer {LAYER_OF[other]}: {where} it)")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycle():
    graph = {m: sorted({t for t, _, ours in imports(m) if ours and t != m}) for m in modules()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_forbidden_third_party_imports():
    wrong = []
    for module in sorted(modules()):
        forbidden = FORBIDDEN_THIRD_PARTY.get(package_of(module) or "", set())
        for name, line, ours in imports(module):
            if not ours and name.split(".")[0] in forbidden:
                wrong.append(f"{modules()[module].relative_to(ROOT)}:{line}: {module} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_catch_an_upward_import_and_a_cycle():
    """The rules themselves, on made-up modules: an upward import and a cycle are found."""
    assert package_of("knowledge.build.index") == "knowledge.build"
    assert package_of("bot.stores.tracker_store") == "bot.stores" and package_of("bot.serve") == "bot"
    assert LAYER_OF["knowledge"] < LAYER_OF["knowledge.build"] < LAYER_OF["staff"]
    assert LAYER_OF["knowledge"] == LAYER_OF["bot.stores"], "siblings may not import each other"
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": ["b"], "b": []}) == []


def _cycles(graph: Dict[str, List[str]]) -> List[List[str]]:
    """One cycle (first module repeated at the end) per strongly connected component of two or more modules."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    components: List[List[str]] = []

    def visit(start: str) -> None:
        # Tarjan's algorithm without recursion: (node, iterator over its successors).
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph.get(successor, ()))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_a_cycle(graph, component) for component in sorted(components)]


def _a_cycle(graph: Dict[str, List[str]], component: List[str]) -> List[str]:
    """A closed path through the component's first module, for the message."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        node = path[-1]
        nexts = [n for n in graph.get(node, ()) if n in members]
        if start in nexts and len(path) > 1:
            return [*path, start]
        unvisited = [n for n in nexts if n not in seen]
        if not unvisited:  # dead end inside the component: fall back to listing it
            return [*component, start]
        path.append(unvisited[0])
        seen.add(unvisited[0])
