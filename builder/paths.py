"""Where the bundled templates and theme are: beside the package when installed from a wheel
(budgetsite/templates, budgetsite/theme), or at the top of a checkout (templates/, theme/)."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    installed = _HERE / name
    return installed if installed.is_dir() else _HERE.parent / name


BUNDLED_THEME = _bundled("theme")
BUNDLED_TEMPLATES = _bundled("templates")


def portal_of(site_dir: Path) -> Path | None:
    """The portal a site belongs to, when it is one of its publishers (``<portal>/publishers/<id>/``,
    the portal folder holding its own site.yaml): its theme/, templates/, formats/ and codes/ are
    the fallbacks of the publisher's own, before the bundled ones. None for a site of its own."""
    here = Path(site_dir).resolve()
    if here.parent.name != "publishers":
        return None
    portal = here.parent.parent
    return portal if (portal / "site.yaml").is_file() and not (portal / "content").is_dir() else None


def site_layers(site_dir: Path) -> list[tuple[Path, str]]:
    """The folders a site's own files are looked up in, first first, each with the prefix its
    files are shown with: the site itself (""), then its portal ("../../"), if any."""
    layers = [(Path(site_dir), "")]
    portal = portal_of(site_dir)
    if portal is not None:
        layers.append((portal, "../../"))
    return layers
