"""Every fenced code block of README.md, CONTRIBUTING.md and docs/**/*.md, with the marker that
says how the suite runs it, and the runners that do.

The convention (one for every page): a block whose language is python, sh, js, yaml or console
carries an HTML comment on the line before its opening fence (a blank line between is allowed):

``<!-- run: KIND [id=NAME] -->`` or ``<!-- not-run: REASON -->``

KIND is one of ``KINDS``: ``python`` (a script, run on a shared server serving the built-in
fixtures with short feed and report times; must exit 0), ``python-own-server`` (a fresh server
of its own), ``pytest`` (a test file for the plugin, first line ``# test_<name>.py``, run under
pytest in an empty directory; all its tests pass), ``sh`` / ``sh-own-server`` (``bash -eu -o
pipefail`` with the installed ``spapi-mock`` on the PATH; a console block runs its ``$ `` lines),
``node`` (an ES module, with the packages of examples/js), ``scenario`` (a scenario, run through
the control plane on a fresh server), ``install`` / ``test-command`` (the README's two commands,
run by tests/project/test_readme.py). ``id=NAME`` lets a test find the block and assert on its
output.

Every block reaches the server through ``SPAPI_MOCK_URL`` (default ``http://127.0.0.1:8080``);
the runners set it and never rewrite a block's text. A ``sh-own-server`` block that starts
``spapi-mock serve`` itself (in the background, and stops it) gets no server from the runner,
but ``SPAPI_MOCK_PORT`` and ``SPAPI_MOCK_URL`` naming a free port, so its serve and its requests
meet there as they meet on 8080 on a reader's machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support import PROJECT_ROOT

# The languages whose blocks must say whether and how they run.
MARKED_LANGUAGES = frozenset({"python", "sh", "js", "yaml", "console"})
# Other spellings of them, held to the same rule (a ```bash block is a shell block all the same).
ALIASES = {"py": "python", "bash": "sh", "shell": "sh", "zsh": "sh", "javascript": "js", "mjs": "js", "yml": "yaml"}
KINDS = {
    "python": {"python"},
    "python-own-server": {"python"},
    "pytest": {"python"},
    "sh": {"sh", "console"},
    "sh-own-server": {"sh", "console"},
    "node": {"js"},
    "scenario": {"yaml"},
    "install": {"sh"},
    "test-command": {"sh"},
}
DEFAULT_URL = "http://127.0.0.1:8080"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<verb>run|not-run)\s*:\s*(?P<rest>.*?)\s*-->\s*$")
_ANY_MARKER = re.compile(r"<!--\s*(run|not-run)\b")


@dataclass(frozen=True)
class Block:
    file: str  # relative to the project root, e.g. "docs/apis/feeds.md"
    line: int  # the opening fence's line, from 1
    language: str  # the info string's first word, lower case, aliases resolved ("" for none)
    kind: str | None  # a KINDS key, "not-run", or None without a marker
    id: str | None
    reason: str | None  # a not-run block's reason
    text: str  # the block's lines, the fence's indentation removed
    marker: str | None = None  # the marker's own text, as written

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.kind in KINDS

    def __str__(self) -> str:
        return self.where


def pages(root: Path = PROJECT_ROOT) -> list[Path]:
    """README.md, CONTRIBUTING.md and every page under docs/, in a stable order."""
    found = [root / name for name in ("README.md", "CONTRIBUTING.md") if (root / name).is_file()]
    return found + sorted((root / "docs").rglob("*.md"))


def blocks_of(path: Path, root: Path = PROJECT_ROOT) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    name = path.relative_to(root).as_posix()
    found, at = [], 0
    while at < len(lines):
        opening = _FENCE.match(lines[at])
        if not opening:
            at += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        info = opening["info"].strip().split()
        language = info[0].lower().lstrip("{.").rstrip("}") if info else ""
        language = ALIASES.get(language, language)
        body, end = [], at + 1
        while end < len(lines) and not re.match(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", lines[end]):
            body.append(lines[end][len(indent) :] if lines[end].startswith(indent) else lines[end].lstrip())
            end += 1
        found.append(_block(name, at + 1, language, "\n".join(body) + "\n", _marker_before(lines, at)))
        at = end + 1
    return found


def _marker_before(lines: list[str], at: int) -> str | None:
    """The marker on the line before the fence, a blank line between allowed."""
    for before in (at - 1, at - 2):
        if before < 0:
            return None
        if lines[before].strip():
            return lines[before].strip() if _ANY_MARKER.search(lines[before]) else None
    return None


def _block(file: str, line: int, language: str, text: str, marker: str | None) -> Block:
    kind = block_id = reason = None
    parsed = _MARKER.match(marker) if marker else None
    if parsed and parsed["verb"] == "not-run":
        kind, reason = "not-run", parsed["rest"]
    elif parsed:
        words = parsed["rest"].split()
        kind = words[0] if words else ""
        options = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        block_id = options.get("id")
    elif marker:
        kind = marker  # a marker written wrong: kept as is, so the check names it
    return Block(file, line, language, kind, block_id, reason, text, marker)


def all_blocks(root: Path = PROJECT_ROOT) -> list[Block]:
    return [block for path in pages(root) for block in blocks_of(path, root)]


def blocks(kind: str | None = None, file: str | None = None, root: Path = PROJECT_ROOT) -> list[Block]:
    """The blocks of one kind (or all), of one page (or all)."""
    return [b for b in all_blocks(root) if (kind is None or b.kind == kind) and (file is None or b.file == file)]


def by_id(block_id: str, root: Path = PROJECT_ROOT) -> Block:
    (found,) = [block for block in all_blocks(root) if block.id == block_id] or [None]
    if found is None:
        raise LookupError(f"no block has id={block_id} in README.md or docs/")
    return found


def problems(every: list[Block]) -> list[str]:
    """What breaks the convention, one line each naming the block's file:line."""
    found = []
    for block in every:
        if block.language not in MARKED_LANGUAGES:
            if block.marker:
                shown = block.language or "(no language)"
                found.append(f"{block.where}: a ```{shown} block has a marker; only {sorted(MARKED_LANGUAGES)} run")
            continue
        if block.kind is None:
            found.append(f"{block.where}: ```{block.language} block without <!-- run: KIND --> or <!-- not-run: REASON -->")
        elif block.kind == "not-run":
            if not block.reason:
                found.append(f"{block.where}: not-run needs a reason")
        elif block.kind not in KINDS:
            found.append(f"{block.where}: unknown marker {block.marker!r} (kinds: {', '.join(KINDS)}, or not-run: REASON)")
        elif block.language not in KINDS[block.kind]:
            found.append(f"{block.where}: a ```{block.language} block cannot run as {block.kind}")
    ids = [block.id for block in every if block.id]
    found += [f"id={name} is given to more than one block" for name in sorted({i for i in ids if ids.count(i) > 1})]
    return found


