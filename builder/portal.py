"""A portal: many publishers (departments and their units) in one site, built in parallel.

A site folder with ``publishers/`` (and no ``content/``) is a portal. Each ``publishers/<id>/``
is a complete one-department site (site.yaml, content/<year>/ …); its site.yaml may say what
it is in the portal (``code``, ``kind: 部门|单位``, ``parent``, ``group``). The portal's own
site.yaml gives its title; its theme/, templates/, formats/ and codes/ are every publisher's
fallbacks (builder/paths.py).

The build is a layer on top of the one-department pipeline: each publisher is built by the
unchanged :func:`builder.build.build_site` in a worker (:func:`build_publisher`: one task per
publisher, all its years in order) into a private temporary folder, and comes back as its
files ``{relative path: bytes}`` and a summary (editions, tables, 功能分类 figures with their
file:line) for the portal pages and the checks across publishers. A task carries its inputs
(the publisher's files and the portal's shared ones) as bytes, so a worker needs no shared
file system. The coordinator (:func:`build_portal`) writes everything once, atomically
(builder/write.py), under ``_site/<id>/``, plus the portal pages. Workers: in this process
(``jobs=1``), local processes (:class:`concurrent.futures.ProcessPoolExecutor`) or a Dask
cluster (``scheduler``); the output is the same bytes whichever ran it.

A publisher whose inputs did not change since the last build (its input hash, stored in
``_site/<id>/.publisher-hash``) is not built again: its files are kept (hard-linked) and its
summary read back from ``_site/<id>/.publisher.json``.
"""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import __version__
from .errors import BudgetError, Pos
from .findings import Finding
from .i18n import _, language, using
from .load import _yaml
from .model import Site
from .write import MARKER, write_site

PUBLISHERS = "publishers"
#: the portal's folders every publisher falls back to (builder/paths.py), and its site.yaml
SHARED = ("theme", "templates", "formats", "tablesets", "codes")
HASH_FILE = ".publisher-hash"
SUMMARY_FILE = ".publisher.json"
SUMMARY_VERSION = 2  # 2: the summary lists the publisher's output files
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_WARNING_AT = re.compile(r"^([^\s:]+)(:\d+)?: ")


def is_portal(site_dir: Path) -> bool:
    """Whether ``site_dir`` is a portal (a ``publishers/`` folder and no ``content/``)."""
    root = Path(site_dir)
    return (root / PUBLISHERS).is_dir() and not (root / "content").is_dir()


# -- the portal's structure ----------------------------------------------------------------

@dataclass(frozen=True)
class Publisher:
    id: str
    site: Site

    @property
    def folder(self) -> str:
        return f"{PUBLISHERS}/{self.id}"

    @property
    def name(self) -> str:
        return self.site.publisher or self.id


@dataclass(frozen=True)
class Portal:
    root: Path
    site: Site
    publishers: list[Publisher]

    def get(self, pid: str | None) -> Publisher | None:
        return next((p for p in self.publishers if p.id == pid), None)


def load_portal(site_dir: Path) -> Portal:
    """The portal's site.yaml and every publisher's site.yaml (their content is read by the
    publishers' own builds)."""
    root = Path(site_dir)
    if not (root / "site.yaml").is_file():
        raise BudgetError(Pos("site.yaml"), _("找不到文件：门户文件夹中必须有 site.yaml（门户的标题；见 README）"))
    site = _yaml(root, "site.yaml", Site, "site.yaml")
    publishers = []
    for folder in sorted(p for p in (root / PUBLISHERS).iterdir() if p.is_dir()):
        if folder.name.startswith("."):
            continue
        rel = f"{PUBLISHERS}/{folder.name}"
        if not _ID.match(folder.name):
            raise BudgetError(Pos(rel), _("发布单位的文件夹名“{name}”只能由英文字母、数字、- 和 _ 组成（它是网址的一部分）",
                                          name=folder.name))
        publishers.append(Publisher(folder.name, _yaml(root, f"{rel}/site.yaml", Site, "site.yaml")))
    if not publishers:
        raise BudgetError(Pos(PUBLISHERS), _("没有找到任何发布单位：请新建 publishers/<编号>/site.yaml 和 content/<年份>/"))
    return Portal(root, site, publishers)


