"""Project configuration: `[tool.trialguard]` in pyproject.toml, or a `trialguard.toml`, in the style of ruff.

Keys: select, ignore (code prefixes, e.g. "TG2" or "TG201"), severity (table code -> error|warning|info),
fail-on, format, exclude (path globs), max-file-mb, max-json-depth. Command-line options override the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import click

from trialguard.findings import Severity

FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(click.ClickException):
    """Unreadable or invalid configuration: a usage error (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("TG",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = "error"
    formats: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_mb: int = 256
    max_json_depth: int = 64
    source: str = ""  # where the configuration was read from

    def is_selected(self, code: str) -> bool:
        """Most specific prefix wins, as in ruff; ingestion findings (TG0xx) are never deselected."""
        if code.startswith("TG0"):
            return True
        sel = max((len(p) for p in self.select if code.startswith(p) or p == "ALL"), default=-1)
        ign = max((len(p) for p in self.ignore if code.startswith(p) or p == "ALL"), default=-1)
        return sel >= 0 and sel > ign

    def severity_of(self, code: str, default: Severity) -> Severity:
        return Severity.parse(self.severity[code]) if code in self.severity else default

    def limits(self):
        """The ingest limits this configuration sets (file size, JSON nesting)."""
        from trialguard.ingest.context import Limits

        return Limits(max_file_bytes=self.max_file_mb * 1024 * 1024, max_json_depth=self.max_json_depth)

    def with_overrides(self, **kw) -> "Config":
        return replace(self, **{k: v for k, v in kw.items() if v not in (None, (), [])})


def _codes(value, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of rule codes or prefixes")
    return tuple(v.strip().upper() for v in value if v.strip())


def parse_codes(text: str | None) -> tuple[str, ...]:
    """`--select TG2,TG301` -> ("TG2", "TG301")."""
    return tuple(c.strip().upper() for c in (text or "").split(",") if c.strip())


def check_codes(cfg: Config, known: Iterable[str]) -> None:
    """Refuse select/ignore prefixes and severity codes that name no rule: a typo there would silently check
    nothing (or everything) and pass CI, so it is a usage error, as in ruff."""
    known = tuple(known)
    named = (("select", cfg.select, False), ("ignore", cfg.ignore, False), ("severity", tuple(cfg.severity), True))
    for key, codes, exact in named:
        for c in codes:
            if c != "ALL" and not any(k == c if exact else k.startswith(c) for k in known):
                what = "rule code" if exact else "rule code or prefix"
                raise ConfigError(f"{key}: unknown {what} {c!r} (`trialguard rules` lists them)")


def from_mapping(data: dict, where: str) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table of settings, not {type(data).__name__}")
    known = {"select", "ignore", "severity", "fail-on", "format", "exclude", "max-file-mb", "max-json-depth"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    kw: dict = {"source": where}
    for key in ("select", "ignore"):
        if key in data:
            kw[key] = _codes(data[key], key, where)
    if "severity" in data:
        sev = data["severity"]
        if not isinstance(sev, dict):
            raise ConfigError(f"{where}: 'severity' must be a table of CODE = \"error|warning|info\"")
        for code, level in sev.items():
            try:
                Severity.parse(str(level))
            except ValueError as e:
                raise ConfigError(f"{where}: severity.{code}: {e}") from None
        kw["severity"] = {str(k).upper(): str(v).lower() for k, v in sev.items()}
    if "fail-on" in data:
        if data["fail-on"] not in FAIL_ON:
            raise ConfigError(f"{where}: 'fail-on' must be one of {', '.join(FAIL_ON)}")
        kw["fail_on"] = data["fail-on"]
    if "format" in data:
        kw["formats"] = _codes(data["format"], "format", where)
        kw["formats"] = tuple(f.lower() for f in kw["formats"])
    if "exclude" in data:
        ex = data["exclude"]
        if not isinstance(ex, list) or not all(isinstance(v, str) for v in ex):
            raise ConfigError(f"{where}: 'exclude' must be a list of path globs")
        kw["exclude"] = tuple(ex)
    for key in ("max-file-mb", "max-json-depth"):
        if key in data:
            if not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] <= 0:
                raise ConfigError(f"{where}: '{key}' must be a positive integer")
            kw[key.replace("-", "_")] = data[key]
    return Config(**kw)


def load(path: str | None = None, cwd: Path | None = None) -> Config:
    """Read the given file, else trialguard.toml or pyproject.toml's [tool.trialguard] in `cwd`."""
    cwd = cwd or Path.cwd()
    if path:
        candidates = [Path(path)]
        if not candidates[0].is_file():
            raise ConfigError(f"config file not found: {path}")
    else:
        candidates = [p for p in (cwd / "trialguard.toml", cwd / "pyproject.toml") if p.is_file()]
    for p in candidates:
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{p}: cannot read configuration: {e}") from None
        if p.name != "pyproject.toml":
            return from_mapping(data, str(p))
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{p}: [tool] must be a table")
        section = tool.get("trialguard")
        if section is None and not path:
            continue  # a pyproject.toml without a trialguard section: keep looking, else the defaults
        return from_mapping({} if section is None else section, f"{p}[tool.trialguard]")
    return Config()
