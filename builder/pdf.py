"""PDF stage: the print document (one HTML file) -> the archival PDF, with WeasyPrint.

PDF/A-3u, tagged, with the document metadata of the print document's <head> and each
standard table attached as CSV. The same input gives the same bytes: dates come from
SOURCE_DATE_EPOCH or the edition's date, never the clock. A PDF whose inputs (document,
theme, fonts, renderer) have not changed since the previous build is reused, not re-rendered.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import re
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from .errors import BudgetError, Pos
from .findings import Finding

VARIANT = "pdf/a-3u"
HASH_FILE = ".pdf-hash"  # beside the PDF in the output: the hash of its inputs
CHINA = datetime.timezone(datetime.timedelta(hours=8))
#: Where fonts are installed; a change there can change which font a PDF uses.
FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
             "/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts"]


def pdf_name(department: str, year: int) -> str:
    """``阳泉市退役军人事务局-2025-部门预算公开.pdf`` (characters unsafe in file names replaced)."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", department)
    return f"{safe}-{year}-部门预算公开.pdf"


def document_date(date: datetime.date | None, year: int) -> datetime.datetime:
    """The PDF's creation date: SOURCE_DATE_EPOCH when set, else the edition's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    day = date or datetime.date(year, 1, 1)
    return datetime.datetime(day.year, day.month, day.day, tzinfo=CHINA)


def w3c_date(moment: datetime.datetime) -> str:
    """A W3C date-time as the print document's dcterms.created wants it."""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Attachment:
    name: str         # shown by PDF viewers (the PDF's /UF), the table number and title (tabledata.csv_name)
    key: str          # its ASCII name (the PDF's /F and name-tree key), e.g. table-01.csv
    description: str
    data: bytes


@dataclass
class PrintJob:
    """What the PDF is made of."""

    html: str                    # the print document (templates/print.html, rendered)
    theme: Path                  # its relative URLs (print.css, fonts/) resolve here
    date: datetime.datetime      # the attachments' dates
    attachments: list[Attachment] = field(default_factory=list)

    def font_files(self) -> list[Path]:
        folder = self.theme / "fonts"
        return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".otf", ".ttf"))


@dataclass
class PdfResult:
    data: bytes
    key: str
    reused: bool
    seconds: float
    warnings: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # glyphs missing: nothing rendered


# --- the glyph guard ------------------------------------------------------------------

