"""Check the built pages with the W3C Nu HTML Checker (vnu.jar): 0 errors is the bar.

    npm ci --prefix tools --ignore-scripts    # once: axe-core and vnu-jar (tools/package.json)
    .venv/bin/python tools/check_html.py      # builds both example sites (HTML only) and checks them
    .venv/bin/python tools/check_html.py --built _site   # checks a site already built

Java 11 or later runs the checker (Debian: apt-get install default-jre-headless). Each error
is printed as ``page:line:column: error: message``; the exit status is 1 when there is one,
2 when the checker cannot run. Warnings are not counted (--warnings prints them too).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "tools/node_modules/vnu-jar/build/dist/vnu.jar"
EXAMPLES = [ROOT, ROOT / "examples/shanghai-wanli"]  # the example sites: the repository, 上海万里


def pages(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.html") if p.is_file())


def check(files: list[Path], warnings: bool = False) -> list[dict]:
    """The checker's messages (errors, and warnings if asked) about ``files``."""
    java = shutil.which("java")
    if java is None or not JAR.is_file():
        raise FileNotFoundError(
            "the Nu checker needs java and tools/node_modules/vnu-jar "
            "(npm ci --prefix tools --ignore-scripts; apt-get install default-jre-headless)")
    command = [java, "-jar", str(JAR), "--format", "json", "--exit-zero-always"]
    if not warnings:
        command.append("--errors-only")
    done = subprocess.run(command + [str(f) for f in files], capture_output=True, text=True, check=False)
    try:
        messages = json.loads(done.stderr or done.stdout)["messages"]
    except (ValueError, KeyError):
        raise RuntimeError(f"the Nu checker did not answer: {done.stderr or done.stdout}") from None
    return [m for m in messages if warnings or m.get("type") == "error" or m.get("subType") == "fatal"]


def describe(message: dict, base: Path | None = None) -> str:
    where = message.get("url", "")
    if where.startswith("file:"):
        where = Path(where[5:].lstrip("/")).as_posix()
        where = "/" + where if not where.startswith("/") else where
        if base is not None:
            try:
                where = Path(where).relative_to(base).as_posix()
            except ValueError:
                pass
    kind = message.get("subType") or message.get("type")
    return f"{where}:{message.get('lastLine', 0)}:{message.get('firstColumn', message.get('lastColumn', 0))}: {kind}: {message.get('message', '')}"


def build_examples(out: Path) -> list[Path]:
    """Both example sites, built (HTML only) under ``out``."""
    sys.path.insert(0, str(ROOT))
    from budgetsite.build import build_site

    folders = []
    for site in EXAMPLES:
        target = out / (site.name if site != ROOT else "site")
        build_site(site, target, pdf=False)
        folders.append(target)
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--built", type=Path, action="append",
                        help="a built site to check (repeatable); default: build the example sites")
    parser.add_argument("--warnings", action="store_true", help="print the warnings too (not counted)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folders = args.built or build_examples(Path(tmp))
        files = [f for folder in folders for f in pages(folder)]
        try:
            messages = check(files, args.warnings)
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"check_html: {exc}", file=sys.stderr)
            return 2
        base = Path(tmp).resolve() if not args.built else None
        for message in messages:
            print(describe(message, base))
    errors = sum(1 for m in messages if m.get("type") == "error")
    print(f"Nu HTML Checker: {len(files)} pages, {errors} errors", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
