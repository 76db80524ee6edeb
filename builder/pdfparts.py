"""The PDF made of parts: only the parts whose inputs changed are rendered again.

The print document is cut into pieces: the front (cover and 目录), each part of the body
(概况, the tables, 情况说明 …) and the 绩效目标表 appendix in chunks of a few tables. Each
piece is a whole HTML document of its own (the same <head>, the watermark, the strings its
running header starts with) that WeasyPrint renders separately, in a pool of processes (every
core), and whose result is cached on disk under the hash of its inputs. The page numbers are
the one thing a piece cannot know by itself (they depend on the pages before it), so the
body pieces are rendered without them; a "numbers" piece, pages as many and of the same
kinds as the body's with only the page number boxes of print.css, is laid over them. The
目录 is rendered last, with the page each entry's target landed on.

A rendered piece is kept as its PDF objects, serialized, with each reference to another
object written as a marker (``\\0R12\\0``); ``assemble`` numbers them anew into one PDF and
makes the document-level objects from the pieces: one page tree, one structure tree (the
pieces' per-page structure elements under one Document element, the parent tree numbered
anew), the bookmarks (as WeasyPrint makes them from all pages), the named destinations of
the links, and the front's PDF/A metadata, output intent, language and attachments. The
same pieces give the same bytes: a PDF assembled from cached pieces equals one rendered
from scratch.

The cut needs the print document as templates/print.html makes it (and its page numbers as
print.css makes them); a document it does not recognise is rendered whole (builder/pdf.py).
"""
from __future__ import annotations

import hashlib
import html as html_lib
import io
import logging
import os
import json
import re
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import pdf as pdf_stage

CACHE = Path(".budgetsite-cache") / "pdf"  # under the site
KEEP = 64  # cached pieces kept (the most recently used)
CHUNK = 7  # 绩效目标表 per piece of the appendix
SCALE = 0.75  # PDF points per CSS pixel


# --- cutting the print document ------------------------------------------------------------

@dataclass
class Piece:
    name: str
    kind: str   # "front", "body", "numbers"
    html: str   # a whole HTML document
    css: str = ""  # a user stylesheet: the strings at its start, the 目录's page numbers …


@dataclass
class Cut:
    head: str            # from <!DOCTYPE> to <body …> included
    lead: str            # what every page has (the draft watermark)
    front: str           # cover and 目录
    body: list[tuple[str, str, str]]  # (name, html, css) of each body piece
    hidden: str          # user CSS of the body pieces: no page number boxes
    numbers_css: str     # user CSS of the numbers piece: the page number boxes only


_PAGE_COUNTER = re.compile(r"counter\(\s*pages?\s*\)")
_TARGET = re.compile(r"target-counter\(\s*attr\(\s*href(?:\s+url)?\s*\)\s*,\s*page\s*\)")
_MARGIN = re.compile(r"@((?:top|bottom|left|right)-[a-z-]+)\s*\{([^{}]*)\}")
_CSS_STRING = re.compile(r"[\"\\\n]")


