"""The `trialguard` command line. Exit codes: 0 pass, 1 (new) findings at or above --fail-on, 2 usage error."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import click

from trialguard import __version__
from trialguard.config import FAIL_ON, check_codes, load, parse_codes


class OutputError(click.ClickException):
    """The reports cannot be written (--out is not a writable folder): a usage error, exit code 2."""

    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trialguard")
def cli() -> None:
    """Check clinical-trial records for implausible numbers, dates, doses and claims."""


def _formats(text: str | None) -> tuple[str, ...]:
    return tuple(f.strip().lower() for f in (text or "").split(",") if f.strip())


def _config(config_path: str | None, **overrides):
    """The configuration in effect (file, then command-line overrides), its rule codes checked."""
    from trialguard.validators.registry import all_rules

    cfg = load(config_path).with_overrides(**overrides)
    check_codes(cfg, (r.code for r in all_rules()))
    return cfg


def _out_folder(path: str, option: str) -> Path:
    """Create the output folder before the (possibly long) run, so an unusable one is a usage error first."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise click.BadParameter(f"cannot create folder {path}: {e.strerror or e}", param_hint=option) from None
    return folder


@contextlib.contextmanager
def progress_bar(enabled: bool):
    """A files-read progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        def start(total: int):
            task = bar.add_task("files", total=total)
            return lambda _file: bar.advance(task)

        yield start


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the reports.")
@click.option("--format", "formats", default=None, help="Comma-separated: html, json, sarif, junit, github "
              "(default: html, json).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None, help="Lowest severity that fails the run "
              "[default: error].")
@click.option("--select", default=None, help="Rule codes or prefixes to run, comma-separated (e.g. TG2,TG301).")
@click.option("--ignore", default=None, help="Rule codes or prefixes to skip, comma-separated.")
@click.option("--config", "config_path", default=None, help="Config file (default: trialguard.toml or "
              "pyproject.toml [tool.trialguard] in the current folder).")
@click.option("--exclude", multiple=True, help="Path glob to skip (repeatable).")
@click.option("--max-file-mb", type=click.IntRange(min=1), default=None, help="Largest input file [256].")
@click.option("--max-json-depth", type=click.IntRange(min=2), default=None, help="Deepest JSON nesting [64].")
@click.option("--chunk-records", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Records checked per chunk; bounds memory on large inputs (findings do not depend on it).")
@click.option("--engine", "engine_name", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where to run: this process, or a Dask cluster (needs the dask extra).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Local engine: worker processes; 0 = one per core as memory allows, for inputs over 32 MB "
              "(findings do not depend on it).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Dask: workers of the local cluster started for this run.")
@click.option("--scheduler", default=None, help="Dask: address of a running scheduler (tcp://HOST:PORT).")
@click.option("--gx-docs", "gx_docs", default=None, type=click.Path(file_okay=False),
              help="Also run the column rules as Great Expectations suites and build GX Data Docs into this "
              "folder (needs the gx extra).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the verdict line.")
@click.option("--baseline", "baseline_file", default=None, type=click.Path(dir_okay=False),
              help="Baseline file: only findings not in it are new, and only new ones fail the run.")
@click.option("--write-baseline", default=None, type=click.Path(dir_okay=False),
              help="Write every finding of this run to a baseline file.")
@click.option("--since", default=None, metavar="REV",
              help="Report only findings in files changed since git revision REV (plus untracked files).")
def validate(paths, out_dir, formats, fail_on, select, ignore, config_path, exclude, max_file_mb, max_json_depth,
             chunk_records, engine_name, jobs, workers, scheduler, gx_docs, quiet, baseline_file, write_baseline,
             since) -> None:
    """Read PATHS (files or folders), check every record, write reports to --out.

    Exit codes: 0 pass; 1 findings at or above --fail-on (with --baseline: new ones only); 2 usage or
    configuration error (bad option, unreadable config or baseline, unknown --since revision).
    """
    from trialguard import parallel

    if engine_name == "local" and not scheduler and not gx_docs and parallel.likely_parallel(paths, jobs):
        parallel.start_fork_server()  # its imports overlap the rest of this start-up
    from trialguard import engine, gate
    from trialguard.memory import keep_freed_memory
    from trialguard.reports import console, default_formats, writers

    cfg = _config(config_path, select=parse_codes(select), ignore=parse_codes(ignore), fail_on=fail_on,
                  formats=_formats(formats), exclude=tuple(exclude), max_file_mb=max_file_mb,
                  max_json_depth=max_json_depth)
    available = writers()
    chosen = cfg.formats or default_formats(available)
    unknown = [f for f in chosen if f not in available]
    if unknown:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown)}; available: "
                                 f"{', '.join(sorted(available))}", param_hint="--format")
    plan = gate.plan(paths, baseline=baseline_file, write_baseline=write_baseline, since=since)
    limits = cfg.limits()
    gx_run = _gx_checkpoints(gx_docs, engine_name == "dask" or scheduler) if gx_docs else None
    out = _out_folder(out_dir, "--out")  # the last usage check: nothing is created when an earlier one fails
    if engine_name == "dask" or scheduler:
        from trialguard.distributed import run_dask

        result = run_dask(paths, cfg, limits, workers=workers, scheduler=scheduler, chunk_records=chunk_records)
    else:
        keep_freed_memory()
        with progress_bar(enabled=not quiet) as progress:
            result = engine.run(paths, cfg, limits, chunk_records=chunk_records, progress=progress,
                                observe=gx_run.observe if gx_run else None, jobs=jobs)
    if not result.dataset.inputs:
        skipped = len(result.dataset.skipped)
        raise click.UsageError(f"no input files under {', '.join(paths)} ({skipped} other files skipped; "
                               "inputs are .json, .ndjson, .jsonl, .xml, .yaml, .yml, .txt and .zip)")
    plan.apply(result)
    if gx_run:
        result.gx_docs = gx_run.summary(out)
        result.timings["gx"] = gx_run.seconds
    t0 = time.perf_counter()
    try:
        written = [available[f](result, out) for f in chosen]
    except (OSError, ValueError) as e:
        raise OutputError(f"cannot write reports to {out_dir}: {getattr(e, 'strerror', None) or e}") from None
    result.timings["reports"] = time.perf_counter() - t0
    code = gate.exit_code(result.findings, cfg.fail_on)
    if quiet:
        click.echo(console.summary_lines(result, code)[-1])
    else:
        console.print_summary(result, code)
        for p in written:
            click.echo(f"wrote {p}")
        if result.gx_docs:
            click.echo(f"wrote {result.gx_docs['index']} (Great Expectations Data Docs)")
    sys.exit(code)


@cli.group("baseline")
def baseline_group() -> None:
    """Accept the current findings: only findings not in the baseline fail `validate --baseline`."""


@baseline_group.command("write")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option("--select", default=None, help="Rule codes or prefixes to run, comma-separated.")
@click.option("--ignore", default=None, help="Rule codes or prefixes to skip, comma-separated.")
@click.option("--config", "config_path", default=None, help="Config file (as for validate).")
@click.option("--exclude", multiple=True, help="Path glob to skip (repeatable).")
def baseline_write(file, paths, select, ignore, config_path, exclude) -> None:
    """Validate PATHS and record every finding's fingerprint in FILE (JSON, meant to be committed)."""
    from trialguard import baseline

    cfg = _config(config_path, select=parse_codes(select), ignore=parse_codes(ignore), exclude=tuple(exclude))
    n = baseline.record(paths, cfg, file)
    click.echo(f"wrote {file}: {n} findings")


