"""Which files under an output root splitlib wrote, and may therefore delete or replace.

An output root is owned when it holds splitlib's marker (written before any data) or a
committed manifest. A run writes everything into a fresh attempt folder under
`_attempts/`, moves it into place only once the job has succeeded, then writes the
manifest last. The marker names the files being moved, so a run that dies in the middle
of the move leaves nothing the next run cannot recognise as its own.

Never deleted: a file that is neither the marker, the manifest, a file the manifest
lists, a file the marker lists, nor under `_attempts/`. An output root that holds such a
file is refused whole, with nothing touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import uuid
from collections.abc import Callable, Iterable

from splitlib import storage
from splitlib.errors import UserError
from splitlib.progress import PROGRESS_FILE

MARKER = ".splitlib-output.json"
ATTEMPTS = "_attempts"
MANIFEST = "manifest.json"
PROGRESS = "progress.json"  # splitlib.progress writes it while a run is going
# the folders a run writes into (only these are removed once empty)
OWN_FOLDERS = ("data", "docs", "quarantine", "domains", "tokenizer", ATTEMPTS)
# files of runs written before the manifest listed its artefacts
LEGACY_ARTEFACTS = (
    "report.html",
    "tokenizer/tokenizer.json",
    "domains/centroids.npy",
    "domains/idf.npy",
    "domains/token_counts.npy",
    "domains/relevance_hist.npy",
    "domains/router.json",
)


def _local_path(url: str) -> str | None:
    if url.startswith("file://"):
        url = url[len("file://") :]
    if "://" in url:
        return None
    return os.path.realpath(os.path.expanduser(url))


def _fixed_part(url: str) -> str:
    """The part of an input URL before any glob character."""
    cut = min([url.index(c) for c in "*?[" if c in url], default=len(url))
    return url[:cut] if cut == len(url) else url[:cut].rsplit("/", 1)[0]


def _normalized(url: str) -> str:
    local = _local_path(url)
    if local is not None:
        return local.rstrip("/") or "/"
    scheme, rest = url.split("://", 1)
    scheme = "s3" if scheme == "s3a" else scheme
    return f"{scheme}://" + posixpath.normpath(rest).strip("/")


def _inside(child: str, parent: str) -> bool:
    return child == parent or child.startswith(parent.rstrip("/") + "/")


def check_location(out: str, inputs: Iterable[str]) -> None:
    """Refuse an --out at a filesystem or home root, or one that overlaps an input."""
    target = _normalized(out)
    home = os.path.realpath(os.path.expanduser("~")).rstrip("/")
    roots = {"/", home} if _local_path(out) is not None else set()
    if "://" in target and "/" not in target.split("://", 1)[1]:
        roots.add(target)  # a bucket's root
    if target in roots:
        raise UserError(
            f"--out {out!r} is a filesystem, bucket or home root: splitlib writes a run into "
            "its own folder. Choose a new folder, e.g. --out ./out/split."
        )
    for url in inputs:
        source = _normalized(_fixed_part(url))
        if _inside(source, target) or _inside(target, source):
            raise UserError(
                f"--out {out!r} overlaps the input {url!r}: a split never writes where it "
                "reads. Choose an --out outside the input folder."
            )


def _listing(out: str) -> list[str] | None:
    """Paths of every file under `out`, relative to it; None when `out` does not exist."""
    fs, path = storage.filesystem(out)
    if not fs.exists(path):
        return None
    if not fs.isdir(path):
        raise UserError(f"--out {out!r} is a file, not a folder: choose a folder for the run.")
    root = path.rstrip("/")
    return sorted(posixpath.relpath(p, root) for p in fs.find(root))


def _read_json(url: str) -> dict | None:
    try:
        value = json.loads(storage.read_bytes(url))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        return {}  # present but unreadable: still ours, its listed files unknown
    return value if isinstance(value, dict) else {}


def manifest_files(manifest: dict) -> set[str]:
    """The files a committed manifest says its run wrote."""
    files = {s["path"] for s in manifest.get("shards", []) if isinstance(s, dict) and "path" in s}
    artefacts = manifest.get("artefacts")
    if isinstance(artefacts, list):
        files |= {a["path"] for a in artefacts if isinstance(a, dict) and "path" in a}
        files.add("report.html")
    else:
        files |= set(LEGACY_ARTEFACTS)
    return files


def _scratch(rel: str) -> bool:
    """Temporary files of an atomic write (manifest, progress file) a crash can leave."""
    return rel.startswith(".manifest.json.tmp-") or (
        rel.startswith(PROGRESS + ".") and rel.endswith(".tmp")
    )


def owned_files(out: str) -> set[str] | None:
    """Files under `out` that splitlib wrote; None when `out` is not splitlib's."""
    marker = _read_json(storage.join(out, MARKER))
    manifest = _read_json(storage.join(out, MANIFEST))
    if marker is None and manifest is None:
        return None
    owned = {MARKER, MANIFEST, PROGRESS_FILE}  # progress.json: rewritten by every run
    if manifest:
        owned |= manifest_files(manifest)
    if marker:
        owned |= {p for p in marker.get("moving", []) if isinstance(p, str)}
    return owned


