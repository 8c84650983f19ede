"""Where a finding sits in its file: (line, column) of the offending value, for SARIF regions and annotations.

Findings carry a `loc` inside the record: a JSON pointer (JSON and YAML files), `line:N/<pointer>` (NDJSON),
an XML path (`/clinical_study/.../period[1]/title`, indices 1-based as in XPath, `[1]` may be omitted) or a
character span (`chars:START-END`, texts). Mapping them to lines needs the file's text again, so it is done only
when a reporter asks, and each file is parsed once for all the locations wanted in it. Lines and columns are
1-based; columns count Unicode code points (SARIF `columnKind: unicodeCodePoints`).

A location that does not exist in the file (a missing field) falls back to its longest existing prefix: the
record or object that lacks it. Files that cannot be read or parsed get no position (None).
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
import xml.parsers.expat
from collections import defaultdict
from pathlib import Path
from typing import Iterable

import yaml

Position = tuple[int, int]

MAX_LOCATE_BYTES = 512 * 1024 * 1024

# One JSON token after optional whitespace: a string, a punctuation mark, or a scalar (number / literal).
_JSON_TOKEN = re.compile(r'[ \t\r\n]*(?:("[^"\\]*(?:\\.[^"\\]*)*")|([{}\[\],:])|([-+.\w]+))', re.S)
_NDJSON_LOC = re.compile(r"^line:(\d+)(/.*)?$")
_TEXT_SPAN = re.compile(r"^chars:(\d+)-\d+$")
_XML_STEP = re.compile(r"^([^\[\]/@]+)(?:\[(\d+)\])?$")
_SYNTAX_POSITION = re.compile(r"line (\d+) column (\d+)")
_DECODER = json.JSONDecoder()


class _Lines:
    """Offset -> (line, column) in one text, by bisecting the newline offsets."""

    def __init__(self, text: str):
        self.breaks = [m.start() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_left(self.breaks, offset)  # newlines before offset
        start = self.breaks[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1


def _prefixes(pointer: str) -> list[str]:
    """'/a/b' -> ['', '/a', '/a/b']."""
    parts = pointer.split("/")[1:] if pointer else []
    return [""] + ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _deepest(found: dict, pointer: str):
    """The value recorded for the longest prefix of `pointer` (the pointer itself when it exists)."""
    for p in reversed(_prefixes(pointer)):
        if p in found:
            return found[p]
    return None


def _key(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        return json.loads(token)
    except ValueError:
        return token[1:-1]


def json_offsets(text: str, pointers: Iterable[str]) -> dict[str, int]:
    """Character offset of the value each JSON pointer names (or of its deepest existing ancestor).

    One pass: tokens are walked only on the way to a wanted pointer; any other object or array is skipped whole
    by the C JSON decoder. Invalid JSON stops the scan where it breaks: what was found before still counts.
    """
    pointers = list(pointers)
    wanted = {p for ptr in pointers for p in _prefixes(ptr)}
    found: dict[str, int] = {}
    # Frames: [is_object, pointer or None (not wanted), next index, current key, expecting a key]
    stack: list[list] = []
    pos, end = 0, len(text)
    while pos < end:
        m = _JSON_TOKEN.match(text, pos)
        if m is None:
            break
        pos = m.end()
        string, punct, scalar = m.groups()
        if punct in (",", ":"):
            if punct == "," and stack and stack[-1][0]:
                stack[-1][4] = True
            continue
        if punct in ("}", "]"):
            if stack:
                stack.pop()
            continue
        top = stack[-1] if stack else None
        if top is not None and top[0] and top[4]:  # an object key
            top[3] = _key(string) if string is not None else ""
            top[4] = False
            continue
        if top is None:
            ptr = ""
        elif top[0]:
            ptr = f"{top[1]}/{_escape(top[3] or '')}" if top[1] is not None else None
        else:
            ptr = f"{top[1]}/{top[2]}" if top[1] is not None else None
            top[2] += 1
        start = m.start(m.lastindex)
        if ptr is not None and ptr in wanted:
            found.setdefault(ptr, start)
        elif punct in ("{", "["):  # nothing wanted inside: jump over the whole value with the C decoder
            try:
                pos = _DECODER.raw_decode(text, start)[1]
                continue
            except ValueError:
                ptr = None  # invalid inside: walk it token by token, as far as it goes
        if punct in ("{", "["):
            stack.append([punct == "{", ptr if ptr in wanted else None, 0, None, punct == "{"])
    return {p: off for p in pointers if (off := _deepest(found, p)) is not None}


def _yaml_positions(text: str, pointers: list[str]) -> dict[str, Position]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[str, Position] = {}
    for ptr in pointers:
        node, mark = root, root.start_mark if root is not None else None
        for seg in ptr.split("/")[1:] if ptr else []:
            seg = _unescape(seg)
            nxt = None
            if isinstance(node, yaml.MappingNode):
                nxt = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == seg), None)
            elif isinstance(node, yaml.SequenceNode) and seg.isdigit() and int(seg) < len(node.value):
                nxt = node.value[int(seg)]
            if nxt is None:
                break
            node, mark = nxt, nxt.start_mark
        if mark is not None:
            out[ptr] = (mark.line + 1, mark.column + 1)
    return out


def _yaml_syntax_error(text: str) -> Position | None:
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return (mark.line + 1, mark.column + 1) if mark else None
    except yaml.YAMLError:
        return None
    return None


def _canonical_xml_path(path: str) -> str | None:
    """'/a/b[2]/c/@id' -> '/a[1]/b[2]/c[1]' (attributes and text() point at their element)."""
    steps = []
    for step in path.strip("/").split("/") if path.strip("/") else []:
        if step.startswith("@") or step == "text()":
            break
        m = _XML_STEP.match(step)
        if not m:
            return None
        steps.append(f"{m.group(1)}[{m.group(2) or 1}]")
    return "/" + "/".join(steps) if steps else ""


class _Refused(Exception):
    pass


def _xml_positions(data: bytes, paths: list[str]) -> dict[str, Position]:
    """Start of each element named by an XML path, by a line-tracking expat pass that refuses any DTD."""
    canon = {p: _canonical_xml_path(p) for p in paths}
    wanted = {q for c in canon.values() if c for q in _prefixes_xml(c)}
    found: dict[str, Position] = {}
    stack: list[tuple[str, dict]] = [("", defaultdict(int))]
    parser = xml.parsers.expat.ParserCreate()

    def start(name, _attrs):
        parent, counts = stack[-1]
        counts[name] += 1
        path = f"{parent}/{name}[{counts[name]}]"
        if path in wanted and path not in found:
            found[path] = (parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)
        stack.append((path, defaultdict(int)))

    def end(_name):
        stack.pop()

    def refuse(*_args):
        raise _Refused()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except (xml.parsers.expat.ExpatError, _Refused, ValueError):
        pass
    out = {}
    for p, c in canon.items():
        if c is None:
            continue
        hit = next((found[q] for q in reversed(_prefixes_xml(c)) if q in found), None)
        if hit:
            out[p] = hit
    return out


def _prefixes_xml(path: str) -> list[str]:
    steps = path.strip("/").split("/") if path.strip("/") else []
    return ["/" + "/".join(steps[: i + 1]) for i in range(len(steps))]


def _kind(file: str) -> str:
    return file.rsplit(".", 1)[-1].lower() if "." in file.rsplit("/", 1)[-1] else ""


def positions_in_file(path: Path, kind: str, requests: list[tuple[str, str]]) -> dict[tuple[str, str], Position]:
    """Positions for (loc, message) requests in one file; message only helps place syntax errors (loc '')."""
    try:
        if path.stat().st_size > MAX_LOCATE_BYTES:
            return {}
        data = path.read_bytes()
    except OSError:
        return {}
    out: dict[tuple[str, str], Position] = {}
    if kind == "xml":
        got = _xml_positions(data, [loc for loc, _ in requests])
        return {(loc, msg): got[loc] for loc, msg in requests if loc in got}
    text = data.decode("utf-8", errors="replace")
    if kind in ("json", "ndjson", "jsonl"):
        return _json_family(text, kind, requests)
    if kind in ("yaml", "yml"):
        got = _yaml_positions(text, [loc for loc, _ in requests if loc == "" or loc.startswith("/")])
        syntax = None
        for loc, msg in requests:
            if loc == "" and msg.startswith("invalid YAML"):
                syntax = syntax or _yaml_syntax_error(text)
                if syntax:
                    out[(loc, msg)] = syntax
            elif loc in got:
                out[(loc, msg)] = got[loc]
        return out
    if kind == "txt":
        lines = _Lines(text)
        for loc, msg in requests:
            m = _TEXT_SPAN.match(loc)
            if m:
                out[(loc, msg)] = lines.position(min(int(m.group(1)), len(text)))
        return out
    return out


def _json_family(text: str, kind: str, requests: list[tuple[str, str]]) -> dict[tuple[str, str], Position]:
    out: dict[tuple[str, str], Position] = {}
    # A parse error's own position ("... line 2 column 7 ...") beats the start of the document.
    for loc, msg in requests:
        m = _SYNTAX_POSITION.search(msg) if msg.startswith("invalid JSON") else None
        if m and loc == "":
            out[(loc, msg)] = (int(m.group(1)), int(m.group(2)))
    if kind == "json":
        lines = _Lines(text)
        offs = json_offsets(text, {loc for loc, _ in requests if loc == "" or loc.startswith("/")})
        for loc, msg in requests:
            if (loc, msg) not in out and loc in offs:
                out[(loc, msg)] = lines.position(offs[loc])
        return out
    by_line: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for loc, msg in requests:
        m = _NDJSON_LOC.match(loc)
        if m:
            by_line[int(m.group(1))].append((loc, msg, m.group(2) or ""))
    if not by_line:
        return out
    file_lines = text.split("\n")
    for n, reqs in by_line.items():
        if not 1 <= n <= len(file_lines):
            continue
        line_text = file_lines[n - 1]
        offs = json_offsets(line_text, {ptr for _, _, ptr in reqs})
        for loc, msg, ptr in reqs:
            m = _SYNTAX_POSITION.search(msg) if msg.startswith("invalid JSON") else None
            if m and ptr == "":
                out[(loc, msg)] = (n, int(m.group(2)))
            elif ptr in offs:
                out[(loc, msg)] = (n, offs[ptr] + 1)
    return out


def positions(requests: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], Position]:
    """(file, loc, message) -> (line, column), parsing each file once. Archive members ('a.zip!b.json') and
    unknown kinds get no position."""
    by_file: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for file, loc, msg in requests:
        if file and "!" not in file:
            by_file[file].add((loc, msg))
    out: dict[tuple[str, str, str], Position] = {}
    for file in sorted(by_file):
        got = positions_in_file(Path(file), _kind(file), sorted(by_file[file]))
        out.update({(file, loc, msg): pos for (loc, msg), pos in got.items()})
    return out


def finding_positions(result) -> dict[tuple[str, str, str], Position]:
    """Positions of every finding of a run (and of the other side of cross-source findings), computed once
    per run however many reporters ask."""
    cached = getattr(result, "_positions", None)
    if cached is not None:
        return cached
    f = result.findings
    reqs = set(zip(f["file"].astype(str), f["loc"].astype(str), f["message"].astype(str))) if len(f) else set()
    for ev in f["evidence"] if len(f) else ():
        other = ev.get("other") if isinstance(ev, dict) else None
        if isinstance(other, dict) and other.get("file"):
            reqs.add((str(other["file"]), str(other.get("loc") or ""), ""))
    found = positions(reqs)
    object.__setattr__(result, "_positions", found)
    return found


# Repository roots, for paths that code scanning and annotations resolve against the checkout.
_ROOTS: dict[Path, Path | None] = {}


def repository_root(path: Path) -> Path | None:
    """The nearest enclosing folder holding `.git` (a folder, or a file in worktrees and submodules)."""
    start = path.resolve()
    start = start if start.is_dir() else start.parent
    if start in _ROOTS:
        return _ROOTS[start]
    root = next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
    _ROOTS[start] = root
    return root


def relative_path(file: str) -> str:
    """`file` (an archive member: the archive) relative to its repository root, else to the current folder;
    '..' steps when it lies outside, never an absolute path. Always '/'-separated."""
    return _relative_path(file.split("!", 1)[0], os.getcwd())


@functools.lru_cache(maxsize=65536)
def _relative_path(file: str, cwd: str) -> str:
    absolute = (Path(cwd) / file).resolve()
    base = repository_root(absolute) or Path(cwd).resolve()
    return Path(os.path.relpath(absolute, base)).as_posix()