def _gx_checkpoints(docs_dir: str, distributed: bool):
    """The GX checkpoint runner for --gx-docs, or a one-line usage error (exit 2) when GX is missing."""
    if distributed:
        raise click.UsageError("--gx-docs runs with the local engine only", ctx=click.get_current_context())
    from trialguard.gx import GxUnavailable
    from trialguard.gx.checkpoint import DocsRun

    try:
        return DocsRun(Path(docs_dir))
    except GxUnavailable as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)


@cli.command("export-gx")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the suites (trialguard.<table>.json) and a README.")
def export_gx(out_dir) -> None:
    """Write the column-level rules (TG1xx) as Great Expectations 1.x suites, one per canonical table."""
    from trialguard.gx.suites import write

    for p in write(_out_folder(out_dir, "--out")):
        click.echo(f"wrote {p}")


@cli.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the extracted records (NAME.yaml beside a copy of NAME.txt).")
def extract(articles, out_dir) -> None:
    """Extract curated-format records (with quotes and character spans) from ARTICLES (UTF-8 .txt)."""
    from trialguard.extract.write import extract_file

    failed = False
    for a in articles:
        try:
            click.echo(f"wrote {extract_file(Path(a), Path(out_dir))}")
        except (UnicodeDecodeError, OSError, ValueError) as e:
            click.echo(f"error: {a}: {type(e).__name__}: {e}", err=True)
            failed = True
    sys.exit(2 if failed else 0)


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_rules(fmt: str) -> None:
    """List every rule: code, name, default severity, summary."""
    from trialguard.validators.registry import all_rules

    rules = all_rules()
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in rules], indent=2, ensure_ascii=False))
        return
    for r in rules:
        click.echo(f"{r.code}  {r.name:<38} {str(r.severity):<8} {r.summary}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain one rule: what it checks, why, its formula and an example."""
    from trialguard.validators.registry import get

    try:
        r = get(code)
    except KeyError:
        raise click.BadParameter(f"no rule {code!r}; `trialguard rules` lists them", param_hint="CODE") from None
    click.echo(f"{r.code} {r.name} ({r.severity}, {r.family})\n")
    click.echo(r.summary + "\n")
    click.echo("Why: " + r.rationale)
    if r.example:
        click.echo("\nExample:\n" + r.example)


def main() -> None:
    """Entry point. Click turns every ClickException (usage, ConfigError, GateError) into one line and its exit
    code (2)."""
    cli.main(prog_name="trialguard")
