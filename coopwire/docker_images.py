"""The deployment's images built on a machine that reaches no image registry.

Air-gapped sites (justice and security users often are) still have Debian's package mirror
and, with coopwire, the Kafka jars and a pip cache. From those this builds:

- ``coopwire/python:3.11-bookworm``: a Debian root filesystem made by ``debootstrap`` with
  Python 3.11, imported as an image (stands in for ``python:3.11-slim``);
- ``coopwire/kafka:<version>``: the cached broker jars on that base (for ``apache/kafka``);
- ``coopwire/postgres:15-bookworm``: Debian's PostgreSQL on that base (for ``postgres``);
- ``coopwire:<version>``: ``deploy/Dockerfile`` on that base, its Python packages from a
  wheelhouse made on the host (``pip wheel`` with ``constraints.txt``), no index.

Every image carries the digest of its inputs in a label, so an unchanged image is not built
again. The root filesystem, the wheelhouse and the Kafka and PostgreSQL images (``docker
save``) are kept under ``~/.cache/coopwire/docker`` too, so a daemon with an empty data root
gets them back in seconds. Builds use the classic builder API, which needs neither BuildKit's
frontend image nor the ``buildx`` plugin.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coopwire import __version__
from coopwire.broker import REPO_ROOT, cache_dir, ensure_jars, kafka_version

LABEL = "io.coopwire.inputs"
DEBIAN_SUITE = "bookworm"
# python-is-python3: `python` as in the official image; passwd: useradd for the images' users.
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates", "passwd")
BASE_ENV = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8")
# What pip needs besides the lock to build the project itself without an index.
BUILD_REQUIREMENTS = ("setuptools>=69", "wheel")
WHEELHOUSE_IN_CONTEXT = "deploy/wheelhouse"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LocalImages:
    """Names of the local images; ``compose_env`` points deploy/docker-compose.yml at them."""

    python: str = "coopwire/python:3.11-bookworm"
    kafka: str = field(default_factory=lambda: f"coopwire/kafka:{kafka_version()}")
    postgres: str = "coopwire/postgres:15-bookworm"
    coopwire: str = f"coopwire:{__version__}"

    def compose_env(self) -> dict[str, str]:
        return {
            "PYTHON_IMAGE": self.python,
            "KAFKA_IMAGE": self.kafka,
            "POSTGRES_IMAGE": self.postgres,
            "WHEELHOUSE": f"/src/{WHEELHOUSE_IN_CONTEXT}",
        }


@dataclass
class BuiltImage:
    name: str
    how: str  # "built", "loaded from cache", "up to date"
    seconds: float
    size_bytes: int

    @property
    def size_mb(self) -> int:
        return round(self.size_bytes / 1e6)


def images_cache() -> Path:
    return cache_dir() / "docker"


def _digest(*parts: str | bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode() if isinstance(part, str) else part)
        sha.update(b"\0")
    return sha.hexdigest()[:16]


def _tree_digest(paths: Iterable[tuple[str, Path]]) -> str:
    """Digest of files by name, mode and content (jars and wheels: name and size, which carry
    their version; reading 300 MB on every run would cost more than it protects)."""
    parts: list[str | bytes] = []
    for arcname, path in sorted(paths):
        stat = path.stat()
        parts.append(f"{arcname}:{stat.st_mode & 0o111}")
        if path.suffix in (".jar", ".whl"):
            parts.append(str(stat.st_size))
        else:
            parts.append(path.read_bytes())
    return _digest(*parts)


def debian_mirror() -> str:
    """The Debian mirror apt already uses on this machine (deb822 or one-line sources)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        try:
            text = source.read_text()
        except OSError:
            continue
        for match in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s*)?)(\S+)", text, re.M):
            uri = match.group(1).rstrip("/")
            if "security" not in uri:
                return uri
    return "http://deb.debian.org/debian"


# --- the Python base: debootstrap, docker import ------------------------------------------------


def base_key() -> str:
    return _digest("debootstrap", "minbase", DEBIAN_SUITE, *BASE_PACKAGES, *BASE_ENV)