def _css_string(text: str) -> str:
    return '"' + _CSS_STRING.sub(lambda m: "\\a " if m[0] == "\n" else "\\" + m[0], text) + '"'


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def cut(html: str, css: str) -> Cut | None:
    """The print document cut into pieces, or None when it is not made as print.html makes it."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    boxes = {name for name, body in _MARGIN.findall(css) if _PAGE_COUNTER.search(body)}
    others = {name for name, _body in _MARGIN.findall(css)} - boxes
    body_open = re.search(r"<body\b[^>]*>", html)
    end = html.rfind("</body>")
    if not boxes or body_open is None or end < 0 or "counter(page" in re.sub(r"@[a-z-]+\s*\{[^{}]*\}", "", css):
        return None
    # the body's page numbers start at 1 (the front's pages are not counted), and no page rule
    # depends on a page's place in the document (each piece has a first page of its own)
    if not re.search(r"@page\s+front\s*\{[^{}]*counter-increment:\s*page\s+0\b", css) \
            or re.search(r"@page[^{]*:(?:first|left|right|blank|nth)", css):
        return None
    body = html[body_open.end():end]
    cover = body.find('<section class="cover"')
    toc = body.find('<nav class="toc"')
    toc_end = body.find("</nav>", toc)
    if not 0 <= cover < toc < toc_end:
        return None
    running = re.match(r'<section class="cover"[^>]*\bdata-running="([^"]*)"', body[cover:])
    if running is None:
        return None
    running_css = _css_string(html_lib.unescape(running[1]))
    rest = body[toc_end + len("</nav>"):]
    starts = [m for m in re.finditer(r'<article class="part" id="(part-\d+)">', rest)]
    if not starts or rest[:starts[0].start()].strip():
        return None
    pieces = []
    for m, after in zip(starts, [*starts[1:], None]):
        text = rest[m.start():after.start() if after else len(rest)]
        if text.count("<article") != 1 or not text.rstrip().endswith("</article>"):
            return None
        name = m[1]
        strings = f"#{name} {{ string-set: running {running_css} !important }}\n"
        appendix = text.find('<section class="perf-appendix"')
        if appendix < 0:
            pieces.append((name, text, strings))
            continue
        pieces.append((name, text[:appendix] + "</article>\n", strings))
        title = re.search(r'<h1 class="part-title">(.*?)</h1>', text, re.S)
        section = text[appendix:text.rstrip().rindex("</article>")].rstrip()
        if title is None or not section.endswith("</section>"):
            return None
        opening = re.match(r"<section[^>]*>", section)[0]
        inner = section[len(opening):-len("</section>")]
        tables = [t.start() for t in re.finditer(r'<section class="perf-table\b', inner)]
        cuts = [0] + tables[CHUNK::CHUNK] + [len(inner)]
        continued = (f".part-continued {{ string-set: running {running_css}, "
                     f"part {_css_string(_text(title[1]))} !important }}\n")
        for i, (a, b) in enumerate(zip(cuts, cuts[1:]), start=1):
            tag = opening if i == 1 else re.sub(r'\s+id="[^"]*"', "", opening)
            pieces.append((f"{name}-appendix-{i}",
                           f'<article class="part part-continued">{tag}{inner[a:b]}</section></article>\n',
                           continued))
    hidden = "".join(f"@page {{ @{box} {{ content: none !important }} }}\n" for box in sorted(boxes))
    numbers = "".join(f"@page {{ @{box} {{ content: none !important; border: none !important; "
                      f"background: none !important }} }}\n" for box in sorted(others))
    return Cut(html[:body_open.end()], body[:cover], body[cover:toc_end + len("</nav>")], pieces,
               hidden, numbers + ".budgetsite-page + .budgetsite-page { break-before: page }\n")


def toc_css(front: str, css: str, numbers: dict[str, int]) -> str:
    """A user stylesheet that prints, in place of each target-counter() of the 目录, the
    number of the page its target landed on (the targets are in other pieces)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for selectors, block in re.findall(r"([^{}@]+)\{([^{}]*)\}", css):
        for declaration in block.split(";"):
            prop, _, value = declaration.partition(":")
            if prop.strip() != "content" or not _TARGET.search(value):
                continue
            for href in sorted(set(re.findall(r'href="#([^"]+)"', front))):
                if href not in numbers:
                    continue
                literal = _TARGET.sub(f'"{numbers[href]}"', value.strip())
                for selector in selectors.split(","):
                    selector = selector.strip()
                    m = re.search(r"(::?(?:after|before))$", selector)
                    at = m.start() if m else len(selector)
                    out.append(f'{selector[:at]}[href="#{href}"]{selector[at:]} '
                               f"{{ content: {literal} !important }}\n")
    return "".join(out)


# --- rendering one piece ---------------------------------------------------------------------

_REF = re.compile(rb"(\d+) 0 R")


@dataclass
class Rendered:
    """A piece rendered: its PDF objects (references as markers) and what the whole needs."""

    objects: list[tuple[int, bytes, bytes | None]]  # (number, head, stream data or None)
    pages: list[int] = field(default_factory=list)       # page objects
    contents: list[int] = field(default_factory=list)    # their content streams
    heights: list[float] = field(default_factory=list)   # CSS px
    boxes: list[list[float]] = field(default_factory=list)  # MediaBox
    names: list[str] = field(default_factory=list)       # page names (main, landscape …)
    resources: int = 0
    resources_dict: bytes | None = None  # the pages' resources, to add the numbers to
    special: dict[int, str] = field(default_factory=dict)  # number -> "pages", "document", "root"
    kids: list[int] = field(default_factory=list)        # the Document element's children
    parents: list[list[int]] = field(default_factory=list)  # per page: structure elements by MCID
    annots: list[tuple[int, int]] = field(default_factory=list)  # (StructParent, annotation)
    anchors: list[tuple[str, int, float, float]] = field(default_factory=list)
    bookmarks: list[list] = field(default_factory=list)  # per page, WeasyPrint's page.bookmarks
    catalog: dict[str, bytes] = field(default_factory=dict)  # the front's: Lang, Metadata, AF …
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class _Captured(Exception):
    pass


