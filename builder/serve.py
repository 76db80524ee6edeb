"""Preview while writing: build, serve the output folder, rebuild on change, reload the page.

The server binds 127.0.0.1 by default and serves only files inside the output folder. Each
HTML page it serves gets a small script (not written to the output) that listens for
rebuilds on ``/__budgetsite/events`` and reloads the page, or shows an overlay with the
errors (``file:line: …``) when the last edit broke the build — the last good pages stay.
The PDF is rebuilt in the background once edits have settled.
"""
from __future__ import annotations

import json
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

WATCHED = ("site.yaml", "content", "templates", "theme", "formats", "tablesets")
CLIENT = Path(__file__).parent / "standards" / "live.js"
PREFIX = "/__budgetsite/"


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
    """mtime (ns) and size of every watched file, by path."""
    out = {}
    for name in WATCHED:
        path = root / name
        paths = [path] if path.is_file() else (sorted(path.rglob("*")) if path.is_dir() else [])
        for p in paths:
            if p.is_file() and not p.name.startswith("."):
                st = p.stat()
                out[p.relative_to(root).as_posix()] = st.st_mtime_ns ^ st.st_size
    return out


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
                 interval: float = 0.1, pdf_delay: float = 5.0, pdf: bool = True):
        self.root, self.out, self.log = Path(root), Path(out), log
        self.interval, self.pdf_delay, self.pdf = interval, pdf_delay, pdf
        self.state = State()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.pdf_due: float | None = None

    def build(self, editions: set[int] | None = None, pdf: bool = False) -> bool:
        started = time.perf_counter()
        try:
            with self.lock:
                build_site(self.root, self.out, pdf=pdf, only=editions)
        except BuildFailed as exc:
            self.state.publish([str(f) for f in exc.findings])
            self.log(f"build failed ({len(exc.findings)} error(s)); the last good pages stay")
            return False
        except BudgetError as exc:
            self.state.publish([str(exc)])
            self.log(str(exc))
            return False
        self.state.publish([])
        what = "all editions" if editions is None else "、".join(str(y) for y in sorted(editions))
        self.log(f"rebuilt {what}{' with PDF' if pdf else ''} in {time.perf_counter() - started:.2f} s")
        return True

    def watch(self) -> None:
        before = snapshot_files(self.root)
        while not self.stopped.wait(self.interval):
            now = snapshot_files(self.root)
            if now != before:
                changed = {k for k in set(now) | set(before) if now.get(k) != before.get(k)}
                before = now
                if self.build(touched_editions(changed)) and self.pdf:
                    self.pdf_due = time.monotonic() + self.pdf_delay
            elif self.pdf_due is not None and time.monotonic() >= self.pdf_due:
                self.pdf_due = None
                self.build(None, pdf=True)

    def request_pdf(self) -> None:
        self.pdf_due = time.monotonic()


def _handler(previewer: Previewer):
    client = CLIENT.read_text(encoding="utf-8")

    class Handler(SimpleHTTPRequestHandler):
        """Serves the output folder only, with the live-reload script in HTML pages."""

        def log_message(self, format, *args):  # quiet: the previewer logs builds
            pass

        def do_GET(self):
            if self.path.startswith(PREFIX):
                return self.live()
            path = Path(self.translate_path(self.path))
            out = previewer.out.resolve()
            try:
                resolved = path.resolve()
            except OSError:
                resolved = path
            if resolved != out and out not in resolved.parents:
                self.send_error(HTTPStatus.NOT_FOUND)
                return None
            if resolved.is_dir():
                if not self.path.split("?")[0].endswith("/"):
                    return super().do_GET()  # redirect to the folder with a slash
                resolved = resolved / "index.html"
            if resolved.suffix == ".html" and resolved.is_file():
                return self.page(resolved)
            return super().do_GET()

        def page(self, path: Path):
            html = path.read_text(encoding="utf-8")
            tag = f"<script>{client}</script>"
            html = html.replace("</body>", tag + "</body>") if "</body>" in html else html + tag
            data = html.encode("utf-8")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
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
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def serve(root: Path, out: Path, host: str = "127.0.0.1", port: int = 8000,
          log: Callable[[str], None] = print, pdf: bool = True,
          ready: Callable[[ThreadingHTTPServer], None] | None = None) -> None:
    """Build, then serve ``out`` and rebuild on change until interrupted."""
    previewer = Previewer(root, out, log, pdf=pdf)
    previewer.build(None, pdf=False)
    if pdf:
        previewer.pdf_due = time.monotonic() + 1.0
    handler = partial(_handler(previewer), directory=str(previewer.out))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    watcher = threading.Thread(target=previewer.watch, daemon=True)
    watcher.start()
    log(f"serving {out} at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)")
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        previewer.stopped.set()
        with previewer.state.changed:
            previewer.state.changed.notify_all()
        server.server_close()
