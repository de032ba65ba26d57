"""Everything below the UI works without Qt: scriptable and testable on a machine without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Importing a module mapped to None raises ImportError: this is Python without PyQt6/pyqtgraph.
SCRIPT = """
import sys
for name in ("PyQt6", "pyqtgraph"):
    sys.modules[name] = None
import numpy as np
import filters, editor.acquisition, editor.plugins.registry
from editor import Document, open_image, export_image
doc = Document.from_image(sys.argv[1])
doc.add_adjustment("levels", midtone=0.4)
out = doc.render(scale=0.5)
assert out.dtype == np.float32 and np.isfinite(out).all()
bad = [m for m in sys.modules if m.startswith(("PyQt6", "pyqtgraph")) and sys.modules[m] is not None]
assert not bad, bad
print("ok")
"""


def test_core_render_and_io_run_without_qt_installed() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO / "samples" / "deep_sky_field.fits")],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def _import_cycles() -> list[list[str]]:
    """Strongly connected groups of modules of editor + filters (Tarjan), importing each other
    at run time: module-level imports and imports inside functions; imports only made for type
    checkers (``if TYPE_CHECKING:``) never run, so they are left out."""
    import grimp

    graph = grimp.build_graph("editor", "filters", include_external_packages=False,
                              exclude_type_checking_imports=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative Tarjan: the module graph is deep enough to hit Python's recursion limit
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        group.append(m)
                        if m == node:
                            break
                    if len(group) > 1:
                        cycles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles, graph


def test_the_whole_tree_has_no_import_loop() -> None:
    cycles, graph = _import_cycles()
    lines = []
    for group in cycles:
        members = set(group)
        edges = []
        for importer in group:
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                details = graph.get_import_details(importer=importer, imported=imported)
                where = ", ".join(f"l.{d['line_number']}" for d in details)
                edges.append(f"    {importer} -> {imported} ({where})")
        lines.append("loop among " + ", ".join(group) + ":\n" + "\n".join(edges))
    assert not cycles, "\n".join(lines)