def _mark(value, special_ok=True):
    """``value`` with each reference replaced by its marker, in place (dictionaries, arrays)."""
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _mark(item)
        return value
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _mark(item)
        return value
    if isinstance(value, bytes):
        m = _REF.fullmatch(value)
        if m:
            return b"\0R" + m[1] + b"\0"
    return value


def _data(obj) -> tuple[bytes, bytes | None]:
    import zlib

    import pydyf

    if isinstance(obj, pydyf.Stream):
        data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
        extra = pydyf.Dictionary(dict(obj.extra))
        _mark(extra)
        if obj.compress:
            extra["Filter"] = "/FlateDecode"
            compressor = zlib.compressobj(level=9)
            data = compressor.compress(data) + compressor.flush()
        extra["Length"] = len(data)
        return extra.data, data
    return obj.data, None


def render_piece(job: pdf_stage.PrintJob, piece: Piece) -> Rendered:
    """Lay out and draw one piece (in a worker process); nothing is written."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No fonts configured", category=UserWarning)
        import pydyf
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

    logger = logging.getLogger("weasyprint")
    collect = pdf_stage._Collect()
    propagate = logger.propagate
    logger.addHandler(collect)
    logger.propagate = False
    refused: list[str] = []
    result = Rendered([])
    try:
        fetcher = pdf_stage._fetcher(job, refused)
        tagged = piece.kind != "numbers"
        options = {"pdf_variant": pdf_stage.VARIANT, "pdf_tags": True} if tagged else {}
        attachments = []
        if piece.kind == "front":
            utc = job.date.astimezone(__import__("datetime").timezone.utc)
            attachments = [weasyprint.Attachment(file_obj=io.BytesIO(a.data), name=a.name,
                                                 description=a.description, created=utc, modified=utc,
                                                 relationship="Data", url_fetcher=fetcher)
                           for a in job.attachments]
        font_config = FontConfiguration()
        source = weasyprint.HTML(string=pdf_stage.unbroken_header_words(piece.html),
                                 base_url=job.theme.resolve().as_uri() + "/", url_fetcher=fetcher)
        sheets = [weasyprint.CSS(string=piece.css, font_config=font_config, url_fetcher=fetcher)] if piece.css else []
        document = source.render(font_config=font_config, stylesheets=sheets, **options)
        fake = []
        if piece.kind != "numbers" and document.pages:
            known = {name for page in document.pages for name in page.anchors}
            for page in document.pages:
                for link in page.links:
                    if link[0] == "internal" and link[1] not in known:
                        document.pages[-1].anchors[link[1]] = (0, 0, 0, 0)
                        known.add(link[1])
                        fake.append(link[1])
        for page in document.pages:
            result.heights.append(page.height)
            result.names.append(page._page_box.page_type.name or "")
            result.bookmarks.append(list(page.bookmarks))
            page.bookmarks = []  # the whole document's are made in assemble()
        keys, dates = pdf_stage._ascii_file_keys(job.attachments), pdf_stage._dated_fonts(job.date)
        captured = {}

        def finish(doc, pdf) -> None:
            keys(doc, pdf)
            dates(doc, pdf)
            captured["pdf"] = pdf
            raise _Captured

        try:
            document.write_pdf(attachments=attachments or None, finisher=finish, **options)
        except _Captured:
            pass
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    result.warnings = collect.messages
    result.refused = refused
    if refused:
        return result
    pdf = captured["pdf"]
    number = lambda ref: int(ref.split()[0])  # noqa: E731
    catalog = pdf.catalog
    drop = {0, pdf.pages.number, catalog.number}
    result.special[pdf.pages.number] = "pages"
    kids = [int(n) for n in pdf.pages["Kids"][::3]]
    result.pages = kids
    page_objects = [pdf.objects[n] for n in kids]
    result.contents = [number(p["Contents"]) for p in page_objects]
    result.boxes = [[float(v) for v in p["MediaBox"]] for p in page_objects]
    result.resources = number(page_objects[0]["Resources"]) if page_objects else 0
    if "StructTreeRoot" in catalog:
        root = pdf.objects[number(catalog["StructTreeRoot"])]
        tree = pdf.objects[number(root["ParentTree"])]
        document_element = pdf.objects[number(root["K"][0])]
        drop |= {root.number, tree.number, document_element.number}
        result.special[document_element.number] = "document"
        result.special[root.number] = "root"
        result.kids = [number(ref) for ref in document_element["K"]]
        nums = tree["Nums"]
        for key, value in zip(nums[::2], nums[1::2]):
            if key < len(kids):
                result.parents.append([number(ref) for ref in value])
            else:
                result.annots.append((key, number(value)))
    for index, page in enumerate(page_objects):
        if "StructParents" in page:
            page["StructParents"] = b"\0P%d\0" % index
        page["Contents"] = b"\0C%d\0" % number(page["Contents"])
    for obj in pdf.objects:  # annotations: their key in the parent tree is numbered anew
        if isinstance(obj, dict) and obj.get("Type") == "/Annot" and isinstance(obj.get("StructParent"), int):
            obj["StructParent"] = b"\0S%d\0" % obj["StructParent"]
    names = catalog.get("Names") or {}
    dests = names.get("Dests")
    if dests is not None:
        for name, dest in zip(dests["Names"][::2], dests["Names"][1::2]):
            if name.string not in fake:
                result.anchors.append((name.string, kids.index(number(dest[0])), float(dest[2]), float(dest[3])))
    if piece.kind == "front":
        extras = {key: catalog[key] for key in ("Lang", "MarkInfo", "ViewerPreferences", "Metadata",
                                                "OutputIntents", "AF") if key in catalog}
        if "EmbeddedFiles" in names:
            extras["EmbeddedFiles"] = names["EmbeddedFiles"]
        for key, value in extras.items():
            value = _mark(value)
            result.catalog[key] = pydyf._to_bytes(value)
        result.info = {key: getattr(value, "string", value) for key, value in pdf.info.items()}
    elif "Metadata" in catalog:
        drop.add(number(catalog["Metadata"]))
    for obj in pdf.objects:
        if obj.number in drop or obj.free == "f":
            continue
        if obj.number == result.resources and piece.kind == "body":
            result.resources_dict = _mark(obj).data
            continue
        if not isinstance(obj, pydyf.Stream):
            _mark(obj)
        head, data = _data(obj)
        result.objects.append((obj.number, head, data))
    return result


# --- the cache -------------------------------------------------------------------------------

def piece_key(base: str, piece: Piece, job: pdf_stage.PrintJob) -> str:
    digest = hashlib.sha256()
    for label, data in (("base", base), ("kind", piece.kind), ("html", piece.html), ("css", piece.css)):
        data = data.encode("utf-8")
        digest.update(f"{label}:{len(data)}:".encode())
        digest.update(data)
    if piece.kind == "front":
        for a in job.attachments:
            digest.update(f"attachment {a.name} {a.key} {a.description} {len(a.data)}:".encode())
            digest.update(a.data)
    return digest.hexdigest()


def base_key(job: pdf_stage.PrintJob) -> str:
    """Everything every piece depends on: the stage, the renderer, the theme, the fonts, the date."""
    digest = hashlib.sha256(pdf_stage.input_key(replace(job, html="", attachments=[])).encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


_MAGIC = b"budgetsite-pdf-piece 1\n"
_BLOBS = ("objects", "catalog", "resources_dict")


def _dump(rendered: Rendered) -> bytes:
    """A rendered piece as a file: JSON (no code, unlike pickle: a cache file someone else
    wrote can do no harm) followed by its byte strings."""
    blobs: list[bytes] = []

    def blob(data: bytes | None):
        if data is None:
            return None
        blobs.append(data)
        return len(blobs) - 1

    header = {name: getattr(rendered, name) for name in Rendered.__dataclass_fields__ if name not in _BLOBS}
    header["special"] = [[n, role] for n, role in rendered.special.items()]
    header["objects"] = [[n, blob(head), blob(data)] for n, head, data in rendered.objects]
    header["catalog"] = {key: blob(value) for key, value in rendered.catalog.items()}
    header["resources_dict"] = blob(rendered.resources_dict)
    header["sizes"] = [len(b) for b in blobs]
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _MAGIC + b"%d\n" % len(text) + text + b"".join(blobs)


def _parse(data: bytes) -> Rendered:
    if not data.startswith(_MAGIC):
        raise ValueError("not a cached piece")
    line = data.index(b"\n", len(_MAGIC))
    size = int(data[len(_MAGIC):line])
    header = json.loads(data[line + 1:line + 1 + size].decode("utf-8"))
    blobs, at = [], line + 1 + size
    for length in header.pop("sizes"):
        blobs.append(data[at:at + length])
        at += length
    if at != len(data):
        raise ValueError("a cached piece of the wrong size")
    get = lambda i: None if i is None else blobs[i]  # noqa: E731
    header["special"] = {int(n): str(role) for n, role in header["special"]}
    header["objects"] = [(int(n), get(head), get(body)) for n, head, body in header["objects"]]
    header["catalog"] = {key: get(i) for key, i in header["catalog"].items()}
    header["resources_dict"] = get(header["resources_dict"])
    header["annots"] = [tuple(pair) for pair in header["annots"]]
    header["anchors"] = [tuple(a) for a in header["anchors"]]
    return Rendered(**header)


def _load(folder: Path | None, key: str) -> Rendered | None:
    if folder is None:
        return None
    path = folder / f"{key}.piece"
    try:
        rendered = _parse(path.read_bytes())
        os.utime(path)
        return rendered
    except Exception:  # missing, unreadable, or from another version: rendered again
        return None


def _save(folder: Path | None, key: str, rendered: Rendered) -> None:
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".piece-", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_dump(rendered))
        os.replace(tmp, folder / f"{key}.piece")
        pieces = sorted(folder.glob("*.piece"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in pieces[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only site: no cache, the same PDF
        pass


def _pool(holder: list, workers: int):
    """The pool of render processes, made when first needed (fork where there is fork: the
    workers start at once, WeasyPrint already imported)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if workers < 2:
        return None
    if not holder:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        holder.append(ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)))
    return holder[0]