def _write_marker(out: str, moving: list[str]) -> None:
    body = {"written_by": "splitlib", "moving": moving}
    storage.write_bytes(storage.join(out, MARKER), json.dumps(body, indent=1).encode() + b"\n")


def claim(out: str, overwrite: bool, inputs: Iterable[str]) -> str:
    """Check that `out` may hold this run, clear what earlier runs left; the attempt folder.

    Raises UserError, with nothing touched, for an --out splitlib may not write.
    """
    check_location(out, inputs)
    files = _listing(out)
    if files:
        owned = owned_files(out)
        if owned is None:
            raise UserError(
                f"--out {out!r} already holds files splitlib did not write (e.g. {files[0]!r}): "
                "splitlib never deletes them. Choose a new or empty folder for --out."
            )
        if MANIFEST in files and not overwrite:
            raise UserError(
                f"{out!r} already holds a committed run (manifest.json). "
                "Pass --overwrite to replace it, or choose another --out."
            )
        foreign = [
            f for f in files if f not in owned and not _inside(f, ATTEMPTS) and not _scratch(f)
        ]
        if foreign:
            raise UserError(
                f"--out {out!r} holds {len(foreign)} file(s) no splitlib run wrote "
                f"(e.g. {foreign[0]!r}): splitlib never deletes them, with or without "
                "--overwrite. Move them away, or choose another --out."
            )
    try:  # the marker names what is about to be deleted: a crash midway leaves no stranger
        _write_marker(out, [f for f in files or [] if f != MARKER])
    except Exception as err:  # any backend error means the same thing to the user
        raise UserError(
            f"cannot write to output {out!r} ({type(err).__name__}: {err}). "
            "Choose a writable --out, or fix its permissions / credentials."
        ) from None
    if files:
        clear(out, files)
        _write_marker(out, [])
    return storage.join(out, ATTEMPTS, uuid.uuid4().hex[:12])


def clear(out: str, files: list[str]) -> None:
    """Delete the files of earlier runs under `out` (the manifest first: uncommit, then clean)."""
    fs, root = storage.filesystem(out)
    root = root.rstrip("/")
    ordered = sorted(f for f in files if f not in (MARKER, MANIFEST))
    if MANIFEST in files:
        fs.rm(f"{root}/{MANIFEST}")
    for rel in ordered:
        fs.rm(f"{root}/{rel}")
    _remove_empty_dirs(out)


def _remove_empty_dirs(out: str) -> None:
    """Folders splitlib made and left empty (local stores only; object stores have none)."""
    local = _local_path(out)
    if local is None:
        return
    for top in OWN_FOLDERS:
        walk = os.walk(os.path.join(local, top))
        for folder, _, _ in sorted(walk, key=lambda w: -len(w[0])):
            if not os.listdir(folder):
                os.rmdir(folder)


def attempt_files(attempt: str) -> list[str]:
    return _listing(attempt) or []


def promote(out: str, attempt: str, later: tuple[str, ...] = ("report.html",)) -> list[str]:
    """Move a finished attempt's files into the run root; returns their relative paths.

    The marker lists them (and the files written `later`, before the manifest) first, so a crash in the middle of the move leaves only files
    the next run knows to be splitlib's.
    """
    files = attempt_files(attempt)
    _write_marker(out, files + list(later))
    fs, src_root = storage.filesystem(attempt)
    _, dst_root = storage.filesystem(out)
    for rel in files:
        src = f"{src_root.rstrip('/')}/{rel}"
        dst = f"{dst_root.rstrip('/')}/{rel}"
        if not storage.is_remote(out):
            fs.makedirs(posixpath.dirname(dst), exist_ok=True)
        fs.mv(src, dst)
    discard(attempt)
    return files


