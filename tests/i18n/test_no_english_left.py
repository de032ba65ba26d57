"""No user-visible English sentence is left unmarked in the modules whose texts reach the user
from below the UI: readers' notes, filter parameter checks, plugin manifest checks, project
limits, the review page and the command line. Any string of two words or more must be marked
for the catalogs (``_``/``tr``/``N_``/``D_``/``ngettext``/``pgettext``, ``M_`` in filters/) or
be one of the kinds that stay English on purpose, said here or by a ``# untranslated: why``
comment on its statement; so a new English message fails this test until it is marked."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted({*REPO.glob("editor/io/*.py"), *REPO.glob("editor/plugins/*.py"),
                  *REPO.glob("editor/review/*.py"), *REPO.glob("filters/*.py"),
                  REPO / "editor/project/limits.py", REPO / "editor/cli.py",
                  REPO / "editor/render/tiles_cli.py", REPO / "editor/stacking/cli.py",
                  REPO / "editor/astrometry/cli.py", REPO / "editor/mosaic/cli.py",
                  REPO / "editor/acquisition/cli.py", REPO / "editor/locale/argparse_i18n.py"})
MARKERS = {"_", "tr", "N_", "D_", "M_", "ngettext", "pgettext"}
#: Logging goes to the log file (read by developers); warnings.warn to the console of scripts.
DEVELOPER_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "warn"}
#: Operation names, descriptions and parameter labels/help of the filters' specs: shown through
#: the UI's catalog lookup, checked by test_catalogs' built-in operations test.
SPEC_KEYWORDS = {"name", "label", "doc"}
SENTENCE = re.compile(r"[A-Za-z]{2,}\W*\s+\W*[A-Za-z]{2,}")


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _ancestors(node: ast.AST, parent: dict) -> list[ast.AST]:
    out = []
    while node in parent:
        node = parent[node]
        out.append(node)
    return out


def unmarked_sentences(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    parent: dict[ast.AST, ast.AST] = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    docstrings = {n.body[0].value for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}

    def exempt(node: ast.AST) -> bool:
        child, up = node, parent.get(node)
        while up is not None:
            if isinstance(up, ast.Call):
                name = _name(up)
                if name in MARKERS or (name in DEVELOPER_CALLS and isinstance(up.func, ast.Attribute)):
                    return True
            if isinstance(up, ast.keyword) and up.arg in SPEC_KEYWORDS and path.parent.name == "filters":
                return True
            if isinstance(up, ast.stmt):
                first = max(up.lineno - 2, 0)  # the statement's lines and the comment above it
                if any("untranslated:" in line for line in lines[first:up.end_lineno]):
                    return True
                if not isinstance(up, (ast.Expr, ast.Return, ast.Assign, ast.AugAssign, ast.AnnAssign,
                                       ast.Raise, ast.If, ast.For, ast.While, ast.With, ast.Assert)):
                    return False
            child, up = up, parent.get(up)
        return False

    found = []
    for node in ast.walk(tree):
        # xgettext/pybabel skip what is inside an f-string: a message marked there never
        # reaches the catalogs (and its test) and stays English.
        if isinstance(node, ast.Call) and _name(node) in MARKERS and node.args and isinstance(
                node.args[0], (ast.Constant, ast.JoinedStr)) and any(
                isinstance(up, ast.JoinedStr) for up in _ancestors(node, parent)):
            found.append(f"{path.name}:{node.lineno}: a marked message inside an f-string "
                         "is not extracted: move it out")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node in docstrings or isinstance(parent.get(node), ast.JoinedStr):
                continue
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        else:
            continue
        text = re.sub(r"<[^>]*>", " ", text)  # HTML tags and attributes are not words
        text = re.sub(r'[\w-]+="[^"]*"', " ", text)
        if SENTENCE.search(text) and not exempt(node):
            where = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
            found.append(f"{where}:{node.lineno}: {text[:100]!r}")
    return found


def test_the_scanned_modules_exist() -> None:
    assert len(MODULES) > 60 and all(p.is_file() for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_visible_sentence_is_marked_for_translation(path: Path) -> None:
    left = unmarked_sentences(path)
    assert not left, "English text not marked for translation (wrap it, or say why it stays " \
                     "English with '# untranslated: why'):\n" + "\n".join(left)


def test_the_scan_finds_an_unmarked_message(tmp_path: Path) -> None:
    """The scan itself: a raise with English text is found, and a message marked inside an
    f-string; its marked twin, a docstring and a line said to stay English are not."""
    sample_text = ('def f(x):\n'
                   '    """Raise for any value."""\n'
                   '    if x:\n'
                   '        raise ValueError(f"value {x} is out of range")\n'
                   '    raise ValueError(_("value {x} is out of range").format(x=x))\n'
                   'HEADER = "order of the rows in the file"  # untranslated: FITS comment\n'
                   'SAID = f"<h3>{_(\'Capture details\')}</h3>"\n')
    path = tmp_path / "sample.py"
    path.write_text(sample_text)
    left = unmarked_sentences(path)
    left.sort(key=lambda line: int(line.split(":")[1]))
    assert len(left) == 2 and ":4:" in left[0] and "out of range" in left[0], left
    assert ":7:" in left[1] and "inside an f-string" in left[1]


def test_no_message_is_marked_inside_an_f_string_anywhere() -> None:
    """The whole editor and the filters: a ``tr("...")`` written inside an f-string is never
    extracted, so it would stay English in every language without any other test noticing."""
    hidden = []
    for path in sorted({*REPO.glob("editor/**/*.py"), *REPO.glob("filters/*.py")}):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parent = {c: n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        hidden += [f"{path.relative_to(REPO)}:{node.lineno}" for node in ast.walk(tree)
                   if isinstance(node, ast.Call) and _name(node) in MARKERS and node.args
                   and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
                   and any(isinstance(up, ast.JoinedStr) for up in _ancestors(node, parent))]
    assert not hidden, "marked messages inside f-strings (not extracted):\n" + "\n".join(hidden)