def _render_all(job, pieces: list[Piece], folder: Path | None, base: str, pool) -> tuple[list[Rendered], int]:
    """Each piece from the cache or rendered (in the pool when several are missing)."""
    keys = [piece_key(base, p, job) for p in pieces]
    results: list[Rendered | None] = [_load(folder, k) for k in keys]
    missing = [i for i, r in enumerate(results) if r is None]
    # the biggest first: they take longest
    missing.sort(key=lambda i: -len(pieces[i].html))
    if len(missing) > 1 and pool is not None and (pool := pool()) is not None:
        futures = {i: pool.submit(render_piece, job, pieces[i]) for i in missing}
        for i, future in futures.items():
            results[i] = future.result()
    else:
        for i in missing:
            results[i] = render_piece(job, pieces[i])
    for i in missing:
        if not results[i].refused:
            _save(folder, keys[i], results[i])
    return results, len(missing)


# --- assembling the PDF ----------------------------------------------------------------------

_MARKER = re.compile(rb"\0([RPSC])(\d+)\0")


class _Raw:
    """A serialized object for pydyf.PDF.write."""

    def __init__(self, head: bytes, data: bytes | None):
        self.number = None
        self.offset = 0
        self.generation = 0
        self.free = "n"
        self.head, self.stream = head, data

    @property
    def data(self) -> bytes:
        if self.stream is None:
            return self.head
        return b"\n".join((self.head, b"stream", self.stream, b"endstream"))

    @property
    def indirect(self) -> bytes:
        return f"{self.number} 0 obj\n".encode() + self.data + b"\nendobj"

    @property
    def reference(self) -> bytes:
        return f"{self.number} 0 R".encode()

    @property
    def compressible(self) -> bool:
        return self.stream is None


