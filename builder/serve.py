"""Preview while writing: build, serve the output folder, rebuild on change, reload the page.

The server binds 127.0.0.1 by default and serves only files inside the output folder. Each
HTML page it serves gets a small script (not written to the output) that listens for
rebuilds on ``/__budgetsite/events`` and reloads the page, or shows an overlay with the
errors (``file:line: …``) when the last edit broke the build — the last good pages stay.
The PDF is rebuilt in the background once edits have settled, in a process of its own
(builder/pdfjob.py) that holds no lock: an edit made meanwhile is rebuilt and shown at once,
and kills that render (it is out of date); a finished render is installed only if the sources
are still those it started from. The HTML rebuilds keep the last good PDF (and its link)
until a new one replaces it, so a preview never loses it.

The watcher survives any failed rebuild (it is shown as the errors) and keeps watching.
The server answers only requests for its own address (the Host header: a DNS-rebinding
page cannot read the drafts), for files that resolve inside the output folder (GET and
HEAD alike; no symlink leads out), and drops idle connections after a while.
"""
from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from .build import BuildFailed, build_site
from .errors import BudgetError
from .i18n import _
from .pdfjob import PdfJob, install
from .write import MARKER, clean_stale

WATCHED = ("site.yaml", "content", "templates", "theme", "formats", "tablesets")
CLIENT = Path(__file__).parent / "standards" / "live.js"
PREFIX = "/__budgetsite/"
#: seconds a connection may stay silent (a half-open one then frees its thread)
SOCKET_TIMEOUT = 30.0
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass
class State:
    """What the browser is told: the build number and the errors of the last attempt."""

    version: int = 0
    errors: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, errors: list[str]) -> None:
        with self.changed:
            self.version += 1
            self.errors = errors
            self.changed.notify_all()

    def snapshot(self) -> dict:
        return {"version": self.version, "errors": list(self.errors)}


def snapshot_files(root: Path) -> dict[str, int]:
    """mtime (ns) and size of every watched file, by path (a file gone meanwhile is skipped)."""
    out = {}
    for name in WATCHED:
        path = root / name
        try:
            paths = [path] if path.is_file() else (sorted(path.rglob("*")) if path.is_dir() else [])
        except OSError:
            paths = []
        for p in paths:
            try:
                if p.is_file() and not p.name.startswith("."):
                    st = p.stat()
                    out[p.relative_to(root).as_posix()] = st.st_mtime_ns ^ st.st_size
            except OSError:
                continue
    return out


