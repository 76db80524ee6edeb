"""The PDF in a process of its own, for ``budgetsite serve``: the preview never waits for it.

``PdfJob`` starts ``python -m budgetsite.pdfjob SITE OUT RESULT`` (at a lower priority, in a
process group of its own): it checks every edition as the build does and makes each
edition's PDF (its parts reused from the cache when unchanged: builder/pdfparts.py), then
writes the PDF files and ``result.json`` into the folder RESULT. It never writes the output
folder: the previewer installs the files there (``install``), each with an atomic rename,
if the sources are still those the job started from. A newer edit cancels the job
(``cancel``: the whole process group is killed, its render workers with it).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULT = "result.json"


def edition_pdfs(root: Path, out: Path, warn=lambda message: None) -> dict[str, bytes]:
    """The PDF files (``<year>/<name>.pdf`` and ``<year>/.pdf-hash``) of every edition, as
    ``build_site(pdf=True)`` would write them; raises BuildFailed / BudgetError as it does."""
    from . import check as check_stage
    from . import pdf as pdf_stage
    from .build import BuildFailed, _edition_pdf, _edition_setup
    from .load import load_site, templates_dir
    from .render import edition_document, environment

    source = load_site(root)
    env = environment(templates_dir(root))
    files: dict[str, bytes] = {}
    previous = None
    for edition in source.editions:
        year = edition.edition.year
        codes, fmt = _edition_setup(source, root, edition)
        last_year = previous[1] if previous and previous[0] == year - 1 else None
        findings, derived = check_stage.check(source, edition, codes, fmt, last_year)
        errors = [f for f in findings if f.level == "error"]
        if errors and (derived is None or edition.edition.status == "published"):
            raise BuildFailed(errors)
        previous = (year, derived.figures)
        doc = edition_document(source, edition, derived, env)
        name = pdf_stage.pdf_name(edition.edition.department, year)
        files.update(_edition_pdf(source, edition, derived, env, doc, root, out, name,
                                  lambda message: None, warn))
    return files


def main(argv: list[str]) -> int:
    """``python -m budgetsite.pdfjob SITE OUT RESULT``: the PDFs into RESULT (see above)."""
    from .build import BuildFailed
    from .errors import BudgetError
    from .i18n import set_language

    set_language(os.environ.get("BUDGETSITE_LANG"))
    site, out, result = (Path(a) for a in argv[:3])
    if hasattr(os, "nice"):
        try:
            os.nice(10)  # the preview's HTML rebuilds come first
        except OSError:
            pass
    warnings: list[str] = []
    report: dict = {"files": [], "errors": [], "warnings": warnings}
    try:
        files = edition_pdfs(site, out, warnings.append)
    except BuildFailed as exc:
        report["errors"] = [str(f) for f in exc.findings]
    except BudgetError as exc:
        report["errors"] = [str(exc)]
    else:
        for rel, data in sorted(files.items()):
            path = result / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            report["files"].append(rel)
    (result / (RESULT + ".tmp")).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    os.replace(result / (RESULT + ".tmp"), result / RESULT)
    return 0


@dataclass
class PdfJob:
    """One PDF render in a child process (see the module's docstring)."""

    root: Path
    out: Path
    snapshot: dict  # the sources as they were when the job started
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    outcome: str | None = None  # "installed", "superseded", "failed", "stale"
    process: subprocess.Popen | None = None
    folder: Path | None = None

    def start(self) -> "PdfJob":
        from .i18n import language

        self.out.parent.mkdir(parents=True, exist_ok=True)
        # named as write.py's temporary folders: one left by a crash is cleaned up later
        self.folder = Path(tempfile.mkdtemp(prefix=f".budgetsite-new-{os.getpid()}-", dir=self.out.parent))
        env = dict(os.environ, BUDGETSITE_LANG=language())
        kwargs = {"start_new_session": True} if os.name == "posix" else {}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "budgetsite.pdfjob", str(self.root), str(self.out), str(self.folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, **kwargs)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cancel(self) -> None:
        """Kill the job and its workers (a newer edit supersedes it); never waits long."""
        if self.process is not None and self.process.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(self.process.pid, signal.SIGKILL)  # its own group: the job and its workers
                else:
                    self.process.kill()
            except OSError:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.finish("superseded")

    def finish(self, outcome: str) -> None:
        if self.ended is None:
            self.ended = time.monotonic()
            self.outcome = outcome
        if self.process is not None and self.process.stderr is not None:
            try:
                self.process.stderr.close()
            except OSError:
                pass
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def result(self) -> tuple[dict[str, bytes], list[str], list[str]]:
        """The finished job's (files, errors, warnings); a crash is an error of its own."""
        from .i18n import _

        try:
            report = json.loads((self.folder / RESULT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stderr = ""
            try:
                stderr = self.process.stderr.read().decode("utf-8", "replace") if self.process.stderr else ""
            except (OSError, ValueError):
                pass
            last = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "")
            return {}, [_("生成 PDF 的进程意外退出（{error}）", error=last or self.process.returncode)], []
        files = {rel: (self.folder / rel).read_bytes() for rel in report["files"]}
        return files, report["errors"], report["warnings"]


def install(out: Path, files: dict[str, bytes]) -> list[str]:
    """Put ``files`` into the output folder, each atomically (a temporary file renamed over
    the old one); returns those that were not there before."""
    added = []
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            added.append(rel)
        elif target.read_bytes() == data:
            continue
        fd, tmp = tempfile.mkstemp(prefix=".budgetsite-pdf-", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    return added


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
