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
    elif isinstance(exc, OSError) and getattr(exc, "filename", None):
        # a file that cannot be read or written (permissions, a full disk, a name too long)
        click.echo(f"{exc.filename}: error: 无法读写这个文件：{exc.strerror or exc}", err=True)
    else:
        detail = str(exc)
        if len(detail) > 300:  # the message of a huge value must not flood the terminal
            detail = detail[:300] + "…"
        click.echo(f"internal error: {type(exc).__name__}: {detail} (run with --debug for details; "
                   "内部错误：这是 budgetsite 的问题而不是内容的问题，请用 --debug 运行并报告)",
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


@main.command()
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The site folder (with site.yaml).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: <site>/_site].")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port).")
@click.option("--no-pdf", is_flag=True, help="Do not rebuild the PDF in the background.")
@click.pass_context
def serve(ctx: click.Context, site_dir: Path, out_dir: Path | None, host: str, port: int,
          no_pdf: bool) -> None:
    """Preview: build, serve, rebuild on every change and reload the browser page."""
    from .serve import serve as run_server

    out = out_dir if out_dir is not None else site_dir / "_site"
    try:
        run_server(site_dir, out, host, port, log=lambda m: click.echo(m, err=True), pdf=not no_pdf)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    except OSError as exc:
        click.echo(f"error: cannot serve on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)


@main.command("new")
@click.argument("year", type=click.IntRange(1990, 2200))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The site folder (with site.yaml).")
@click.pass_context
def new_command(ctx: click.Context, year: int, site_dir: Path) -> None:
    """Start the YEAR edition from the latest one (texts and structure copied, amounts 0)."""
    from .new import new_edition

    try:
        made = new_edition(site_dir, year)
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)
    click.echo(f"created content/{year}/ from content/{made.copied_from}/ (status: draft). To do:")
    for item in made.todo:
        click.echo(f"  - {item}")


@main.command("unpublish")
@click.argument("year", type=click.IntRange(1990, 2200))
@click.option("--reason", required=True, help="Why it is withdrawn (shown on the pages and in the PDF).")
@click.option("--date", "date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date of the withdrawal, YYYY-MM-DD [default: today].")
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The site folder (with site.yaml).")
@click.pass_context
def unpublish_command(ctx: click.Context, year: int, reason: str, date, site_dir: Path) -> None:
    """Take the published YEAR edition back to draft, recording why (撤回说明)."""
    from .publish import UnpublishUsageError, unpublish

    try:
        done = unpublish(site_dir, year, reason, date.date() if date else None)
    except UnpublishUsageError as exc:  # before BudgetError: a usage error exits 2
        click.echo(str(exc), err=True)
        sys.exit(2)
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)
    when = f"{done.date.year}年{done.date.month}月{done.date.day}日"
    click.echo(f"{done.edition_file}: 已改为 status: draft，并记录撤回说明（{when}：{done.reason}）")
    if done.manifest:
        click.echo(f"published.json: {year}年版已标记为撤回")
    click.echo("请运行 budgetsite build 重新生成网站（页面和PDF会显示撤回说明），"
               "并提交 edition.yaml 和 published.json")


@main.command("import")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(1990, 2200), default=None,
              help="The edition's year [default: from the tables' titles].")
@click.option("--into", "into", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="The edition folder to write [default: <site>/content/<year>].")
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="The site folder (with site.yaml).")
@click.option("--force", is_flag=True, help="Replace an existing budget.yaml.")
@click.pass_context
def import_command(ctx: click.Context, workbook: Path, year: int | None, into: Path | None,
                   site_dir: Path, force: bool) -> None:
    """Import the budget system's workbook (one sheet per standard table) as budget.yaml."""
    from .importer import ImportUsageError, import_workbook

    try:
        result = import_workbook(workbook, site_dir, year, into, force)
    except ImportUsageError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)
    for message in result.messages:
        click.echo(str(message), err=message.level != "note")
    if result.errors:
        click.echo(f"import failed: {len(result.errors)} error(s); nothing was written", err=True)
        sys.exit(1)
    for path in result.written:
        click.echo(f"wrote {path}")
    for finding in result.findings:
        click.echo(str(finding))
    if result.todo:
        click.echo("to do (parts an import does not make):")
        for finding in result.todo:
            click.echo(f"  - {finding}")
    errors = sum(1 for f in result.findings if f.level == "error")
    click.echo(f"checked {result.year}: {errors} error(s), "
               f"{sum(1 for f in result.findings if f.level == 'warning')} warning(s), "
               f"{sum(1 for f in result.findings if f.level == 'note')} note(s)")
    sys.exit(result.exit_status)


if __name__ == "__main__":
    main()
