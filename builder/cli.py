"""The budgetsite command line: parses options and calls the library, nothing more."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .build import BuildFailed, UnknownEdition, build_site, check_site
from .errors import BudgetError


def _fail(debug: bool, exc: Exception) -> None:
    if debug:
        raise exc
    if isinstance(exc, BuildFailed):
        for finding in exc.findings:
            click.echo(str(finding), err=True)
        click.echo(f"build failed: {len(exc.findings)} error(s); nothing was written", err=True)
    elif isinstance(exc, BudgetError):
        click.echo(str(exc), err=True)
    else:
        click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
                   err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
@click.version_option(package_name="budgetsite")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """budgetsite: build a 部门预算公开 site (and PDF) from YAML and Markdown."""
    ctx.obj = {"debug": debug}


@main.command()
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The site folder (with site.yaml).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: <site>/_site].")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def build(ctx: click.Context, site_dir: Path, out_dir: Path | None, no_pdf: bool, quiet: bool) -> None:
    """Check and build every edition under content/ into the output folder."""
    progress = (lambda m: None) if quiet else click.echo
    try:
        build_site(site_dir, out_dir, pdf=not no_pdf, progress=progress,
                   warn=lambda m: click.echo(m, err=True))
    except Exception as exc:  # every error ends as one line and exit 1
        _fail(ctx.obj["debug"], exc)


@main.command("check")
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The site folder (with site.yaml).")
@click.option("--edition", "year", type=int, default=None, help="Check only this edition (year).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one finding a line; json: for CI and editors.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.pass_context
def check_command(ctx: click.Context, site_dir: Path, year: int | None, fmt: str, strict: bool) -> None:
    """Prove every figure and every required part; exit 1 on errors."""
    try:
        report = check_site(site_dir, year)
    except UnknownEdition as exc:
        raise click.BadParameter(str(exc), param_hint="--edition") from None
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            click.echo(str(finding))
        click.echo(report.summary())
    sys.exit(report.exit_status(strict))


if __name__ == "__main__":
    main()