def ensure_rootfs(progress: Progress) -> Path:
    """A tarball of a minimal Debian with Python 3.11, made once by debootstrap (about 2 min)."""
    tarball = images_cache() / f"rootfs-{DEBIAN_SUITE}-{base_key()}.tar"
    if tarball.exists():
        return tarball
    if os.geteuid() != 0:
        raise RuntimeError("debootstrap needs root to build the base image's root filesystem")
    if shutil.which("debootstrap") is None:
        _apt_install("debootstrap")
    tarball.parent.mkdir(parents=True, exist_ok=True)
    mirror = debian_mirror()
    with tempfile.TemporaryDirectory(dir=tarball.parent, prefix="rootfs-") as work:
        root = Path(work) / "root"
        progress(f"debootstrap {DEBIAN_SUITE} from {mirror} (about 2 minutes)")
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                DEBIAN_SUITE,
                str(root),
                mirror,
            ]
        )
        # Package files and lists are not needed at run time; image builds fetch fresh lists.
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in (root / leftover).glob("*"):
                if path.is_file():
                    path.unlink()
        partial = tarball.with_suffix(".partial")
        _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."])
        partial.rename(tarball)
    return tarball


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-q"], env=env)
    _run(["apt-get", "install", "-y", "-q", *packages], env=env)


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
        )


# --- the wheelhouse ---------------------------------------------------------------------------


def project_dependencies() -> list[str]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    return list(pyproject["project"]["dependencies"])


def ensure_wheelhouse(progress: Progress) -> Path:
    """Wheels of every runtime dependency at the versions of ``constraints.txt``, built on this
    host (pip's cache, or its index when reachable); pure-Python sdists become wheels here, so
    the image needs no compiler."""
    constraints = (REPO_ROOT / "constraints.txt").read_text()
    deps = project_dependencies()
    key = _digest(constraints, *deps, *BUILD_REQUIREMENTS)
    wheelhouse = images_cache() / f"wheelhouse-{key}"
    if wheelhouse.exists():
        return wheelhouse
    progress("pip wheel: the lock's runtime dependencies, for an index-free image build")
    partial = wheelhouse.with_name(wheelhouse.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--wheel-dir",
            str(partial),
            "-c",
            str(REPO_ROOT / "constraints.txt"),
            *deps,
            *BUILD_REQUIREMENTS,
        ]
    )
    partial.rename(wheelhouse)
    return wheelhouse


def fill_context_wheelhouse(wheelhouse: Path) -> Path:
    """Link the wheels into ``deploy/wheelhouse`` (git ignores them), where the Dockerfile's
    ``WHEELHOUSE`` build argument finds them, for this build and for ``docker compose build``."""
    target = REPO_ROOT / WHEELHOUSE_IN_CONTEXT
    wanted = {wheel.name: wheel for wheel in wheelhouse.glob("*.whl")}
    for old in target.glob("*.whl"):
        if old.name not in wanted:
            old.unlink()
    for name, wheel in wanted.items():
        linked = target / name
        if linked.exists():
            continue
        try:
            os.link(wheel, linked)
        except OSError:  # another file system
            shutil.copy2(wheel, linked)
    return target


# --- build contexts ---------------------------------------------------------------------------