# -- what a block may not say ---------------------------------------------------------------------

# GNU-only options of the usual tools: each fails, or does something else, on macOS.
GNU_ONLY = {
    r"\bsed\s+(-[a-zA-Z]*\s+)*-i(\s|$)(?!\s*['\"]{2})(?!\s*\.)": "sed -i without a suffix argument (macOS: sed -i '' ...)",
    r"\bsed\b[^|\n]*--in-place": "sed --in-place",
    r"\bdate\b[^|\n;]*\s(-d|--date)\b": "date -d (macOS date has no -d)",
    r"\bgrep\b[^|\n]*\s-[a-zA-Z]*P": "grep -P",
    r"\breadlink\s+-[a-zA-Z]*f": "readlink -f",
    r"\bxargs\b[^|\n]*\s(-r|--no-run-if-empty)\b": "xargs -r",
    r"(^|[;&|(]\s*|\$\(\s*)timeout\s": "timeout (not on macOS)",
    r"\bstat\s+(-c|--format)\b": "stat -c",
    r"\bhead\s+-n\s*-\d": "head -n -N",
    r"\bfind\b[^|\n]*\s-printf\b": "find -printf",
    r"\bsort\b[^|\n]*\s-V\b": "sort -V",
    r"\bbase64\s+-w": "base64 -w",
    r"\bmktemp\b[^|\n]*--": "mktemp --long-option",
}


def gnu_only_flags(block: Block) -> list[str]:
    return [f"{block.where}: {said}" for pattern, said in GNU_ONLY.items() if re.search(pattern, block.text, re.M)]


# A port written out: in an address (127.0.0.1:9000, localhost:9000, 0.0.0.0:9000) or as --port N.
_PORT = re.compile(r"(?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\]):(\d+)|--port[ =](\d+)")
# The one place a block may name it: SPAPI_MOCK_URL's default, in the shell, Python or Node spelling.
_DEFAULT = re.compile(
    r"\$\{SPAPI_MOCK_URL:-http://127\.0\.0\.1:8080\}"
    r"|environ\.get\(\s*[\"']SPAPI_MOCK_URL[\"']\s*,\s*[\"']http://127\.0\.0\.1:8080[\"']\s*\)"
    r"|process\.env\.SPAPI_MOCK_URL\s*\?\?\s*[\"']http://127\.0\.0\.1:8080[\"']"
)


