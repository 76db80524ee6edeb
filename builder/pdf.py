"""PDF stage: the print document (one HTML file) -> the archival PDF, with WeasyPrint.

PDF/A-3u, tagged, with the document metadata of the print document's <head> and each
standard table attached as CSV. The same input gives the same bytes: dates come from
SOURCE_DATE_EPOCH or the edition's date, never the clock. A PDF whose inputs (document,
theme, fonts, renderer) have not changed since the previous build is reused, not re-rendered;
a changed one is made of parts, of which only those that changed are rendered again
(builder/pdfparts.py).

The PDF reads only the site's and the theme's own files: an image from elsewhere on the
machine or from the web is refused, and reported at the line that asks for it
(``error[pdf-resource]``). Embedded fonts carry the document date, whichever subsetter made them.
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
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from .errors import BudgetError, Pos
from .findings import Finding
from .i18n import _
from .paths import BUNDLED_THEME

VARIANT = "pdf/a-3u"
HASH_FILE = ".pdf-hash"  # beside the PDF in the output: the hash of its inputs
CHINA = datetime.timezone(datetime.timedelta(hours=8))
#: Where fonts are installed; a change there can change which font a PDF uses.
FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts",
             "/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts"]


def pdf_name(department: str, year: int) -> str:
    """``阳泉市退役军人事务局-2025-部门预算公开.pdf`` (a safe, short file name: builder/names.py)."""
    from .names import file_stem

    return f"{file_stem(department)}-{year}-部门预算公开.pdf"


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
    #: folders besides the theme that the PDF may read files from (the site, the edition)
    roots: list[Path] = field(default_factory=list)
    #: where the rendered parts of the PDF are kept (builder/pdfparts.py); None: not kept
    cache: Path | None = None

    def readable(self) -> list[Path]:
        """The only folders the PDF reads files from: the site's and the theme's.

        The theme (and the bundled one, with its fonts), the folders of ``roots``, and the
        site the theme belongs to (``<site>/theme`` beside ``<site>/site.yaml``).
        """
        folders = [self.theme, BUNDLED_THEME, *self.roots]
        if self.theme.name == "theme" and (self.theme.parent / "site.yaml").is_file():
            folders.append(self.theme.parent)
        return [Path(f).resolve() for f in folders]

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
                                _("字符“{char}”（U+{code}）在内置字体（theme/fonts）中没有字形："
                                  "请换掉这个字符，或把它加进字体", char=char, code=f"{ord(char):04X}")))
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


# --- the resource guard -----------------------------------------------------------------

class ResourcesRefused(Exception):
    """The print document asked for files the PDF may not read (``urls``, in order)."""

    def __init__(self, urls: list[str]):
        super().__init__(", ".join(urls))
        self.urls = urls


def _fetcher(job: PrintJob, refused: list[str]):
    """A WeasyPrint URL fetcher that reads only the site's and the theme's own files.

    data: URLs are read; a file: URL only inside ``job.readable()`` (symbolic links
    followed first); anything else (another file of the machine, the web) is refused and
    its URL appended to ``refused``.
    """
    import weasyprint
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    folders = job.readable()

    class SiteFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.partition(":")[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
                if any(path == f or f in path.parents for f in folders):
                    return super().fetch(url, headers)
            if url not in refused:
                refused.append(url)
            raise ValueError(_("PDF 只读取站点和主题中的文件，已拒绝：{url}", url=url))

    return SiteFetcher(allowed_protocols=("file", "data"))  # no network


_REFERENCE = re.compile(r"""(?:\b(?:src|href|xlink:href|poster|data)\s*=\s*["']([^"']+)["']"""
                        r"""|url\(\s*["']?([^"')]+)["']?\s*\))""")


def refused_resources(job: PrintJob, urls: list[str], sources: list[tuple[str, str]]) -> list[Finding]:
    """One error per reference to a refused URL, at the first source line that holds it.

    The reference is found as the print document wrote it (an image of overview.md:
    ``![图](/etc/x.png)``), resolved as WeasyPrint resolves it (against the theme).
    """
    from urllib.parse import unquote, urljoin

    base = job.theme.resolve().as_uri() + "/"
    written: dict[str, list[str]] = {}  # resolved URL -> the references written for it
    for match in _REFERENCE.finditer(job.html):
        raw = html_unescape(match.group(1) or match.group(2) or "").strip()
        refs = written.setdefault(unquote(urljoin(base, raw)), []) if raw else []
        if raw and raw not in refs:
            refs.append(raw)
    findings = []
    for url, raw in ((url, raw) for url in urls for raw in written.get(unquote(url)) or [unquote(url)]):
        pos = next((Pos(name, n) for name, text in sources
                    for n, line in enumerate(text.splitlines(), start=1) if raw in line),
                   Pos("templates/print.html"))
        if re.match(r"(?i)(https?|ftp):", url):
            message = _("PDF 不嵌入网络上的资源：{raw}（生成 PDF 不联网）；"
                        "请把文件下载到站点目录中，用相对路径引用", raw=raw)
        else:
            message = _("PDF 不嵌入站点以外的文件：{raw}（即 {path}）；"
                        "PDF 只读取站点目录和主题目录中的文件，请把文件放进站点目录，用相对路径引用",
                        raw=raw, path=unquote(url))
        findings.append(Finding(pos, "error", "pdf-resource", message))
    return sorted(findings, key=lambda f: (f.pos.file, f.pos.line))


# --- fixed font dates -------------------------------------------------------------------

_FONT_EPOCH = datetime.datetime(1904, 1, 1, tzinfo=datetime.timezone.utc)  # OpenType's LONGDATETIME


def font_with_date(data: bytes, moment: datetime.datetime) -> bytes:
    """An OpenType / TrueType font with its head table's created and modified set to
    ``moment`` (and the checksums made right again); anything else is returned unchanged.

    fontTools, WeasyPrint's subsetter when HarfBuzz-subset is missing, stamps the clock
    into ``head.modified``; the PDF would then differ from build to build.
    """
    import struct

    if len(data) < 12 or data[:4] not in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
        return data
    count = struct.unpack_from(">H", data, 4)[0]
    for i in range(count):
        record = 12 + 16 * i
        if record + 16 > len(data):
            return data
        tag, _, offset, length = struct.unpack_from(">4sLLL", data, record)
        if tag == b"head":
            break
    else:
        return data
    if length < 36 or offset + length > len(data):
        return data
    seconds = int((moment - _FONT_EPOCH).total_seconds())
    font = bytearray(data)
    struct.pack_into(">qq", font, offset + 20, seconds, seconds)
    struct.pack_into(">L", font, offset + 8, 0)  # checkSumAdjustment: 0 while summing

    def checksum(chunk) -> int:
        chunk = bytes(chunk) + b"\0" * (-len(chunk) % 4)
        return sum(struct.unpack(f">{len(chunk) // 4}L", chunk)) & 0xFFFFFFFF

    struct.pack_into(">L", font, record + 4, checksum(font[offset:offset + length]))
    struct.pack_into(">L", font, offset + 8, (0xB1B0AFBA - checksum(font)) & 0xFFFFFFFF)
    return bytes(font)


def _dated_fonts(moment: datetime.datetime):
    """A WeasyPrint finisher: every embedded font file carries ``moment`` as its dates."""

    def finish(document, pdf) -> None:
        for obj in pdf.objects:
            for key in ("FontFile", "FontFile2", "FontFile3"):
                if isinstance(obj, dict) and key in obj:
                    stream = pdf.objects[int(obj[key].split()[0])]
                    parts = getattr(stream, "stream", None)
                    if parts and len(parts) == 1 and isinstance(parts[0], bytes):
                        parts[0] = font_with_date(parts[0], moment)

    return finish


# --- header cells: lines break between words --------------------------------------------

#: Words a table's column header is made of, to break a header cell's lines between them
#: only (政府性基金｜预算, not 政府性基｜金预算; 2025年｜合计, not 2025年合｜计). A cut falls
#: before each of these words and after punctuation; what lies between is kept on one line.
HEADER_WORDS = ("预算", "合计", "小计", "总计", "拨款", "资金", "收入", "支出", "结转", "经费", "经营",
                "管理", "编码", "名称", "科目", "安排", "财政", "经济", "单位", "项目", "金额")
_HEADER_CUT = re.compile("|".join(HEADER_WORDS))
_LONGEST_WORD = 5  # a longer run may still break inside: it would not fit a 金额 column


def header_words(text: str) -> list[str]:
    """A header text cut into the words its lines may break between."""
    cuts = {m.start() for m in _HEADER_CUT.finditer(text)}
    cuts |= {m.end() for m in re.finditer(r"[，、/：；）)]", text)}
    cuts |= {m.start() for m in re.finditer(r"[（(]", text)}
    cuts = sorted(c for c in cuts if 0 < c < len(text))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def _header_cell(match: re.Match) -> str:
    start, text, end = match.groups()
    if "&" in text or len(text.strip()) <= 2:
        return match.group(0)
    words = "".join(f'<span class="word">{w}</span>' if len(w) <= _LONGEST_WORD else w
                    for w in header_words(text))
    return f"{start}{words}{end}"


def unbroken_header_words(html: str) -> str:
    """The print document with each plain header cell (<th> of a <thead>) made of words
    that print.css keeps whole (``thead .word``): WeasyPrint has no ``word-break: keep-all``."""
    cell = re.compile(r"(<th\b[^>]*>)([^<]+)(</th>)")
    return re.sub(r"<thead\b.*?</thead>", lambda m: cell.sub(_header_cell, m.group(0)), html,
                  flags=re.S)


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
    """Lay out and write the PDF; returns it and WeasyPrint's warnings.

    The print document is rendered in parts, each reused from ``job.cache`` when its inputs
    did not change (builder/pdfparts.py); one it cannot cut is rendered whole."""
    with warnings.catch_warnings():  # "No fonts configured": the bundled fonts are enough
        warnings.filterwarnings("ignore", message="No fonts configured", category=UserWarning)
        try:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
        except OSError as exc:  # its system libraries are missing
            raise BudgetError(None, _("生成 PDF 需要 Pango，但 WeasyPrint 无法加载它（{error}）："
                                      "请安装它（Debian/Ubuntu：apt-get install libpango-1.0-0 "
                                      "libpangoft2-1.0-0），或用 --no-pdf 生成不带 PDF 的网站", error=exc)) from None
    from .pdfparts import render_parts

    made = render_parts(job, job.cache)
    if made is not None:
        return made[0], made[1]
    return render_whole(job)


def render_whole(job: PrintJob) -> tuple[bytes, list[str]]:
    """The PDF of the whole print document at once (one that cannot be cut in parts)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No fonts configured", category=UserWarning)
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

    logger = logging.getLogger("weasyprint")
    collect = _Collect()
    propagate = logger.propagate
    logger.addHandler(collect)
    logger.propagate = False  # warnings are returned, not printed by logging's last resort
    refused: list[str] = []
    try:
        fetcher = _fetcher(job, refused)
        utc = job.date.astimezone(datetime.timezone.utc)  # WeasyPrint writes it with a Z
        attachments = [
            weasyprint.Attachment(file_obj=io.BytesIO(a.data), name=a.name, description=a.description,
                                  created=utc, modified=utc, relationship="Data",
                                  url_fetcher=fetcher)
            for a in job.attachments]
        html = weasyprint.HTML(string=unbroken_header_words(job.html), base_url=job.theme.resolve().as_uri() + "/",
                               url_fetcher=fetcher)
        keys, dates = _ascii_file_keys(job.attachments), _dated_fonts(job.date)

        def finish(document, pdf) -> None:
            keys(document, pdf)
            dates(document, pdf)

        data = html.write_pdf(font_config=FontConfiguration(), pdf_variant=VARIANT, pdf_tags=True,
                              attachments=attachments, finisher=finish)
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    if refused:
        raise ResourcesRefused(refused)
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
    try:
        data, warnings = render_pdf(job)
    except ResourcesRefused as refused:
        return PdfResult(b"", key, False, time.perf_counter() - start,
                         findings=refused_resources(job, refused.urls, sources()))
    return PdfResult(data, key, False, time.perf_counter() - start, warnings)
