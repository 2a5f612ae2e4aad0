"""``make archive``: the compendium as one self-contained file, what a deposit on an archive takes.

The file is a gzipped tar of one folder, ``spike-train-compendium-<version>-<commit>/``, holding

- every file of the commit (code, notebooks, profiles, the lock, data with checksums, results with their
  manifests, the RO-Crate and CodeMeta metadata, the citation);
- the built book (``_build/html``), as ``make book`` left it;
- ``ARCHIVE.json``: the commit, its date, the version, when the archive was written;
- ``SHA256SUMS``: the SHA-256 of every other file, in the format ``sha256sum -c`` checks.

It is written only from a clean tree (the files are those of the commit, so the archive cites it) and after
``make book``. Its members carry the commit's time and no owner, so writing it twice from one commit and one
build gives the same bytes. Unpacked, the book rebuilds offline with ``make book`` (given the packages of
``requirements.lock``); the cite page then names the commit from ``ARCHIVE.json``.

Usage::

    make archive                                  # dist/spike-train-compendium-<version>-<commit>.tar.gz
    python -m spikelib.pipeline.archive --output deposit.tar.gz

Functions
---------
write_archive
    Write the archive; returns its path and what it holds.
archive_record
    ``ARCHIVE.json`` of an unpacked archive, or ``None`` in a git checkout.
"""

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from .. import paths
from ..exceptions import DataError, SpikelibError
from ..storage import write_atomically

__all__ = ["write_archive", "archive_record", "RECORD", "SUMS"]

#: The record an archive carries at its top (the commit it was written from).
RECORD = "ARCHIVE.json"
#: The checksums an archive carries at its top, one ``<sha256>  <path>`` line per file.
SUMS = "SHA256SUMS"
_NAME = "spike-train-compendium"


def _git(root, *args):
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        raise DataError(f"make archive needs git, which could not run ({error}).") from None
    if done.returncode != 0:
        raise DataError(f"{root} is not a git checkout (git {' '.join(args)}: {done.stderr.strip()[:200]}); "
                        "an archive is written from a clone of the compendium.")
    return done.stdout


def _version(root):
    import tomllib

    return tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]["version"]


def write_archive(output=None, root=None, build=None, log=print):
    """Write the archive of the commit checked out at ``root`` and its built book.

    Parameters
    ----------
    output : str or os.PathLike, optional
        The file to write (default ``dist/<name>.tar.gz`` under ``root``).
    root : str or os.PathLike, optional
        The repository (default: this compendium's).
    build : str or os.PathLike, optional
        The built book (default ``_build/html`` under ``root``).
    log : callable
        Where the progress lines go.

    Returns
    -------
    path : pathlib.Path
    record : dict
        What ``ARCHIVE.json`` holds, with ``files`` (the number in ``SHA256SUMS``) and ``bytes`` (the archive's
        size).

    Raises
    ------
    DataError
        Outside a git checkout, with tracked files changed since the commit, or without a built book.
    """
    root = Path(root or paths.ROOT).resolve()
    build = Path(build or root / "_build" / "html")
    changed = _git(root, "status", "--porcelain", "--untracked-files=no").strip()
    if changed:
        first = changed.splitlines()[0].strip()
        raise DataError(f"Tracked files differ from the commit (first: {first}); commit or stash them, so that the "
                        "archive holds exactly one commit.")
    if not (build / "index.html").is_file():
        raise DataError(f"No built book at {paths.repository_relative(build)}; run `make book` first.")
    commit = _git(root, "rev-parse", "HEAD").strip()
    stamp = int(_git(root, "log", "-1", "--format=%ct").strip())
    tracked = [line for line in _git(root, "ls-files", "-z").split("\0") if line]
    tracked = [name for name in tracked if (root / name).is_file()]  # a submodule or a deleted file is left out
    built = sorted(p.relative_to(root).as_posix() for p in build.rglob("*") if p.is_file())
    name = f"{_NAME}-{_version(root)}-{commit[:12]}"
    record = {"name": name, "commit": commit,
              "commit_date": datetime.fromtimestamp(stamp, timezone.utc).date().isoformat(),
              "version": _version(root), "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "check": f"sha256sum -c {SUMS}"}
    files = sorted(set(tracked) | set(built))
    output = Path(output or root / "dist" / f"{name}.tar.gz")
    log(f"make archive: {len(tracked):,} files of commit {commit[:12]} and {len(built):,} of the built book")
    sums = []

    def member(tar, relative, data):
        info = tarfile.TarInfo(f"{name}/{relative}")
        info.size, info.mtime, info.mode = len(data), stamp, 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tar.addfile(info, io.BytesIO(data))

    def write(handle):
        # gzip's own header time is the commit's too: one commit and one build, one archive
        with gzip.GzipFile(fileobj=handle, mode="wb", mtime=stamp, compresslevel=6) as packed, \
                tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for index, relative in enumerate(files, 1):
                data = (root / relative).read_bytes()
                sums.append(f"{hashlib.sha256(data).hexdigest()}  {relative}")
                member(tar, relative, data)
                if index % 500 == 0:
                    log(f"  {index:,} of {len(files):,} files")
            record["files"] = len(sums)
            member(tar, RECORD, (json.dumps({k: v for k, v in record.items() if k != "written"}, indent=2)
                                 + "\n").encode())
            member(tar, SUMS, ("\n".join(sums) + "\n").encode())

    write_atomically(output, write)
    record["bytes"] = output.stat().st_size
    return output, record


def archive_record(root=None):
    """``ARCHIVE.json`` at ``root`` (an unpacked archive), or ``None`` where there is none (a git checkout)."""
    path = Path(root or paths.ROOT) / RECORD
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def main(argv=None):
    """``python -m spikelib.pipeline.archive [--output FILE]``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m spikelib.pipeline.archive", description=__doc__.split("\n")[0])
    parser.add_argument("--output", help="the file to write (default dist/<name>.tar.gz)")
    arguments = parser.parse_args(argv)
    try:
        path, record = write_archive(arguments.output)
    except SpikelibError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {paths.repository_relative(path)}: {record['files']:,} files, {record['bytes'] / 1e6:.0f} MB "
          f"(commit {record['commit'][:12]})\ncheck it: tar xzf {path.name} && cd {record['name']} && "
          f"{record['check']}\nrebuild the book from it: make book (offline, given the packages of "
          "requirements.lock)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