def assemble(front: Rendered, body: list[Rendered], numbers: Rendered) -> bytes:
    """One PDF of the pieces (see the module's docstring); the same pieces, the same bytes."""
    import pydyf

    if len(numbers.pages) != sum(len(p.pages) for p in body):
        raise ValueError("the numbers piece does not match the body")
    pdf = pydyf.PDF()
    root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
    pdf.add_object(root)
    document = pydyf.Dictionary({"Type": "/StructElem", "S": "/Document", "K": pydyf.Array(),
                                 "P": root.reference})
    pdf.add_object(document)
    tree = pydyf.Dictionary({"Nums": pydyf.Array()})
    pdf.add_object(tree)
    root["K"] = pydyf.Array([document.reference])
    root["ParentTree"] = tree.reference
    pieces = [front, *body]
    roles = {"pages": pdf.pages.number, "document": document.number, "root": root.number}
    skipped = set(numbers.pages) | set(numbers.contents)  # drawn as forms over the body pages
    maps = []
    for piece in [*pieces, numbers]:
        mapping = {}
        for n, _head, _body in piece.objects:
            if piece is numbers and n in skipped:
                continue
            mapping[n] = len(pdf.objects)
            pdf.objects.append(None)  # placed below
        if piece.resources_dict is not None:
            mapping[piece.resources] = len(pdf.objects)
            pdf.objects.append(None)
        for n, role in piece.special.items():
            mapping[n] = roles[role]
        maps.append(mapping)

    def place(number: int, head: bytes, data: bytes | None) -> None:
        raw = _Raw(head, data)
        raw.number = number
        pdf.objects[number] = raw

    # the numbers: one form per page, drawn (as an artifact) over the body page of that rank
    nmap = maps[-1]
    streams = {n: (head, data) for n, head, data in numbers.objects}
    forms, overlays = [], []
    for i, stream in enumerate(numbers.contents):
        head, data = streams[stream]
        form = pydyf.Dictionary({"Type": "/XObject", "Subtype": "/Form",
                                 "BBox": pydyf.Array(numbers.boxes[i]),
                                 "Resources": b"%d 0 R" % nmap[numbers.resources]})
        if re.search(rb"/Filter\s*/FlateDecode", head):
            form["Filter"] = "/FlateDecode"
        form["Length"] = len(data)
        raw = _Raw(form.data, data)
        pdf.add_object(raw)
        forms.append(raw)
        draw = pydyf.Stream([b"/Artifact <</Type /Pagination>> BDC q", b"/BSpage%d Do" % i, b"Q EMC"],
                            compress=True)
        raw = _Raw(*_data(draw))
        pdf.add_object(raw)
        overlays.append(raw)
    for n, head, data in numbers.objects:
        if n not in skipped:
            place(nmap[n], _MARKER.sub(lambda m: b"%d 0 R" % nmap[int(m[2])], head), data)

    page_index = body_rank = 0
    annot_next = sum(len(p.pages) for p in pieces)
    annots, dests, marks = [], [], []
    for k, (piece, mapping) in enumerate(zip(pieces, maps)):
        first_page, first_rank = page_index, body_rank
        annot_numbers = {}
        for key, ref in piece.annots:
            annot_numbers[key] = annot_next
            annots.append((annot_next, mapping[ref]))
            annot_next += 1
        over = {stream: overlays[first_rank + j] for j, stream in enumerate(piece.contents)} if k else {}

        def swap(m, mapping=mapping, annot_numbers=annot_numbers, over=over, first_page=first_page):
            kind, value = m[1], int(m[2])
            if kind == b"R":
                return b"%d 0 R" % mapping[value]
            if kind == b"P":
                return b"%d" % (first_page + value)
            if kind == b"S":
                return b"%d" % annot_numbers[value]
            if value in over:
                return b"[%d 0 R %d 0 R]" % (mapping[value], over[value].number)
            return b"%d 0 R" % mapping[value]

        for n, head, data in piece.objects:
            place(mapping[n], _MARKER.sub(swap, head), data)
        if piece.resources_dict is not None:
            resources = piece.resources_dict
            if k:  # the forms of the page numbers, among the XObjects (WeasyPrint always has them)
                forms_here = b"".join(b"/BSpage%d %d 0 R" % (first_rank + j, forms[first_rank + j].number)
                                      for j in range(len(piece.pages)))
                if b"/XObject <<" not in resources:
                    raise ValueError("resources without XObject")
                resources = resources.replace(b"/XObject <<", b"/XObject <<" + forms_here, 1)
            place(mapping[piece.resources], _MARKER.sub(swap, resources), None)
        for n in piece.pages:
            pdf.pages["Kids"].extend([mapping[n], 0, "R"])
            pdf.pages["Count"] += 1
        for i, elements in enumerate(piece.parents):
            tree["Nums"].append(first_page + i)
            tree["Nums"].append(pydyf.Array([b"%d 0 R" % mapping[e] for e in elements]))
        for ref in piece.kids:
            document["K"].append(b"%d 0 R" % mapping[ref])
        for name, index, x, y in piece.anchors:
            dests.append((name, mapping[piece.pages[index]], x, y))
        for index, bookmarks in enumerate(piece.bookmarks):
            marks.append((bookmarks, piece.heights[index]))
        page_index += len(piece.pages)
        body_rank += len(piece.pages) if k else 0
    for key, ref in annots:
        tree["Nums"].append(key)
        tree["Nums"].append(b"%d 0 R" % ref)
    _outlines(pdf, _bookmark_tree(marks))
    front_refs = lambda value: _MARKER.sub(lambda m: b"%d 0 R" % maps[0][int(m[2])], value)  # noqa: E731
    for key, value in front.catalog.items():
        if key != "EmbeddedFiles":
            pdf.catalog[key] = front_refs(value)
    names = pydyf.Dictionary()
    if dests:
        array = pydyf.Array()
        for name, page, x, y in sorted(dests, key=lambda d: d[0]):
            array.extend([pydyf.String(name), pydyf.Array([b"%d 0 R" % page, "/XYZ", x, y, 0])])
        names["Dests"] = pydyf.Dictionary({"Names": array})
    if "EmbeddedFiles" in front.catalog:
        names["EmbeddedFiles"] = front_refs(front.catalog["EmbeddedFiles"])
    if names:
        pdf.catalog["Names"] = names
    pdf.catalog["StructTreeRoot"] = root.reference
    pdf.info.update({key: pydyf.String(value) for key, value in front.info.items()})
    return _write(pdf)