def discard(attempt: str) -> None:
    """Remove an attempt folder (and `_attempts/` when it is left empty)."""
    storage.remove(attempt, recursive=True)
    parent = attempt.rstrip("/").rsplit("/", 1)[0]
    fs, path = storage.filesystem(parent)
    if fs.exists(path) and not fs.ls(path):
        fs.rm(path, recursive=True)


def discard_quietly(attempt: str) -> None:
    """Best effort after a failure: the next run clears whatever this leaves."""
    with contextlib.suppress(Exception):  # the store may be what failed; the marker stays
        discard(attempt)


def settle(out: str) -> None:
    """After the commit: the marker lists nothing in flight."""
    _write_marker(out, [])


# --- commands that write one file (fit, plan) or a folder of their own (train, sweep, experiment)

PNG_TAG = b"Software\x00splitlib"  # the tEXt chunk splitlib's figures carry


def splitlib_png(data: bytes) -> bool:
    return PNG_TAG in data[:4096]


def check_file_out(
    out: str,
    inputs: Iterable[str],
    ours: Callable[[bytes], bool],
    figures: Iterable[str] = (),
    name: str = "out.json",
    no_figures: str = "--no-plots",
) -> None:
    """Refuse an --out that is one of the command's inputs, a folder, or a file splitlib did
    not write (`ours` tells from its bytes); a figure beside it is refused unless it carries
    splitlib's tag. Nothing is written before this. `name`: the file name to suggest inside
    a folder; `no_figures`: the command's flag that writes no figures."""
    target = _normalized(out)
    for url in inputs:
        if url and _normalized(url) == target:
            raise UserError(f"--out {out!r} is an input of this command; write to another path.")
    fs, path = storage.filesystem(out)
    if fs.isdir(path):
        raise UserError(
            f"--out {out!r} is a folder; give a file path, e.g. {out.rstrip('/')}/{name}."
        )
    if fs.exists(path) and not ours(storage.read_bytes(out)):
        raise UserError(
            f"--out {out!r} exists and splitlib did not write it; choose another path, or "
            "move that file away."
        )
    for figure in figures:
        if storage.exists(figure) and not splitlib_png(storage.read_bytes(figure)):
            raise UserError(
                f"{figure!r} exists and splitlib did not write it (the figure of --out "
                f"{out!r}); choose another --out, move that file away, or pass {no_figures}."
            )


def json_with(keys: set[str]) -> Callable[[bytes], bool]:
    """`ours` for a JSON document splitlib writes: an object with all of `keys`."""

    def check(data: bytes) -> bool:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return False
        return isinstance(doc, dict) and keys <= doc.keys()

    return check


def claim_folder(
    out: str, kind: str, is_main: bool = True, legacy: Callable[[str], bool] | None = None
) -> None:
    """For train, sweep and experiment: refuse an --out that is a file, or a folder holding
    files that this kind of splitlib output did not write; mark a new or empty one as theirs
    (the marker first, before anything else is written). `legacy`: recognises folders written
    before the marker existed."""
    marker = storage.join(out, f".splitlib-{kind}.json")
    if storage.exists(marker):
        return
    fs, path = storage.filesystem(out)
    if fs.exists(path) and not fs.isdir(path):
        raise UserError(f"--out {out!r} is a file; {kind} writes a folder: give a new folder.")
    found = sorted(fs.find(path)) if fs.exists(path) else []
    found = [f for f in found if not f.endswith(marker.rsplit("/", 1)[-1])]  # another process's
    if found and not (legacy and legacy(out)):
        first = found[0][len(path.rstrip("/")) + 1 :]
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        raise UserError(
            f"--out {out!r} holds files splitlib's {kind} did not write ({first!r}{more}); "
            "choose a new or empty folder."
        )
    if is_main:
        storage.write_bytes(marker, json.dumps({"written_by": "splitlib", "kind": kind}).encode())


def check_outside_run(out: str, run_root: str, kind: str) -> None:
    """Refuse an --out of train, sweep or experiment inside the split run it reads."""
    if _inside(_normalized(out), _normalized(run_root)):
        raise UserError(
            f"--out {out!r} is inside the split run {run_root!r} that {kind} reads; write "
            "its output to a folder of its own."
        )