def one_line(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def merge(a: set[int] | None, b: set[int] | None) -> set[int] | None:
    """Two sets of editions together; None (all editions) absorbs."""
    return None if a is None or b is None else a | b


def touched_editions(changed: set[str]) -> set[int] | None:
    """The editions a change touches; None when it touches all (templates, theme, site.yaml)."""
    years = set()
    for rel in changed:
        parts = rel.split("/")
        if parts[0] == "content" and len(parts) > 1 and parts[1].isdigit():
            years.add(int(parts[1]))
        else:
            return None
    return years


class Previewer:
    """Builds the site, watches its sources and rebuilds what changed."""

    def __init__(self, root: Path, out: Path, log: Callable[[str], None] = print,
                 interval: float = 0.05, pdf_delay: float = 5.0, pdf: bool = True):
        self.root, self.out, self.log = Path(root), Path(out), log
        self.interval, self.pdf_delay, self.pdf = interval, pdf_delay, pdf
        self.state = State()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.pdf_due: float | None = None
        #: editions changed since the last good build (None: all); a failed rebuild adds to it
        self.dirty: set[int] | None = set()
        #: the sources as the first build saw them (taken before it, so that an edit made
        #: while it runs is not missed); watch() starts from here
        self.before: dict[str, int] | None = None
        #: the PDF render running in its own process, if any; and every one started
        self.pdf_job: PdfJob | None = None
        self.pdf_jobs: list[PdfJob] = []

    def build(self, editions: set[int] | None = None, pdf: bool = False) -> bool:
        """Build (never raises): the errors of a failed build go to the state and the log,
        and what it should have rebuilt stays due for the next one.

        The last build's PDF is kept (and linked) when this one makes none."""
        ok = self._build(editions, pdf)
        if ok:
            if editions is None:
                self.dirty = set()
            elif self.dirty is not None:
                self.dirty = self.dirty - editions
        else:
            self.dirty = merge(self.dirty, editions)
        return ok

    def _build(self, editions: set[int] | None, pdf: bool) -> bool:
        started = time.perf_counter()
        try:
            with self.lock:
                build_site(self.root, self.out, pdf=pdf, only=editions, keep_pdf=True)
        except BuildFailed as exc:
            self.state.publish([str(f) for f in exc.findings])
            self.log(_("构建失败（{count} 个错误）；页面仍为上次成功生成的版本", count=len(exc.findings)))
            return False
        except BudgetError as exc:
            self.state.publish([str(exc)])
            self.log(str(exc))
            return False
        except Exception as exc:  # a bug or an I/O error: shown, and the watcher goes on
            message = _("重建失败（保留上次成功生成的页面）：{error}", error=one_line(exc))
            self.state.publish([message])
            self.log(message)
            return False
        self.state.publish([])
        what = _("全部版本") if editions is None else "、".join(str(y) for y in sorted(editions))
        seconds = f"{time.perf_counter() - started:.2f}"
        if pdf:
            self.log(_("已重建{what}（含PDF），用时 {seconds} 秒", what=what, seconds=seconds))
        else:
            self.log(_("已重建{what}，用时 {seconds} 秒", what=what, seconds=seconds))
        return True

    def watch(self) -> None:
        """Rebuild on every change until stopped; no exception ends the loop."""
        before = self.before if self.before is not None else snapshot_files(self.root)
        while not self.stopped.wait(self.interval):
            try:
                before = self.step(before)
            except Exception as exc:  # never leave the preview stale without saying so
                message = _("监视文件时出错，仍在继续监视：{error}", error=one_line(exc))
                try:
                    if self.state.errors != [message]:  # once, not on every look
                        self.state.publish([message])
                        self.log(message)
                except Exception:
                    pass

    def step(self, before: dict[str, int]) -> dict[str, int]:
        """One look at the sources: rebuild what changed (and what a failed rebuild left),
        or the PDF when it is due. Returns the snapshot to compare the next look with."""
        now = snapshot_files(self.root)
        if now != before:
            changed = {k for k in set(now) | set(before) if now.get(k) != before.get(k)}
            if self.pdf_job is not None:  # out of date: killed; the PDF is due again after the rebuild
                self.pdf_job.cancel()
                self.pdf_job = None
            if self.build(merge(self.dirty, touched_editions(changed))) and self.pdf:
                self.pdf_due = time.monotonic() + self.pdf_delay
        else:
            self.collect_pdf(now)
            if self.pdf_due is not None and self.pdf_job is None and time.monotonic() >= self.pdf_due:
                self.pdf_due = None
                self.pdf_job = PdfJob(self.root, self.out, now).start()
                self.pdf_jobs.append(self.pdf_job)
                self.log(_("正在后台生成 PDF …"))
        return now

    def collect_pdf(self, now: dict[str, int]) -> None:
        """Install the PDF of a finished render if the sources are still those it started
        from (and link it from the pages if it is new); show its errors if it failed."""
        job = self.pdf_job
        if job is None or job.running():
            return
        self.pdf_job = None
        if job.snapshot != now:
            job.finish("stale")
            return
        files, errors, warnings = job.result()
        for message in warnings:
            self.log(message)
        if errors:
            job.finish("failed")
            self.state.publish(errors)
            self.log(_("PDF 生成失败（{count} 个错误）；仍保留上次的 PDF", count=len(errors)))
            return
        with self.lock:
            added = install(self.out, files) if (self.out / MARKER).is_file() else None
        if added is None:  # no site to put it in (the first build failed): later
            job.finish("failed")
            return
        job.finish("installed")
        self.log(_("已更新 PDF，用时 {seconds} 秒", seconds=f"{job.ended - job.started:.1f}"))
        if added:
            self.build(None)  # the pages link the new PDF

    def request_pdf(self) -> None:
        self.pdf_due = time.monotonic()

    def stop_pdf(self) -> None:
        if self.pdf_job is not None:
            self.pdf_job.cancel()
            self.pdf_job = None


WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def _split_host(value: str) -> tuple[str, str | None]:
    """``"localhost:8000"`` -> ("localhost", "8000"); ``"[::1]:80"`` -> ("::1", "80")."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else None
    if value.count(":") == 1:
        name, _, port = value.partition(":")
        return name, port
    return value, None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(header: str | None, bound: str, port: int) -> bool:
    """Whether a request's Host header names this server (against DNS rebinding).

    Allowed: 127.0.0.1, localhost, [::1] and the --host given, at the server's port (the port
    may be left out when it is 80). Bound to every address (0.0.0.0), also any IP address and
    this machine's name: a rebinding attack needs a domain name of its own."""
    if not header:
        return False
    name, given = _split_host(header)
    if given is None:
        given = "80"
    if given != str(port):
        return False
    names = {"127.0.0.1", "localhost", "::1", bound.strip("[]").lower()}
    if bound in WILDCARD_HOSTS:
        names |= {socket.gethostname().lower(), f"{socket.gethostname().lower()}.local"}
        if _is_ip(name):
            return True
    return name in names


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _handler(previewer: Previewer, bound: str = "127.0.0.1"):
    client = CLIENT.read_text(encoding="utf-8")

    class Handler(SimpleHTTPRequestHandler):
        """Serves the output folder only, with the live-reload script in HTML pages."""

        timeout = SOCKET_TIMEOUT  # socketserver sets it on the connection

        def log_message(self, format, *args):  # quiet: the previewer logs builds
            pass

        def handle(self):
            try:
                super().handle()
            except DISCONNECTS:  # the browser went away: nothing to report
                self.close_connection = True

        def do_GET(self):
            return self.route(head=False)

        def do_HEAD(self):
            return self.route(head=True)

        def route(self, head: bool):
            if not host_allowed(self.headers.get("Host"), bound, self.server.server_address[1]):
                status = HTTPStatus.BAD_REQUEST if not self.headers.get("Host") else HTTPStatus.FORBIDDEN
                return self.send_error(status, "unknown Host" if self.headers.get("Host") else "no Host")
            if self.path.startswith(PREFIX):
                return self.live() if not head else self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)
            resolved = self.contained()
            if resolved is None:
                return self.send_error(HTTPStatus.NOT_FOUND)
            if resolved.is_dir():
                if not self.path.split("?")[0].split("#")[0].endswith("/"):
                    return super().do_HEAD() if head else super().do_GET()  # redirect: add the slash
                resolved = resolved / "index.html"
            if resolved.suffix == ".html" and resolved.is_file():
                return self.page(resolved, head)
            return super().do_HEAD() if head else super().do_GET()

        def contained(self) -> Path | None:
            """The requested path, resolved (symlinks followed), if it stays in the output."""
            try:
                out = previewer.out.resolve()
                resolved = Path(self.translate_path(self.path)).resolve()
            except (OSError, ValueError):  # a NUL byte, a loop of links, ...
                return None
            if resolved != out and out not in resolved.parents:
                return None
            return resolved

        def translate_path(self, path):
            """The file to send: only ever one inside the output folder (checked again here,
            so the base class's send_head serves nothing else)."""
            raw = super().translate_path(path)
            if "\0" in raw:
                return str(previewer.out / "__budgetsite-none__")
            return raw

        def send_head(self):
            if self.contained() is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
            return super().send_head()

        def page(self, path: Path, head: bool = False):
            try:
                html = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return self.send_error(HTTPStatus.NOT_FOUND)
            tag = f"<script>{client}</script>"
            html = html.replace("</body>", tag + "</body>") if "</body>" in html else html + tag
            data = html.encode("utf-8")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def live(self):
            name = self.path[len(PREFIX):].split("?")[0]
            if name == "state":
                return self.json(previewer.state.snapshot())
            if name == "pdf":
                previewer.request_pdf()
                return self.json({"pdf": "requested"})
            if name == "events":
                return self.events()
            self.send_error(HTTPStatus.NOT_FOUND)

        def json(self, payload: dict):
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def events(self):
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            state = previewer.state
            seen = -1
            try:
                while not previewer.stopped.is_set():
                    with state.changed:
                        if state.version == seen:
                            state.changed.wait(timeout=15)
                        snap = state.snapshot()
                    if snap["version"] != seen:
                        seen = snap["version"]
                        payload = json.dumps(snap, ensure_ascii=False)
                        self.wfile.write(f"data: {payload}\n\n".encode("utf-8"))
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except DISCONNECTS:
                self.close_connection = True
                return

    return Handler


