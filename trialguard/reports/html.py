"""index.html: the self-contained discrepancy report a curator reads.

One file, no network: CSS and JS from `reports/static/` are inlined, charts are SVG drawn here, and the
findings are embedded ONCE as JSON that a small script renders page by page (so 100k findings stay fast).
Everything from the data is untrusted: the Jinja2 environment autoescapes every template, the embedded JSON
escapes `<`, `>`, `&`, U+2028 and U+2029 so no string can close the <script> element, and a
Content-Security-Policy lets only our own script (by hash) run and forbids every fetch.
Two renders of the same result differ only in the one line that carries the generation time.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

import orjson
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from trialguard.engine import RunResult
from trialguard.reports import report_model
from trialguard.reports.json_report import generated_at
from trialguard.reports.output import write_atomic

FILE_NAME = "index.html"
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def script_json(data) -> bytes:
    """JSON safe inside <script type="application/json">: no `</script>`, `<!--` or line separators survive.

    `<`, `>` and `&` only occur inside JSON strings, where their \\u escapes mean the same characters.
    """
    raw = orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return (raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
            .replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029"))


def _static(name: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    lowered = text.lower()
    if "</script" in lowered or "</style" in lowered or "<!--" in lowered:
        raise ValueError(f"static asset {name} must not contain closing tags or comments")
    return text


def _csp_hash(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")


# Where the data goes in the rendered template. Autoescaping turns any `<` from the data into `&lt;`, so only
# the template itself can hold this tag.
_DATA_SLOT = "<trialguard-data/>"


def render(result: RunResult, when: str | None = None) -> str:
    """The report as text. `when` (ISO time) defaults to now, or SOURCE_DATE_EPOCH when set."""
    return page(result, when).decode("utf-8")


def page(result: RunResult, when: str | None = None) -> bytes:
    """The report as UTF-8 bytes. The embedded JSON (most of the page on a large run) is spliced in as the
    bytes orjson made, never decoded into the template's text and encoded again."""
    model = report_model.build(result)
    script = _static("report.js")
    css = _static("report.css")
    text = environment().get_template("index.html.j2").render(
        m=model,
        data=Markup(_DATA_SLOT),
        css=Markup(css),
        script=Markup(script),
        csp=("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
             f"script-src '{_csp_hash(script)}'; base-uri 'none'; form-action 'none'"),
        generated_at=when or generated_at(),
    )
    head, slot, tail = text.partition(_DATA_SLOT)
    if not slot or _DATA_SLOT in tail:
        raise RuntimeError("the report template must place the data exactly once")
    return b"".join((head.encode("utf-8"), script_json(model["data"]), tail.encode("utf-8")))


def write(result: RunResult, out_dir: Path) -> Path:
    return write_atomic(Path(out_dir), FILE_NAME, page(result))