def _bookmark_tree(pages: list[tuple[list, float]]) -> list:
    """The bookmarks of all pages as a tree, as WeasyPrint's Document.make_bookmark_tree makes
    it (levels skipped are closed up), in PDF coordinates."""
    root: list = []
    skipped: list[int] = []
    last_by_depth = [root]
    previous = 0
    for number, (bookmarks, height) in enumerate(pages):
        for level, label, (x, y), state in bookmarks:
            if level > previous:
                skipped.append(level - previous - 1)
            else:
                temp = level
                while temp < previous:
                    temp += 1 + skipped.pop()
                if temp > previous:
                    skipped.append(temp - previous - 1)
            previous = level
            depth = level - sum(skipped)
            children: list = []
            last_by_depth[depth - 1].append((label, (number, x * SCALE, (height - y) * SCALE), children, state))
            del last_by_depth[depth:]
            last_by_depth.append(children)
    return root


def _outlines(pdf, bookmarks: list, parent=None):
    """The outline objects of ``bookmarks`` (as WeasyPrint's add_outlines writes them)."""
    import pydyf

    count = len(bookmarks)
    outlines = []
    for title, (page, x, y), children, state in bookmarks:
        outline = pydyf.Dictionary({"Title": pydyf.String(title),
                                    "Dest": pydyf.Array((pdf.page_references[page], "/XYZ", x, y, 0))})
        pdf.add_object(outline)
        kids, kids_count = _outlines(pdf, children, outline)
        outline["Count"] = kids_count if state != "closed" else -kids_count
        if state != "closed":
            count += kids_count
        if outlines:
            outline["Prev"] = outlines[-1].reference
            outlines[-1]["Next"] = outline.reference
        if kids:
            outline["First"] = kids[0].reference
            outline["Last"] = kids[-1].reference
        if parent is not None:
            outline["Parent"] = parent.reference
        outlines.append(outline)
    if parent is None and outlines:
        top = pydyf.Dictionary({"Count": count, "First": outlines[0].reference, "Last": outlines[-1].reference})
        pdf.add_object(top)
        for outline in outlines:
            outline["Parent"] = top.reference
        pdf.catalog["Outlines"] = top.reference
    return outlines, count