# -- inputs and their hash -------------------------------------------------------------------

def _files_under(folder: Path, skip_top: tuple[str, ...] = (), hidden: bool = False) -> Iterator[tuple[str, Path]]:
    """(relative path, path) of every file under ``folder``, sorted; the top-level names
    ``skip_top`` (an output folder built inside) left out, and hidden names unless ``hidden``."""
    if not folder.is_dir():
        return
    for dirpath, dirs, names in os.walk(folder):
        base = Path(dirpath)
        top = base == folder
        dirs[:] = sorted(d for d in dirs if (hidden or not d.startswith(".")) and not (top and d in skip_top))
        for name in sorted(names):
            if (hidden or not name.startswith(".")) and not (top and name in skip_top):
                path = base / name
                yield path.relative_to(folder).as_posix(), path


def publisher_inputs(root: Path, pid: str) -> dict[str, bytes]:
    return {rel: path.read_bytes() for rel, path in _files_under(root / PUBLISHERS / pid, ("_site",))}


def shared_inputs(root: Path) -> dict[str, bytes]:
    """The portal's site.yaml and shared folders, as the publishers see them."""
    files = {"site.yaml": (root / "site.yaml").read_bytes()}
    for name in SHARED:
        for rel, path in _files_under(root / name):
            files[f"{name}/{rel}"] = path.read_bytes()
    return files


_TOOL_KEY: dict[str, str] = {}


