"""The compendium described for machines: ``ro-crate-metadata.json`` (RO-Crate 1.1) and ``codemeta.json``.

Both are written from the code's own registries, never by hand: the data
files the compendium knows with their SHA-256 (``data/checksums.sha256``, and
where each comes from), every profile as a workflow run (its file, its
parameters, the results folder it made and that folder's manifest hash), the
book, the software with its lock, its licence and its citation
(``CITATION.cff``, ``pyproject.toml``), and the latest verification record.
The content depends on the repository alone (no clock), so building the book
twice writes the same files; a test compares the committed ones with what
this module writes, and reads the crate back with the ``rocrate`` package.

Functions
---------
crate_metadata
    The RO-Crate's JSON-LD, as a dict.
codemeta
    The CodeMeta record, as a dict.
write_metadata
    Write both files at the repository's root.
"""

import hashlib
import json
import sys
from pathlib import Path

from .. import paths
from ..storage import sha256, write_atomically

__all__ = ["crate_metadata", "codemeta", "write_metadata", "CRATE", "CODEMETA", "DATA_SOURCES"]

CRATE = paths.ROOT / "ro-crate-metadata.json"
CODEMETA = paths.ROOT / "codemeta.json"
#: Where each data file the compendium knows comes from (its original publisher's address).
DATA_SOURCES = {
    "mnist.npz": ("MNIST (Keras' copy)", "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"),
    "train-images-idx3-ubyte.gz": ("Fashion-MNIST training images",
                                   "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"),
    "train-labels-idx1-ubyte.gz": ("Fashion-MNIST training labels",
                                   "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz"),
    "t10k-images-idx3-ubyte.gz": ("Fashion-MNIST test images",
                                  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz"),
    "t10k-labels-idx1-ubyte.gz": ("Fashion-MNIST test labels",
                                  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"),
    "cifar-10-python.tar.gz": ("CIFAR-10, python version", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
}
_CONTEXT = "https://w3id.org/ro/crate/1.1/context"


def _citation():
    import yaml

    return yaml.safe_load((paths.ROOT / "CITATION.cff").read_text())


def _project():
    import tomllib

    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]


def _file(path, **extra):
    path = Path(path)
    return {"@id": path.relative_to(paths.ROOT).as_posix(), "@type": "File", "name": path.name,
            "contentSize": path.stat().st_size, "sha256": sha256(path), **extra}


def _folder(path, **extra):
    return {"@id": Path(path).relative_to(paths.ROOT).as_posix().rstrip("/") + "/", "@type": "Dataset", **extra}


def _checksums():
    found = {}
    for line in paths.CHECKSUMS.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            found[parts[1]] = parts[0]
    return found


def _data_entities():
    """Every data file of ``data/checksums.sha256``: shipped ones as files, the others as the web resources they
    are fetched from, each with its SHA-256."""
    entities = []
    for name, digest in _checksums().items():
        local = next((p for p in (paths.DATA / name, paths.EXAMPLES / name) if p.is_file()), None)
        if local is not None:
            entity = _file(local, description="shipped with the compendium")
            entity["sha256"] = digest
        else:
            title, address = DATA_SOURCES.get(name, (name, None))
            if address is None:
                continue
            entity = {"@id": address, "@type": "File", "name": title, "sha256": digest,
                      "description": f"{name}: not shipped; fetched by Keras, or copied into data/ (see data/README.md)"}
        entities.append(entity)
    entities.append({"@id": "#digits", "@type": "Dataset", "name": "scikit-learn's digits",
                     "description": "bundled with scikit-learn (load_digits); split 75/25 with a fixed seed"})
    return entities


def _profile_runs():
    """Each profile with committed results as a CreateAction: its file (the instrument), its parameters, the
    results folder it made (with its manifest's SHA-256)."""
    import yaml

    actions, entities = [], []
    for profile in sorted(paths.PROFILES.glob("*.yaml")):
        root = paths.results_dir() / profile.stem
        manifest = paths.manifest_path(root)
        spec = yaml.safe_load(profile.read_text())
        entities.append(_file(profile, encodingFormat="application/yaml",
                              description=" ".join(str(spec.get("description", "")).split()) or profile.stem))
        if not manifest.is_file() or not _tracked(manifest):
            continue
        record = json.loads(manifest.read_text())
        cells = record.get("cells") or {}
        finished = sum(1 for c in cells.values() if isinstance(c, dict) and c.get("status") == "ok")
        parameters = [{"@id": f"#{profile.stem}-parameter-{key}", "@type": "PropertyValue", "name": key,
                       "value": json.dumps(value)} for key, value in sorted((spec.get("defaults") or {}).items())]
        entities.extend(parameters)
        entities.append(_folder(root, name=f"results of the {profile.stem} profile",
                                description=f"{finished} finished cells of {len(cells)}", hasPart=[
                                    {"@id": manifest.relative_to(paths.ROOT).as_posix()}]))
        entities.append(_file(manifest, encodingFormat="application/json",
                              description="every cell's parameters, status, wall time and files' SHA-256"))
        actions.append({"@id": f"#run-{profile.stem}", "@type": "CreateAction", "name": f"spikelib run --profile "
                        f"{profile.stem}", "instrument": {"@id": profile.relative_to(paths.ROOT).as_posix()},
                        "object": parameters and [{"@id": p["@id"]} for p in parameters],
                        "result": [{"@id": root.relative_to(paths.ROOT).as_posix() + "/"}],
                        "startTime": record.get("started"), "agent": {"@id": "#authors"}})
    from .pages import NOT_PROFILES

    for folder, command in NOT_PROFILES.items():  # the transfer and held-out networks
        transfer = paths.results_dir() / folder
        if not (paths.manifest_path(transfer).is_file() and _tracked(paths.manifest_path(transfer))):
            continue
        entities.append(_folder(transfer, name=f"the networks of results/{folder}",
                                description="networks trained with Adam on digits, Fashion-MNIST and a synthetic task, "
                                            f"diagnosed every way ({command})"))
        entities.append(_file(paths.manifest_path(transfer), encodingFormat="application/json"))
        actions.append({"@id": f"#run-{folder}", "@type": "CreateAction", "name": command,
                        "result": [{"@id": transfer.relative_to(paths.ROOT).as_posix() + "/"}],
                        "agent": {"@id": "#authors"}})
    return actions, entities


def _tracked(path):
    """Whether a file is part of the repository (results made locally by ``make book`` are not)."""
    import subprocess

    try:
        return subprocess.run(["git", "ls-files", "--error-unmatch", str(path)], cwd=paths.ROOT,
                              capture_output=True, timeout=30).returncode == 0 or not (paths.ROOT / ".git").exists()
    except (OSError, subprocess.SubprocessError):
        return True


def crate_metadata():
    """The RO-Crate metadata of the repository (RO-Crate 1.1), as a dict."""
    citation, project = _citation(), _project()
    actions, profile_entities = _profile_runs()
    data = _data_entities()
    software = [
        _folder(paths.ROOT / "spikelib", **{"@type": ["Dataset", "SoftwareSourceCode"], "name": "spikelib",
                                            "programmingLanguage": "Python", "version": project["version"],
                                            "description": project["description"]}),
        _file(paths.ROOT / "pyproject.toml", encodingFormat="application/toml"),
        _file(paths.ROOT / "requirements.lock", description="the exact, hashed versions make installs"),
        _file(paths.ROOT / "LICENSE", description=f"{citation['license']} licence"),
        _file(paths.ROOT / "CITATION.cff", description="how to cite the compendium (Citation File Format 1.2.0)",
              encodingFormat="application/yaml"),
        _file(CODEMETA, encodingFormat="application/ld+json") if CODEMETA.is_file() else None,
        _folder(paths.NOTEBOOKS, name="the notebooks papermill executes (jupytext text files)"),
        _folder(paths.BOOK, name="the book's pages (Jupyter Book 1): make book renders them"),
        _folder(paths.PROFILES, name="the grid profiles"),
    ]
    latest = paths.ROOT / "verification" / "latest.json"
    if latest.is_file():
        software.append(_file(latest, encodingFormat="application/json",
                              description="the latest spikelib verify record: cells rerun and compared"))
    software = [entity for entity in software if entity is not None]
    parts = [*data, *software, *[e for e in profile_entities if e["@type"] in ("File", "Dataset")]]
    root = {"@id": "./", "@type": "Dataset", "name": citation["title"], "description": project["description"],
            "version": citation["version"], "datePublished": str(citation.get("date-released", "")),
            "license": {"@id": "https://spdx.org/licenses/MIT"}, "author": {"@id": "#authors"},
            "keywords": citation.get("keywords", []),
            "citation": [{"@id": f"https://doi.org/{ref['doi']}"} for ref in citation.get("references", [])
                         if ref.get("doi")],
            "hasPart": [{"@id": part["@id"]} for part in parts if not part["@id"].startswith("#")],
            "mentions": [{"@id": action["@id"]} for action in actions]}
    contextual = [{"@id": "#authors", "@type": "Organization",
                   "name": citation["authors"][0].get("name", "the authors")},
                  {"@id": "https://spdx.org/licenses/MIT", "@type": "CreativeWork", "name": "MIT License"},
                  *[{"@id": f"https://doi.org/{ref['doi']}", "@type": "ScholarlyArticle", "name": ref["title"]}
                    for ref in citation.get("references", []) if ref.get("doi")]]
    descriptor = {"@id": "ro-crate-metadata.json", "@type": "CreativeWork", "conformsTo": {"@id":
                  "https://w3id.org/ro/crate/1.1"}, "about": {"@id": "./"}}
    graph = [descriptor, root, *parts, *[e for e in profile_entities if e["@type"] not in ("File", "Dataset")],
             *actions, *contextual]
    seen, unique = set(), []
    for entity in graph:
        if entity["@id"] not in seen:
            seen.add(entity["@id"])
            unique.append(entity)
    return {"@context": _CONTEXT, "@graph": unique}


def codemeta():
    """The CodeMeta 2.0 record of the software, from ``CITATION.cff`` and ``pyproject.toml``."""
    citation, project = _citation(), _project()
    return {"@context": "https://w3id.org/codemeta/3.0", "@type": "SoftwareSourceCode",
            "name": citation["title"], "identifier": project["name"], "version": project["version"],
            "description": project["description"], "license": "https://spdx.org/licenses/MIT",
            "dateModified": str(citation.get("date-released", "")), "keywords": citation.get("keywords", []),
            "programmingLanguage": "Python", "runtimePlatform": f"Python {project['requires-python']}",
            "author": [{"@type": "Organization", "name": a.get("name") or
                        f"{a.get('given-names')} {a.get('family-names')}"} for a in citation["authors"]],
            "softwareRequirements": list(project["dependencies"]),
            "referencePublication": [f"https://doi.org/{ref['doi']}" for ref in citation.get("references", [])
                                     if ref.get("doi")]}


def _write(path, payload):
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, lambda handle: handle.write(text.encode()))
    return hashlib.sha256(text.encode()).hexdigest()


def write_metadata():
    """Write ``codemeta.json`` and ``ro-crate-metadata.json`` (which lists the former); return both paths."""
    _write(CODEMETA, codemeta())
    _write(CRATE, crate_metadata())
    return CRATE, CODEMETA


def main():
    crate, meta = write_metadata()
    print(f"wrote {crate.name} and {meta.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