def _write(pdf) -> bytes:
    """The PDF file: as pydyf writes it compressed (objects in one object stream, a
    cross-reference stream, the MD5 of the objects as its identifier), zlib at level 6."""
    import zlib
    from hashlib import md5

    import pydyf

    if pdf.info:
        pdf.add_object(pdf.info)
    out = [b"%PDF-1.7\n", b"%\xf0\x9f\x96\xa4\n"]
    position = sum(len(b) for b in out)
    packed, offsets, table, at = [], {}, [], 0
    for obj in pdf.objects[1:]:
        data = obj.data
        if obj.compressible:
            packed.append(data)
            table += [obj.number, at]
            at += len(data) + 1
            offsets[obj.number] = (2, len(packed) - 1)
        else:
            chunk = b"%d 0 obj\n%s\nendobj\n" % (obj.number, data)
            offsets[obj.number] = (1, position)
            out.append(chunk)
            position += len(chunk)
    index = " ".join(str(i) for i in table).encode()
    payload = zlib.compress(index + b"\n" + b"\n".join(packed), 6)
    stream_number = len(pdf.objects)
    head = pydyf.Dictionary({"Type": "/ObjStm", "N": len(packed), "First": len(index) + 1,
                             "Filter": "/FlateDecode", "Length": len(payload)}).data
    chunk = b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (stream_number, head, payload)
    offsets[stream_number] = (1, position)
    out.append(chunk)
    position += len(chunk)
    xref_number = stream_number + 1
    offsets[xref_number] = (1, position)
    digest = md5(b"".join(obj.data for obj in pdf.objects[1:])).hexdigest().encode()
    width = max(1, (position.bit_length() + 7) // 8)
    rows = [(0, 0, 65535)] + [(kind, value if kind == 1 else stream_number, 0 if kind == 1 else value)
                              for kind, value in (offsets[n] for n in range(1, xref_number + 1))]
    third = max(1, (max(65535, len(packed)).bit_length() + 7) // 8)
    xref = b"".join(kind.to_bytes(1, "big") + second.to_bytes(width, "big") + last.to_bytes(third, "big")
                    for kind, second, last in rows)
    xref = zlib.compress(xref, 6)
    identifier = pydyf.String(digest).data
    head = pydyf.Dictionary({"Type": "/XRef", "Index": pydyf.Array((0, xref_number + 1)),
                             "W": pydyf.Array((1, width, third)), "Size": xref_number + 1,
                             "Root": pdf.catalog.reference, "Filter": "/FlateDecode", "Length": len(xref),
                             **({"Info": pdf.info.reference} if pdf.info else {}),
                             "ID": pydyf.Array((identifier, identifier))}).data
    out.append(b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (xref_number, head, xref))
    out.append(b"startxref\n%d\n%%%%EOF\n" % position)
    return b"".join(out)


def render_parts(job: pdf_stage.PrintJob, cache: Path | None,
                 workers: int | None = None) -> tuple[bytes, list[str], int, int] | None:
    """The PDF of ``job`` made of pieces (cached in the folder ``cache``): (PDF, warnings,
    pieces rendered, pieces in all); None when the print document cannot be cut."""
    css = (job.theme / "print.css").read_text(encoding="utf-8")
    parts = cut(job.html, css)
    if parts is None:
        return None
    tail = "\n</body>\n</html>\n"
    base = base_key(job)
    bodies = [Piece(name, "body", parts.head + parts.lead + html + tail, parts.hidden + strings)
              for name, html, strings in parts.body]
    workers = workers or os.cpu_count() or 1
    pool_holder: list = []
    try:
        body, count = _render_all(job, bodies, cache, base, lambda: _pool(pool_holder, workers))
        refused = [url for r in body for url in r.refused]
        if refused:
            raise pdf_stage.ResourcesRefused(list(dict.fromkeys(refused)))
        pages = "".join(f'<div class="budgetsite-page" style="page: {name or "auto"}"></div>'
                        for r in body for name in r.names)
        numbers_piece = Piece("numbers", "numbers", parts.head + pages + tail, parts.numbers_css)
        targets, rank = {}, 0
        for r in body:
            for name, index, _x, _y in r.anchors:
                targets.setdefault(name, rank + index + 1)
            rank += len(r.pages)
        front_piece = Piece("front", "front", parts.head + parts.lead + parts.front + tail,
                            toc_css(parts.front, css, targets))
        (front, numbers), more = _render_all(job, [front_piece, numbers_piece], cache, base,
                                             lambda: _pool(pool_holder, workers))
        if front.refused:
            raise pdf_stage.ResourcesRefused(front.refused)
    finally:
        if pool_holder:
            pool_holder[0].shutdown()
            pool_holder.clear()
    messages = list(dict.fromkeys(m for r in [front, *body] for m in r.warnings))
    return assemble(front, body, numbers), messages, count + more, len(bodies) + 2