class _PrintedText(HTMLParser):
    """The characters a reader sees: body text and data-* attributes (running headers)."""

    def __init__(self):
        super().__init__()
        self.chars: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name.startswith("data-") and value:
                self.chars.update(value)

    def handle_endtag(self, tag):
        if tag in ("head", "style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chars.update(data)


def printed_characters(html: str, css: str = "") -> set[str]:
    """Every character the PDF draws: the document's text and the CSS ``content`` strings."""
    parser = _PrintedText()
    parser.feed(html)
    chars = parser.chars
    for value in re.findall(r"content:\s*([^;}]+)", css):
        for string in re.findall(r'"([^"]*)"', value):
            chars.update(string)
    return {c for c in chars if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")}


def font_characters(fonts: list[Path]) -> set[str]:
    from fontTools.ttLib import TTFont

    chars: set[str] = set()
    for path in fonts:
        chars.update(chr(code) for code in TTFont(path, lazy=True).getBestCmap())
    return chars


def missing_glyphs(job: PrintJob, sources: list[tuple[str, str]]) -> list[Finding]:
    """One error per printed character that none of the bundled fonts has a glyph for.

    ``sources`` are (shown path, text) of the files the document is made from, most
    specific first; each finding points at the first line that holds the character.
    """
    css = (job.theme / "print.css").read_text(encoding="utf-8")
    missing = printed_characters(job.html, css) - font_characters(job.font_files())
    findings = []
    for char in sorted(missing):
        pos = next((Pos(shown, n) for shown, text in sources
                    for n, line in enumerate(text.splitlines(), start=1) if char in line),
                   Pos("templates/print.html"))
        findings.append(Finding(pos, "error", "font-glyph",
                                f"character '{char}' (U+{ord(char):04X}) has no glyph in the "
                                f"bundled fonts (theme/fonts); replace it or add it to the fonts"))
    return sorted(findings, key=lambda f: (f.pos.file, f.pos.line))


# --- cache ------------------------------------------------------------------------------

def _installed_fonts() -> list[str]:
    """A fingerprint of the fonts installed on this machine (an official font may appear)."""
    seen = []
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    seen.append(f"{path}:{stat.st_size}:{int(stat.st_mtime)}")
    return seen


def input_key(job: PrintJob) -> str:
    """The hash of everything the PDF depends on."""
    from importlib.metadata import version

    digest = hashlib.sha256()

    def add(label: str, data: bytes | str) -> None:
        data = data.encode("utf-8") if isinstance(data, str) else data
        digest.update(f"{label}:{len(data)}:".encode())
        digest.update(data)

    add("stage", Path(__file__).read_bytes())  # this module: how the PDF is made
    add("weasyprint", version("weasyprint"))
    add("variant", VARIANT)
    add("html", job.html)
    add("css", (job.theme / "print.css").read_bytes())
    for path in job.font_files():
        add(f"font {path.name}", path.read_bytes())
    add("date", job.date.isoformat())
    for a in job.attachments:
        add(f"attachment {a.name} {a.key} {a.description}", a.data)
    add("installed fonts", "\n".join(_installed_fonts()))
    return digest.hexdigest()


def previous_pdf(folder: Path | None, name: str, key: str) -> bytes | None:
    """The PDF of the previous build in ``folder`` if it was made from the same inputs."""
    if folder is None:
        return None
    try:
        if (folder / HASH_FILE).read_text(encoding="utf-8").strip() == key:
            return (folder / name).read_bytes()
    except OSError:
        pass
    return None


# --- rendering --------------------------------------------------------------------------

class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _ascii_file_keys(attachments: list[Attachment]):
    """A WeasyPrint finisher: give each attachment its ASCII /F and sort the name tree by it.

    WeasyPrint writes the UTF-8 bytes of a non-ASCII name as /F and as the key of the
    EmbeddedFiles name tree, unsorted; readers then garble or skip the attachments.
    """
    keys = {a.name: a.key for a in attachments}

    def finish(document, pdf) -> None:
        import pydyf

        names = pdf.catalog.get("Names", {}).get("EmbeddedFiles")
        if names is None:
            return
        tree = pdf.objects[int(names.split()[0])]
        pairs = []
        for reference in tree["Names"][1::2]:
            spec = pdf.objects[int(reference.split()[0])]
            key = keys.get(spec["UF"].string, spec["UF"].string)
            spec["F"] = pydyf.String(key)
            pairs.append((key, reference))
        tree["Names"] = pydyf.Array([item for key, reference in sorted(pairs)
                                     for item in (pydyf.String(key), reference)])

    return finish


def render_pdf(job: PrintJob) -> tuple[bytes, list[str]]:
    """Lay out and write the PDF; returns it and WeasyPrint's warnings."""
    with warnings.catch_warnings():  # "No fonts configured": the bundled fonts are enough
        warnings.filterwarnings("ignore", message="No fonts configured", category=UserWarning)
        try:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
        except OSError as exc:  # its system libraries are missing
            raise BudgetError(None, f"the PDF needs Pango, which WeasyPrint could not load ({exc}); "
                                    "install it (Debian/Ubuntu: apt-get install libpango-1.0-0 "
                                    "libpangoft2-1.0-0) or build with --no-pdf") from None

    logger = logging.getLogger("weasyprint")
    collect = _Collect()
    propagate = logger.propagate
    logger.addHandler(collect)
    logger.propagate = False  # warnings are returned, not printed by logging's last resort
    try:
        fetcher = weasyprint.URLFetcher(allowed_protocols=("file", "data"))  # no network
        utc = job.date.astimezone(datetime.timezone.utc)  # WeasyPrint writes it with a Z
        attachments = [
            weasyprint.Attachment(file_obj=io.BytesIO(a.data), name=a.name, description=a.description,
                                  created=utc, modified=utc, relationship="Data",
                                  url_fetcher=fetcher)
            for a in job.attachments]
        html = weasyprint.HTML(string=job.html, base_url=job.theme.resolve().as_uri() + "/",
                               url_fetcher=fetcher)
        data = html.write_pdf(font_config=FontConfiguration(), pdf_variant=VARIANT, pdf_tags=True,
                              attachments=attachments, finisher=_ascii_file_keys(job.attachments))
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    return data, collect.messages


def make_pdf(job: PrintJob, name: str, previous: Path | None,
             sources: Callable[[], list[tuple[str, str]]],
             rendering: Callable[[], None] = lambda: None) -> PdfResult:
    """The PDF for ``job``: the previous build's (in the folder ``previous``) when its inputs
    are unchanged, else checked for missing glyphs (``sources``: see missing_glyphs) and
    rendered (``rendering`` is called first: it takes seconds)."""
    start = time.perf_counter()
    key = input_key(job)
    data = previous_pdf(previous, name, key)
    if data is not None:
        return PdfResult(data, key, True, time.perf_counter() - start)
    findings = missing_glyphs(job, sources())
    if findings:
        return PdfResult(b"", key, False, time.perf_counter() - start, findings=findings)
    rendering()
    data, warnings = render_pdf(job)
    return PdfResult(data, key, False, time.perf_counter() - start, warnings)