def coopwire_context_files() -> list[tuple[str, Path]]:
    """The files ``deploy/Dockerfile.dockerignore`` lets into the build context (an allow-list),
    with the Dockerfile itself."""
    from docker.utils.build import PatternMatcher

    ignore = REPO_ROOT / "deploy" / "Dockerfile.dockerignore"
    patterns = [
        line.strip()
        for line in ignore.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    matcher = PatternMatcher(patterns)
    files: dict[str, Path] = {"deploy/Dockerfile": REPO_ROOT / "deploy" / "Dockerfile"}
    for allowed in (p[1:].rstrip("/") for p in patterns if p.startswith("!")):
        top = REPO_ROOT / allowed
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in candidates:
            arcname = path.relative_to(REPO_ROOT).as_posix()
            if not matcher.matches(arcname):
                files[arcname] = path
    return sorted(files.items())


def _tar(files: Iterable[tuple[str, Path]]) -> io.BufferedRandom:
    """An uncompressed tar of ``files`` in a temporary file (contexts reach hundreds of MB)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    with tarfile.open(fileobj=out, mode="w") as tar:
        for arcname, path in files:
            tar.add(str(path), arcname=arcname, recursive=False)
    out.seek(0)
    return out  # type: ignore[return-value]


def _dir_files(directory: Path, prefix: str = "") -> list[tuple[str, Path]]:
    return [
        (prefix + path.relative_to(directory).as_posix(), path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


# --- the daemon side ----------------------------------------------------------------------------


def _label(docker_client, name: str) -> str | None:  # type: ignore[no-untyped-def]
    import docker.errors

    try:
        return (docker_client.images.get(name).labels or {}).get(LABEL)
    except docker.errors.ImageNotFound:
        return None


def _image_id(docker_client, name: str) -> str | None:  # type: ignore[no-untyped-def]
    import docker.errors

    try:
        return str(docker_client.images.get(name).id)
    except docker.errors.ImageNotFound:
        return None


def _remove_superseded(docker_client, old: str | None, new: str | None) -> None:  # type: ignore[no-untyped-def]
    """Drop the image a rebuild replaced (its own layers are hundreds of MB: the virtualenv),
    so repeated builds do not fill the disk. Build-stage layers stay: they are the cache. An
    image a container still uses is kept."""
    import docker.errors

    if old and old != new:
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(old, noprune=False)


def _size(docker_client, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(docker_client.images.get(name).attrs["Size"])


def _build(  # type: ignore[no-untyped-def]
    docker_client,
    name: str,
    key: str,
    files: list[tuple[str, Path]],
    dockerfile: str,
    buildargs: dict[str, str],
    progress: Progress,
) -> None:
    with _tar(files) as context:
        lines: list[str] = []
        for chunk in docker_client.api.build(
            fileobj=context,
            custom_context=True,
            dockerfile=dockerfile,
            tag=name,
            buildargs=buildargs,
            labels={LABEL: key},
            network_mode="host",  # apt reaches the mirror; no NAT is needed for builds
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
        ):
            if "error" in chunk:
                tail = "".join(lines[-30:])
                raise RuntimeError(f"building {name} failed: {chunk['error']}\n{tail}")
            text = chunk.get("stream", "")
            if text:
                lines.append(text)
                if text.startswith("Step "):
                    progress(f"  {name}: {text.strip()}")


def _saved_image(name: str, key: str) -> Path:
    return images_cache() / "images" / f"{name.replace('/', '_').replace(':', '-')}-{key}.tar"


def _load_saved(docker_client, name: str, key: str) -> bool:  # type: ignore[no-untyped-def]
    saved = _saved_image(name, key)
    if not saved.exists():
        return False
    with saved.open("rb") as data:
        docker_client.images.load(data)
    return _label(docker_client, name) == key


def _save(docker_client, name: str, key: str) -> None:  # type: ignore[no-untyped-def]
    saved = _saved_image(name, key)
    saved.parent.mkdir(parents=True, exist_ok=True)
    for old in saved.parent.glob(saved.name.rsplit("-", 1)[0] + "-*.tar"):
        old.unlink()
    partial = saved.with_suffix(".partial")
    with partial.open("wb") as out:
        for chunk in docker_client.images.get(name).save(named=True):
            out.write(chunk)
    partial.rename(saved)


def build_images(
    progress: Progress = print, images: LocalImages | None = None, host: str | None = None
) -> list[BuiltImage]:
    """Build (or find up to date) the four local images; returns what was done and how long."""
    from coopwire.docker_engine import client

    images = images or LocalImages()
    docker_client = client(host, timeout=3600)
    report: list[BuiltImage] = []

    def step(name: str, key: str, make: Callable[[], None], cacheable: bool) -> None:
        started = time.monotonic()
        how = "up to date"
        if _label(docker_client, name) != key:
            superseded = _image_id(docker_client, name)
            if cacheable and _load_saved(docker_client, name, key):
                how = "loaded from cache"
            else:
                progress(f"building {name}")
                make()
                how = "built"
                if cacheable:
                    _save(docker_client, name, key)
            _remove_superseded(docker_client, superseded, _image_id(docker_client, name))
        seconds = time.monotonic() - started
        report.append(BuiltImage(name, how, seconds, _size(docker_client, name)))
        progress(f"{name}: {how} in {seconds:.1f}s")

    # 1. Python base.
    python_key = base_key()

    def make_python() -> None:
        rootfs = ensure_rootfs(progress)
        repository, tag = images.python.rsplit(":", 1)
        changes = [f"ENV {env}" for env in BASE_ENV]
        changes += [f"LABEL {LABEL}={python_key}", 'CMD ["python3"]']
        docker_client.api.import_image(
            src=str(rootfs), repository=repository, tag=tag, changes=changes
        )

    step(images.python, python_key, make_python, cacheable=False)
    base_args = {"BASE_IMAGE": images.python}

    # 2. Kafka, from the cached jars.
    kafka_dir = REPO_ROOT / "deploy" / "kafka"
    libs = ensure_jars()
    kafka_files = [
        ("Dockerfile", kafka_dir / "Dockerfile"),
        ("log4j2.yaml", kafka_dir / "log4j2.yaml"),
        ("tools-log4j2.yaml", kafka_dir / "tools-log4j2.yaml"),
        *_dir_files(kafka_dir / "bin", "bin/"),
        *_dir_files(libs, "libs/"),
    ]
    kafka_key = _digest(python_key, _tree_digest(kafka_files))
    step(
        images.kafka,
        kafka_key,
        lambda: _build(
            docker_client, images.kafka, kafka_key, kafka_files, "Dockerfile", base_args, progress
        ),
        cacheable=True,
    )

    # 3. PostgreSQL, from Debian's packages.
    postgres_files = _dir_files(REPO_ROOT / "deploy" / "postgres")
    postgres_key = _digest(python_key, _tree_digest(postgres_files))
    step(
        images.postgres,
        postgres_key,
        lambda: _build(
            docker_client,
            images.postgres,
            postgres_key,
            postgres_files,
            "Dockerfile",
            base_args,
            progress,
        ),
        cacheable=True,
    )

    # 4. coopwire itself: the repository's Dockerfile, packages from the wheelhouse.
    fill_context_wheelhouse(ensure_wheelhouse(progress))
    coopwire_files = coopwire_context_files()
    coopwire_key = _digest(python_key, _tree_digest(coopwire_files))
    env = images.compose_env()
    coopwire_args = {
        "PYTHON_IMAGE": env["PYTHON_IMAGE"],
        "WHEELHOUSE": env["WHEELHOUSE"],
    }
    step(
        images.coopwire,
        coopwire_key,
        lambda: _build(
            docker_client,
            images.coopwire,
            coopwire_key,
            coopwire_files,
            "deploy/Dockerfile",
            coopwire_args,
            progress,
        ),
        cacheable=False,
    )
    docker_client.close()
    return report


def env_file_text(images: LocalImages | None = None) -> str:
    """``deploy/docker-compose.yml`` variables for the local images (``--env-file``)."""
    images = images or LocalImages()
    lines = [f"{k}={v}" for k, v in images.compose_env().items()]
    return "# The air-gapped images made by `coopwire deploy images`.\n" + "\n".join(lines) + "\n"


def report_json(report: list[BuiltImage]) -> str:
    return json.dumps([vars(image) for image in report], indent=2)


def iter_lines(report: list[BuiltImage]) -> Iterator[str]:
    for image in report:
        yield (
            f"{image.name:34} {image.how:18} {image.seconds:7.1f}s {image.size_bytes / 1e6:8.0f} MB"
        )