def tool_key() -> str:
    """The hash of the builder itself: its version, code, standards, templates and theme (a
    changed template rebuilds every publisher, even in a checkout without a new version)."""
    if "key" not in _TOOL_KEY:
        from .paths import BUNDLED_TEMPLATES, BUNDLED_THEME

        digest = hashlib.sha256(f"budgetsite {__version__}\0".encode())
        here = Path(__file__).resolve().parent
        for base in (here, BUNDLED_TEMPLATES, BUNDLED_THEME):
            for rel, path in _files_under(base):
                if "__pycache__" in rel or rel.endswith((".pyc", ".po")):
                    continue
                digest.update(f"{base.name}/{rel}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        _TOOL_KEY["key"] = digest.hexdigest()
    return _TOOL_KEY["key"]


def input_key(pid: str, files: dict[str, bytes], shared_key: str, options: dict) -> str:
    """The publisher's input hash: its files, the portal's shared ones, the builder, the options."""
    digest = hashlib.sha256(b"budgetsite-portal/1\0")
    digest.update(f"{tool_key()}\0{shared_key}\0{pid}\0".encode())
    digest.update(json.dumps(options, sort_keys=True).encode() + b"\0")
    for rel in sorted(files):
        digest.update(f"{rel}\0{len(files[rel])}\0".encode())
        digest.update(files[rel])
    return digest.hexdigest()


def _files_key(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(f"{rel}\0{len(files[rel])}\0".encode())
        digest.update(files[rel])
    return digest.hexdigest()


# -- one publisher: the worker's task ---------------------------------------------------------

@dataclass(frozen=True)
class PublisherTask:
    id: str
    files: dict[str, bytes]        # the publisher's folder
    shared: dict[str, bytes]       # the portal's site.yaml and shared folders
    pdf: bool
    key: str                       # the input hash (stored with the output)
    previous: str | None = None    # the last build's output of this publisher, if a worker can read it
    lang: str = "zh"
    epoch: str | None = None       # SOURCE_DATE_EPOCH of the build
    stage: str | None = None       # a folder on the output's file system (local workers): the
                                   # output is moved there and named, not sent back as bytes


@dataclass
class PublisherResult:
    id: str
    key: str
    files: dict[str, bytes] = field(default_factory=dict)   # its output, relative to _site/<id>/
    summary: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failure: list = field(default_factory=list)              # Finding, or (Pos, message, level) of a BudgetError
    sources: dict[str, bytes] = field(default_factory=dict)  # source files the build changed (published.json)
    seconds: float = 0.0
    reused: bool = False
    staged: str | None = None      # with a task's stage: the folder its output was moved to
    names: list[str] = field(default_factory=list)           # and the files in it


def shown_pos(pos: Pos | None, root: Path, pid: str) -> Pos | None:
    """A position inside a publisher's site, as the portal shows it (publishers/<id>/…); a
    bundled file's position stays as it is."""
    if pos is None or not pos.file:
        return pos
    if (root / pos.file).exists() or pos.file.startswith("../"):
        return Pos(posixpath.normpath(f"{PUBLISHERS}/{pid}/{pos.file}"), pos.line)
    return pos


def shown_finding(finding: Finding, root: Path, pid: str) -> Finding:
    return Finding(shown_pos(finding.pos, root, pid), finding.level, finding.rule, finding.message,
                   finding.subject_id)


def _shown_warning(text: str, root: Path, pid: str) -> str:
    match = _WARNING_AT.match(text)
    if match and ((root / match[1]).exists() or match[1].startswith("../")):
        return posixpath.normpath(f"{PUBLISHERS}/{pid}/{match[1]}") + text[len(match[1]):]
    return f"{PUBLISHERS}/{pid}: {text}"


@contextlib.contextmanager
def _epoch(value: str | None):
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def _materialize(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


#: one task at a time in a process: the language, SOURCE_DATE_EPOCH and the collector are the
#: process's (a Dask worker may run several tasks in threads)
_TASK_LOCK = threading.Lock()


class _OnDisk:
    """A build's output files as ``publisher_summary`` reads them (``in`` and ``[rel]``), from
    the folder they are in rather than from memory."""

    def __init__(self, folder: Path, names: list[str]):
        self.folder, self.names = folder, set(names)

    def __contains__(self, rel) -> bool:
        return rel in self.names

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self.names:
            raise KeyError(rel)
        return (self.folder / rel).read_bytes()


def build_publisher(task: PublisherTask) -> PublisherResult:
    """Build one publisher (every year, in order) in a private temporary folder; its files and
    summary. Runs in a worker: this process, a local process or a Dask worker."""
    from .build import BuildFailed, build_site
    from .freeze import MANIFEST

    started = time.perf_counter()
    result = PublisherResult(task.id, task.key)
    stage = Path(task.stage) if task.stage else None
    with _TASK_LOCK, tempfile.TemporaryDirectory(prefix="budgetsite-publisher-", dir=stage) as tmp, \
            using(task.lang), _epoch(task.epoch):
        portal = Path(tmp) / "portal"
        root = portal / PUBLISHERS / task.id
        _materialize(portal, task.shared)
        _materialize(root, task.files)
        out = Path(tmp) / "out"
        previous = Path(task.previous) if task.previous else None
        if previous is not None and previous.is_dir():
            # the last output (a shared or local file system): its PDFs and XLSX files are reused
            shutil.copytree(previous, out, copy_function=_link_or_copy)
            (out / MARKER).write_text("kept\n", encoding="utf-8")
        warnings: list[str] = []
        try:
            built = build_site(root, out, pdf=task.pdf, warn=warnings.append)
        except BuildFailed as exc:
            result.failure = [shown_finding(f, root, task.id) for f in exc.findings]
            return result
        except BudgetError as exc:
            result.failure = [(shown_pos(exc.pos, root, task.id), exc.message, exc.level)]
            return result
        result.warnings = [_shown_warning(w, root, task.id) for w in warnings]
        names = [rel for rel, _path in _files_under(out, (MARKER,), hidden=True)]  # .pdf-hash too
        if stage is None:
            result.files = {rel: (out / rel).read_bytes() for rel in names}
        manifest = root / MANIFEST
        if manifest.is_file() and manifest.read_bytes() != task.files.get(MANIFEST):
            result.sources[MANIFEST] = manifest.read_bytes()
        source = built.source()  # the editions the build read are not read again
        result.summary = publisher_summary(task.id, source, root,
                                           result.files if stage is None else _OnDisk(out, names))
        if stage is not None:  # the same file system as the output: moved, not copied
            target = stage / task.id
            os.rename(out, target)
            result.staged, result.names = str(target), names
    result.seconds = time.perf_counter() - started
    return result


# -- what the portal pages and checks need of a publisher --------------------------------------

def _pos(pos: Pos | None) -> list | None:
    return [pos.file, pos.line] if pos is not None else None


def edition_lines(edition) -> dict[str, dict]:
    """The 功能分类 项 figures of an edition in 元 (basic, project, total, 当年 and 结转 of every
    source), each with the budget.yaml line it was written on."""
    from .formats import UNIT_SCALE

    factor = UNIT_SCALE[edition.edition.unit]
    lines = {}
    key_pos = getattr(edition.budget.lines, "key_pos", {})
    for code, line in edition.budget.lines.items():
        basic = (line.basic.total + line.carryover.basic.total) * factor
        project = (line.project.total + line.carryover.project.total) * factor
        lines[str(code)] = {"basic": str(basic), "project": str(project), "total": str(basic + project),
                            "pos": _pos(key_pos.get(code) or getattr(line, "pos", None))}
    return lines


def _where(obj, key: str) -> list | None:
    return _pos(getattr(obj, "where", {}).get(key))


def publisher_summary(pid: str, source, root: Path, files: dict[str, bytes] | None = None) -> dict:
    """The publisher as the portal pages and the checks across publishers see it. With the
    build's ``files``: its editions' PDFs, workbooks and tables too."""
    from . import downloads
    from . import pdf as pdf_stage
    from .formats import edition_format

    site = source.site
    summary = {
        "version": SUMMARY_VERSION, "id": pid, "name": site.publisher, "title": site.title,
        "code": site.code, "kind": site.kind, "parent": site.parent, "group": site.group,
        "where": {k: _where(site, k) for k in ("publisher", "code", "kind", "parent", "group")},
        "editions": [],
    }
    for edition in source.editions:
        ed = edition.edition
        year = ed.year
        entry = {
            "year": year, "department": ed.department, "department_code": ed.department_code,
            "status": ed.status, "unit": ed.unit, "folder": edition.folder,
            "date": pdf_stage.document_date(ed.date, year).isoformat(),
            "units": [u.name for u in ed.units],
            "where": {k: _where(ed, k) for k in ("department", "department_code", "units", "year")},
            "lines": edition_lines(edition),
            "lines_pos": _pos(getattr(edition.budget, "where", {}).get("lines")) or [f"{edition.folder}/budget.yaml", 1],
        }
        if files is not None:
            pdf = pdf_stage.pdf_name(ed.department, year)
            workbook = f"{year}/{downloads.FOLDER}/{downloads.workbook_name(ed.department, year)}"
            entry["index"] = f"{year}/index.html"
            entry["pdf"] = f"{year}/{pdf}" if f"{year}/{pdf}" in files else None
            entry["workbook"] = workbook if workbook in files else None
            entry["tables"] = _tables(edition_format(site, ed, root), year, files)
        summary["editions"].append(entry)
    return summary


def _tables(fmt, year: int, files: dict[str, bytes]) -> list[dict]:
    """The edition's tables, read back from its open data (data/table-N.csv and .json): the
    grid as printed and the values (amounts exact, as printed) for the portal's downloads."""
    tables = []
    for index, spec in enumerate(fmt.tables, start=1):
        stem = f"{year}/data/table-{index}"
        if f"{stem}.json" not in files or f"{stem}.csv" not in files:
            continue
        doc = json.loads(files[f"{stem}.json"].decode("utf-8"), parse_float=Decimal)
        grid = list(csv.reader(io.StringIO(files[f"{stem}.csv"].decode("utf-8-sig"), newline="")))
        body = doc["rows"]
        header = grid[: len(grid) - len(body)]
        style = fmt.style_of(spec)
        tables.append({
            "id": spec.id or f"table-{index}", "anchor": f"table-{index}", "number": doc["number"],
            "title": doc["title"], "unit": doc["unit"], "format": fmt.id,
            "header": header, "rows": grid[len(header):],
            # a number {"n": "47.91"} (exact, as printed), a text, or None (blank)
            "values": [[{"n": str(v)} if isinstance(v, (int, Decimal)) and not isinstance(v, bool) else v
                        for v in row["cells"]] for row in body],
            "kinds": [c["kind"] for c in doc["schema"]["columns"]],
            "number_format": ("#,##0" if style.thousands else "0")
            + ("." + "0" * style.decimals if style.decimals else ""),
        })
    return tables


# -- running the tasks ----------------------------------------------------------------------

def _serial(tasks: list[PublisherTask]) -> Iterator[PublisherResult]:
    for task in tasks:
        yield build_publisher(task)


def _processes(tasks: list[PublisherTask], jobs: int) -> Iterator[PublisherResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: a fresh interpreter (the same on Linux, macOS and Windows; no forked threads)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(build_publisher, task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


def dask_client(scheduler):
    """A Dask client: ``scheduler`` is a client already (used as it is) or a scheduler's
    address (tcp://HOST:8786). Dask is imported only here (the extra budgetsite[cluster])."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise BudgetError(None, _("要在 Dask 集群上生成，请先安装：pip install 'budgetsite[cluster]'")) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(str(scheduler), set_as_default=False, timeout="30s"), True
    except (OSError, TimeoutError) as exc:
        raise BudgetError(None, _("无法连接 Dask 调度器 {address}：{reason}", address=scheduler, reason=exc)) from None


def _dask(tasks: list[PublisherTask], scheduler) -> Iterator[PublisherResult]:
    from dask.distributed import as_completed

    client, owned = dask_client(scheduler)
    try:
        futures = [client.submit(build_publisher, task, key=f"budgetsite-{task.id}-{task.key[:16]}", pure=False)
                   for task in tasks]
        for future in as_completed(futures):
            yield future.result()
            future.release()
    finally:
        if owned:
            client.close()


def run_tasks(tasks: list[PublisherTask], jobs: int | None = None, scheduler=None) -> Iterator[PublisherResult]:
    """The results of ``tasks`` as they finish: on Dask when ``scheduler`` is given, else in
    ``jobs`` local processes (default: every core), else (1) in this process."""
    if not tasks:
        return iter(())
    if scheduler is not None:
        return _dask(tasks, scheduler)
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(tasks) == 1:
        return _serial(tasks)
    return _processes(tasks, min(jobs, len(tasks)))


# -- the build ------------------------------------------------------------------------------

@dataclass
class PortalResult:
    out: Path
    built: list[str] = field(default_factory=list)    # publishers built
    reused: list[str] = field(default_factory=list)   # publishers kept from the last build
    files: int = 0
    findings: list = field(default_factory=list)      # the checks across publishers


def _previous(out: Path, pid: str, key: str) -> dict | None:
    """The summary the last build stored for ``pid``, when it was made from the same inputs."""
    folder = out / pid
    try:
        if not (out / MARKER).is_file() or (folder / HASH_FILE).read_text(encoding="utf-8").strip() != key:
            return None
        summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if summary.get("version") == SUMMARY_VERSION else None


PORTAL_STAMP = ".portal-hash.json"  # the portal's own pages: the key they were made from, their files


def _portal_key(shared_key: str, options, summaries: list[dict]) -> str:
    """What the portal's pages and downloads are made from: the shared inputs, the options and
    every publisher's input key (a publisher's summary changes only with its key)."""
    digest = hashlib.sha256(f"{shared_key}\0{options}\0".encode("utf-8"))
    for summary in summaries:
        digest.update(f"{summary.get('id')}\0{summary.get('key')}\0".encode("utf-8"))
    return digest.hexdigest()


def _portal_stamp(out: Path, key: str) -> list[str] | None:
    """The portal's own files of the last build, when made from ``key`` and all still there."""
    try:
        if not (out / MARKER).is_file():
            return None
        stamp = json.loads((out / PORTAL_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = stamp.get("files") if isinstance(stamp, dict) and stamp.get("key") == key else None
    if not isinstance(files, list) or not all(isinstance(f, str) and (out / f).is_file() for f in files):
        return None
    return files


def _summary_bytes(summary: dict) -> bytes:
    return (json.dumps(summary, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def build_portal(site_dir: Path, out_dir: Path | None = None, pdf: bool = True, jobs: int | None = None,
                 scheduler=None, progress: Callable[[str], None] = lambda message: None,
                 warn: Callable[[str], None] = lambda message: None) -> PortalResult:
    """Build every publisher of the portal (in parallel), check across publishers, and write
    the whole output at once, with the portal pages. Raises BudgetError or BuildFailed."""
    from .build import BuildFailed
    from .portalcheck import cross_check_detailed
    from .portalpages import portal_files

    root = Path(site_dir)
    portal = load_portal(root)
    out = Path(out_dir) if out_dir is not None else root / "_site"
    shared = shared_inputs(root)
    shared_key = _files_key(shared)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip() or None
    options = {"pdf": pdf, "lang": language(), "epoch": epoch}
    result = PortalResult(out)
    summaries: dict[str, dict] = {}
    files: dict[str, bytes | str | Path] = {}
    unchanged: set[str] = set()  # files of unchanged publishers, left in the output
    tasks = []
    inputs = {}
    for pub in portal.publishers:
        own = inputs[pub.id] = publisher_inputs(root, pub.id)
        key = input_key(pub.id, own, shared_key, options)
        kept = _previous(out, pub.id, key)
        listed = kept.get("files") if kept is not None else None
        if listed is not None and all(os.path.isfile(out / pub.id / rel) for rel in listed):
            summaries[pub.id] = kept  # its files stay in the output as they are (not linked again)
            unchanged.update(f"{pub.id}/{rel}" for rel in (*listed, HASH_FILE, SUMMARY_FILE))
            result.reused.append(pub.id)
            continue
        previous = out / pub.id if (out / MARKER).is_file() and (out / pub.id).is_dir() else None
        tasks.append(PublisherTask(pub.id, own, shared, pdf, key, str(previous.resolve()) if previous else None,
                                   language(), epoch))
    if result.reused:
        progress(_("{n} 个发布单位未改变，沿用上次的输出", n=len(result.reused)))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".budgetsite-new-{os.getpid()}-", dir=out.parent))
    if scheduler is None:  # local workers share this file system: they leave their output here
        tasks = [dataclasses.replace(t, stage=str(staging)) for t in tasks]
    try:
        failures, sources = [], {}
        for done, res in enumerate(run_tasks(tasks, jobs, scheduler), start=1):
            if res.failure:
                failures.append(res)
                progress(_("[{i}/{n}] {id}：有错误", i=done, n=len(tasks), id=res.id))
                continue
            for message in res.warnings:
                warn(message)
            if res.staged is not None:  # a local worker moved its output into the staging folder
                res.summary["files"] = sorted(res.names)  # what a later build keeps when nothing changed
                for rel in res.names:
                    files[f"{res.id}/{rel}"] = Path(res.staged) / rel
            else:
                res.summary["files"] = sorted(res.files)
            for rel, data in res.files.items():  # staged on disk: the coordinator holds one publisher at a time
                path = staging / res.id / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                files[f"{res.id}/{rel}"] = path
            key = res.key
            if res.sources:  # the hash of the inputs as the build left them (published.json)
                sources[res.id] = res.sources
                key = input_key(res.id, {**inputs[res.id], **res.sources}, shared_key, options)
            res.summary["key"] = key
            summaries[res.id] = res.summary
            result.built.append(res.id)
            progress(_("[{i}/{n}] {id}：已生成（{seconds} 秒）", i=done, n=len(tasks), id=res.id,
                       seconds=f"{res.seconds:.1f}"))
            res.files = {}
        if failures:
            _raise(sorted(failures, key=lambda r: r.id), BuildFailed)
        for pid in result.built:
            files[f"{pid}/{HASH_FILE}"] = (summaries[pid]["key"] + "\n").encode()
            files[f"{pid}/{SUMMARY_FILE}"] = _summary_bytes(summaries[pid])
        ordered = [summaries[p.id] for p in portal.publishers]
        checked = cross_check_detailed(portal, ordered)
        result.findings = [f for f, _published in checked]
        blocking = []  # an error about a published edition stops the build; a draft's is shown
        for finding, published in checked:
            if finding.level == "error" and published:
                blocking.append(finding)
            elif finding.level != "note":
                warn(str(finding))
        if blocking:
            raise BuildFailed(blocking)
        own_key = _portal_key(shared_key, options, ordered)
        stamp = _portal_stamp(out, own_key)
        if not result.built and stamp is not None:  # nothing changed: the portal's pages neither
            unchanged.update((*stamp, PORTAL_STAMP))
        else:
            own = portal_files(portal, ordered, out)
            files.update(own)
            files[PORTAL_STAMP] = (json.dumps({"key": own_key, "files": sorted(own)}, ensure_ascii=False)
                                   + "\n").encode("utf-8")
        write_site(files, out, root, unchanged)
        for pid, changed in sorted(sources.items()):  # as build_site does, after the output
            for rel, data in changed.items():
                (root / PUBLISHERS / pid / rel).write_bytes(data)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.files = len(files) + len(unchanged)
    progress(_("已写出 {count} 个文件到 {out}", count=result.files, out=out))
    return result


def _raise(failures: list[PublisherResult], build_failed) -> None:
    findings, errors = [], []
    for res in failures:
        for item in res.failure:
            if isinstance(item, Finding):
                findings.append(item)
            else:
                errors.append(item)
    if errors and not findings and len(errors) == 1:
        pos, message, level = errors[0]
        raise BudgetError(pos, message, level)
    findings += [Finding(pos, level, "input", message) for pos, message, level in errors]
    raise build_failed(findings)


# -- check -----------------------------------------------------------------------------------

def check_portal(site_dir: Path, year: int | None = None):
    """``budgetsite check`` of a portal: every publisher's own checks (their files shown as
    publishers/<id>/…), then the checks across publishers. Nothing is written."""
    from .build import CheckReport, UnknownEdition, check_site
    from .load import load_site
    from .portalcheck import cross_check

    root = Path(site_dir)
    portal = load_portal(root)
    findings, summaries, years = [], [], set()
    for pub in portal.publishers:
        folder = root / pub.folder
        source = load_site(folder)
        have = [e.edition.year for e in source.editions]
        years.update(have)
        if year is None or year in have:
            findings += [shown_finding(f, folder, pub.id) for f in check_site(folder, year).findings]
        summaries.append(publisher_summary(pub.id, source, folder))
    if year is not None and year not in years:
        raise UnknownEdition(_("门户的各发布单位都没有 {year} 年的版本（现有的版本：{known}）", year=year,
                               known=", ".join(str(y) for y in sorted(years))))
    across = cross_check(portal, summaries)
    if year is not None:
        across = [f for f in across if f.pos is None or f"/content/{year}/" in f.pos.file
                  or "/content/" not in f.pos.file]
    return CheckReport(sorted(years) if year is None else [year], findings + across)


def iter_years(summaries: Iterable[dict]) -> list[int]:
    return sorted({e["year"] for s in summaries for e in s["editions"]})