def hardcoded_ports(block: Block) -> list[str]:
    text = _DEFAULT.sub("SPAPI_MOCK_URL", block.text)
    return [f"{block.where}: {match.group(0)} (take it from SPAPI_MOCK_URL)" for match in _PORT.finditer(text)]


# -- running blocks -------------------------------------------------------------------------------


def console_commands(text: str) -> str:
    """A console block's commands: its ``$ `` lines and their backslash continuations."""
    commands, continued = [], False
    for line in text.splitlines():
        if continued or line.startswith("$ "):
            commands.append(line[2:] if not continued else line)
            continued = line.endswith("\\")
    return "\n".join(commands) + "\n"


def serves_itself(block: Block) -> bool:
    return block.kind == "sh-own-server" and re.search(r"^\s*spapi-mock\s+serve\b", block.text, re.M) is not None


def environment(base_url: str, **extra: str) -> dict[str, str]:
    """The environment a reader's terminal has after installing: the venv's spapi-mock on the PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPAPI_MOCK_") or k == "SPAPI_MOCK_CACHE_DIR"}
    return {**env, "PATH": path, "SPAPI_MOCK_URL": base_url, "PYTHONUNBUFFERED": "1", **extra}


def run(block: Block, base_url: str, cwd: Path, timeout: float = 300, python: str | None = None, **env: str):
    """Run one block as a reader would, against the server at ``base_url``; the completed process.
    (``pytest``, ``node`` and ``scenario`` blocks have runners of their own below.)"""
    if serves_itself(block):
        env = {"SPAPI_MOCK_PORT": base_url.rsplit(":", 1)[1], **env}
    environ = environment(base_url, **env)
    if block.kind in ("python", "python-own-server"):
        script = cwd / f"block_{block.line}.py"
        script.write_text(block.text, encoding="utf-8")
        command = [python or sys.executable, script.name]
    elif block.kind in ("sh", "sh-own-server", "install", "test-command"):
        text = console_commands(block.text) if block.language == "console" else block.text
        command = ["bash", "-euo", "pipefail", "-c", text]
    else:
        raise ValueError(f"{block.where}: run() does not run {block.kind} blocks")
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environ)


def run_pytest_file(block: Block, cwd: Path, timeout: float = 300) -> tuple[subprocess.CompletedProcess, int]:
    """A test file for the plugin, in an empty directory: the process, and how many tests it has."""
    first = re.match(r"#\s*(test_\w+\.py)", block.text)
    if not first:
        raise ValueError(f"{block.where}: a pytest block starts with '# test_<name>.py'")
    (cwd / first.group(1)).write_text(block.text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", first.group(1)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(DEFAULT_URL),
    )
    return result, len(re.findall(r"^(?:async )?def test_", block.text, re.M))


def run_node(block: Block, base_url: str, cwd: Path, node: str, node_modules: Path, timeout: float = 300):
    """An ES module beside the packages examples/js pins."""
    if not (cwd / "node_modules").exists():
        (cwd / "node_modules").symlink_to(node_modules)
        shutil.copy(node_modules.parent / "package.json", cwd)
    script = cwd / f"block_{block.line}.mjs"
    script.write_text(block.text, encoding="utf-8")
    return subprocess.run(
        [node, script.name], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment(base_url)
    )


def run_scenario(block: Block, base_url: str) -> dict:
    """A scenario through the control plane, as ``spapi-mock scenario run FILE`` sends it."""
    import yaml

    from spapi_mock.control import HttpControl

    return HttpControl(base_url).run_inline_scenario(yaml.safe_load(block.text))


@contextmanager
def server_for(block: Block, shared_url: str | None, tmp_dir: Path, *args: str) -> Iterator[str | None]:
    """The address a block runs against: the shared server's, a fresh one's, or (a block that
    serves itself) a free port; ``None`` for blocks that need none."""
    from support.live_server import free_port, live_server

    if block.kind in ("pytest", "install", "test-command", "not-run"):
        yield None
    elif serves_itself(block):
        yield f"http://127.0.0.1:{free_port()}"
    elif block.kind in ("python-own-server", "sh-own-server", "scenario") or shared_url is None:
        with live_server(*args, tmp_dir=tmp_dir) as server:
            yield server.base_url
    else:
        yield shared_url
