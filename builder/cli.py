"""The budgetsite command line: parses options and calls the library, nothing more."""
from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import click

from .build import BuildFailed, UnknownEdition, build_site, check_site
from .errors import BudgetError
from .i18n import _, localize_click, set_language
from .progress import Progress


def _argv_language() -> str | None:
    """--lang of the command line, read before click parses it: the help texts are made when
    this module loads, in the language asked for."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


set_language(_argv_language())
localize_click()


def _fail(debug: bool, exc: Exception) -> None:
    if debug:
        raise exc
    if isinstance(exc, BuildFailed):
        for finding in exc.findings:
            click.echo(str(finding), err=True)
        click.echo(_("生成失败：{n} 个错误，没有写出任何文件", n=len(exc.findings)), err=True)
    elif isinstance(exc, BudgetError):
        click.echo(str(exc), err=True)
    elif isinstance(exc, OSError) and getattr(exc, "filename", None):
        # a file that cannot be read or written (permissions, a full disk, a name too long)
        click.echo(_("{file}: error: 无法读写这个文件：{reason}（如果它在其他程序中打开着，请先关闭）",
                     file=exc.filename, reason=exc.strerror or exc), err=True)
    else:
        detail = str(exc)
        if len(detail) > 300:  # the message of a huge value must not flood the terminal
            detail = detail[:300] + "…"
        click.echo(_("内部错误：{kind}: {detail}（这是 budgetsite 的问题而不是内容的问题，请用 --debug 运行并报告）",
                     kind=type(exc).__name__, detail=detail), err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help=_("出错时显示 Python 的调用栈（报告问题时用）。"))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help=_("消息的语言：zh（中文，默认）或 en（English）；也可用环境变量 BUDGETSITE_LANG。"))
@click.version_option(package_name="budgetsite")
@click.pass_context
def main(ctx: click.Context, debug: bool, lang: str | None) -> None:
    set_language(lang)
    ctx.obj = {"debug": debug}


main.help = _("budgetsite：用 YAML 和 Markdown 生成部门预算公开网站（和 PDF）。")


@main.command(help=_("检查并生成 content/ 下的每一个年度，写入输出文件夹。"))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help=_("站点文件夹（含 site.yaml）。"))
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help=_("输出文件夹［默认：<站点>/_site］。"))
@click.option("--no-pdf", is_flag=True, help=_("不生成 PDF。"))
@click.option("--quiet", "-q", is_flag=True, help=_("只显示错误。"))
@click.option("--jobs", "-j", type=click.IntRange(1), default=None,
              help=_("门户：同时生成的发布单位数（本机进程）［默认：CPU 核数］。"))
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help=_("门户：在这个 Dask 集群上生成（如 tcp://HOST:8786；需要 budgetsite[cluster]）。"))
@click.pass_context
def build(ctx: click.Context, site_dir: Path, out_dir: Path | None, no_pdf: bool, quiet: bool,
          jobs: int | None, scheduler: str | None) -> None:
    """Check and build every edition under content/ into the output folder."""
    from .portal import build_portal, is_portal

    shown = Progress(sys.stdout)
    progress = (lambda m: None) if quiet else shown

    def warn(message: str) -> None:
        shown.close()
        click.echo(message, err=True)

    try:
        if is_portal(site_dir):
            build_portal(site_dir, out_dir, pdf=not no_pdf, jobs=jobs, scheduler=scheduler,
                         progress=progress, warn=warn)
        else:
            build_site(site_dir, out_dir, pdf=not no_pdf, progress=progress, warn=warn)
    except Exception as exc:  # every error ends as one line and exit 1
        shown.close()
        _fail(ctx.obj["debug"], exc)
    shown.close()


@main.command("check", help=_("核对每一个数字和每一个必备部分；有错误时退出码为 1。"))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help=_("站点文件夹（含 site.yaml）。"))
@click.option("--edition", "year", type=int, default=None, help=_("只检查这一年度。"))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=_("text：每行一条；json：供 CI 和编辑器使用。"))
@click.option("--strict", is_flag=True, help=_("有警告也算失败（退出码 1）。"))
@click.pass_context
def check_command(ctx: click.Context, site_dir: Path, year: int | None, fmt: str, strict: bool) -> None:
    """Prove every figure and every required part; exit 1 on errors."""
    from .portal import check_portal, is_portal

    try:
        report = (check_portal if is_portal(site_dir) else check_site)(site_dir, year)
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


@main.command(help=_("预览：生成网站并在本机打开，每次修改后自动重新生成并刷新浏览器页面。"))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help=_("站点文件夹（含 site.yaml）。"))
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help=_("输出文件夹［默认：<站点>/_site］。"))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("监听的地址。"))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help=_("端口（0：任选一个空闲端口）。"))
@click.option("--no-pdf", is_flag=True, help=_("不在后台重新生成 PDF。"))
@click.pass_context
def serve(ctx: click.Context, site_dir: Path, out_dir: Path | None, host: str, port: int,
          no_pdf: bool) -> None:
    """Preview: build, serve, rebuild on every change and reload the browser page."""
    from .serve import serve as run_server

    out = out_dir if out_dir is not None else site_dir / "_site"
    try:
        run_server(site_dir, out, host, port, log=lambda m: click.echo(m, err=True), pdf=not no_pdf)
    except KeyboardInterrupt:
        click.echo(_("已停止"), err=True)
    except OSError as exc:
        click.echo(_("error: 无法在 {host}:{port} 上提供预览：{reason}（换一个端口试试，如 --port 8001）",
                     host=host, port=port, reason=exc.strerror or exc), err=True)
        sys.exit(1)
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)


@main.command("new", help=_("以最近一年为底稿新建 YEAR 年度（复制文字和结构，金额为 0）。"))
@click.argument("year", type=click.IntRange(1990, 2200))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help=_("站点文件夹（含 site.yaml）。"))
@click.pass_context
def new_command(ctx: click.Context, year: int, site_dir: Path) -> None:
    """Start the YEAR edition from the latest one (texts and structure copied, amounts 0)."""
    from .new import new_edition

    try:
        made = new_edition(site_dir, year)
    except Exception as exc:
        _fail(ctx.obj["debug"], exc)
    click.echo(_("已从 content/{source}/ 新建 content/{year}/（status: draft）。待办：", source=made.copied_from, year=year))
    for item in made.todo:
        click.echo(f"  - {item}")


@main.command("unpublish", help=_("把已公开的 YEAR 年度撤回为草稿，并记录撤回说明。"))
@click.argument("year", type=click.IntRange(1990, 2200))
@click.option("--reason", required=True, help=_("撤回的原因（显示在网页和 PDF 中）。"))
@click.option("--date", "date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help=_("撤回日期，YYYY-MM-DD［默认：今天］。"))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help=_("站点文件夹（含 site.yaml）。"))
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
    click.echo(_("{file}: 已改为 status: draft，并记录撤回说明（{when}：{reason}）",
                 file=done.edition_file, when=when, reason=done.reason))
    if done.manifest:
        click.echo(_("published.json: {year}年版已标记为撤回", year=year))
    click.echo(_("请运行 budgetsite build 重新生成网站（页面和PDF会显示撤回说明），"
                 "并提交 edition.yaml 和 published.json"))


@main.command("import", help=_("导入预算系统导出的工作簿（每张标准表占一个工作表），生成 budget.yaml。"))
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(1990, 2200), default=None,
              help=_("年度［默认：取自表格标题］。"))
@click.option("--into", "into", default=None, type=click.Path(file_okay=False, path_type=Path),
              help=_("写入的年度文件夹［默认：<站点>/content/<年度>］。"))
@click.option("--site", "site_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help=_("站点文件夹（含 site.yaml）。"))
@click.option("--force", is_flag=True, help=_("替换已有的 budget.yaml。"))
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
        click.echo(_("导入失败：{n} 个错误，没有写出任何文件", n=len(result.errors)), err=True)
        sys.exit(1)
    for path in result.written:
        click.echo(_("已写出 {path}", path=path))
    for finding in result.findings:
        click.echo(str(finding))
    if result.todo:
        click.echo(_("待办（导入不会生成的部分）："))
        for finding in result.todo:
            click.echo(f"  - {finding}")
    errors = sum(1 for f in result.findings if f.level == "error")
    click.echo(_("已检查 {year}：{errors} 个错误，{warnings} 个警告，{notes} 条提示", year=result.year, errors=errors,
                 warnings=sum(1 for f in result.findings if f.level == "warning"),
                 notes=sum(1 for f in result.findings if f.level == "note")))
    sys.exit(result.exit_status)


def run() -> None:
    """The ``budgetsite`` command: main(), and then the process ends.

    Before it ends, everything the command made is handed to gc.freeze(): Python's last
    collection at exit then does not walk it all (a tenth of a second after a build), and
    the operating system takes the memory back anyway."""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