class PreviewServer(ThreadingHTTPServer):
    """A client that goes away (or times out) is not an error worth a traceback."""

    daemon_threads = True
    log: Callable[[str], None] = print

    def handle_error(self, request, client_address):
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, DISCONNECTS) or exc is None:
            return
        self.log(_("处理请求时出错（{client}）：{error}", client=client_address[0], error=one_line(exc)))


def serve(root: Path, out: Path, host: str = "127.0.0.1", port: int = 8000,
          log: Callable[[str], None] = print, pdf: bool = True,
          ready: Callable[[ThreadingHTTPServer], None] | None = None) -> None:
    """Build, then serve ``out`` and rebuild on change until interrupted.

    A PDF already in ``out`` is kept (and linked) by every HTML rebuild, with or without
    ``pdf``; with ``pdf`` it is rebuilt in the background (reused when nothing changed)."""
    previewer = Previewer(root, out, log, pdf=pdf)
    clean_stale(previewer.out.parent)
    previewer.before = snapshot_files(previewer.root)
    previewer.build(None, pdf=False)
    if pdf:
        previewer.pdf_due = time.monotonic() + 1.0
    handler = partial(_handler(previewer, host), directory=str(previewer.out))
    server = PreviewServer((host, port), handler)
    server.log = log
    server.previewer = previewer  # for tests and benchmarks
    watcher = threading.Thread(target=previewer.watch, daemon=True)
    watcher.start()
    if not is_loopback(host):
        log(_("警告：--host {host} 让同一网络中的任何人都能打开这个预览，看到尚未公开的草稿和错误信息；"
              "只在本机预览请用默认的 127.0.0.1。", host=host))
    log(_("正在预览 {folder}：http://{host}:{port}/（按 Ctrl+C 停止）", folder=out, host=host,
          port=server.server_address[1]))
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        previewer.stopped.set()
        watcher.join(5)
        previewer.stop_pdf()
        with previewer.state.changed:
            previewer.state.changed.notify_all()
        server.server_close()
