"""The one settings object: environment, ``COOPWIRE_ENV_FILE``, security consistency, how it
becomes kafka-python and Faust options, and ``coopwire config`` with secrets masked."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import faust
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from coopwire.cli import app as cli
from coopwire_core.kafka_credentials import faust_broker_options
from coopwire_core.settings import Settings, kafka_python_options, redact_url

SASL = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_username": "svc-coopwire",
    "kafka_sasl_password": "s3cr3t-pw",
}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No COOPWIRE_* variable from the caller's shell leaks into these tests."""
    import os

    for key in list(os.environ):
        if key.startswith("COOPWIRE_") or key == "KAFKA_BOOTSTRAP_SERVERS":
            monkeypatch.delenv(key)
    return monkeypatch


def test_environment_then_file_then_defaults(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env_file = tmp_path / "coopwire.env"
    env_file.write_text(
        "COOPWIRE_KAFKA_BOOTSTRAP_SERVERS=file-broker:9092\n"
        "COOPWIRE_WORKER_BATCH_SIZE=64\n"
        "COOPWIRE_KAFKA_SASL_MECHANISM=scram-sha-512\n"
        "COOPWIRE_KAFKA_SECURITY_PROTOCOL=sasl_ssl\n"
        "COOPWIRE_KAFKA_SASL_USERNAME=from-file\n"
        "COOPWIRE_KAFKA_SASL_PASSWORD=file-password\n"
    )
    clean_env.setenv("COOPWIRE_ENV_FILE", str(env_file))
    clean_env.setenv("COOPWIRE_WORKER_BATCH_SIZE", "8")
    settings = Settings()
    assert settings.kafka_bootstrap_servers == "file-broker:9092"  # from the file
    assert settings.worker_batch_size == 8  # the environment wins over the file
    assert settings.kafka_sasl_mechanism == "SCRAM-SHA-512"  # normalised
    assert settings.kafka_sasl_password.get_secret_value() == "file-password"
    assert settings.web_port == 6066  # default
    assert Settings(worker_batch_size=2).worker_batch_size == 2  # arguments win over all


def test_a_missing_env_file_is_an_error_not_silence(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("COOPWIRE_ENV_FILE", str(tmp_path / "nope.env"))
    with pytest.raises(FileNotFoundError, match=r"nope\.env"):
        Settings()


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "scram-sha-256"])
def test_sasl_mechanisms_accepted(clean_env: pytest.MonkeyPatch, mechanism: str) -> None:
    settings = Settings(**SASL, kafka_sasl_mechanism=mechanism)
    assert settings.sasl_mechanism == mechanism.upper()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({**SASL, "kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
        ({"kafka_security_protocol": "SASL_SSL"}, "COOPWIRE_KAFKA_SASL_PASSWORD"),
        ({"kafka_sasl_mechanism": "PLAIN"}, "COOPWIRE_KAFKA_SECURITY_PROTOCOL=SASL_SSL"),
        ({"kafka_security_protocol": "TLS"}, "kafka_security_protocol"),
        ({"kafka_ssl_keyfile": "/k.pem", "kafka_security_protocol": "SSL"}, "CERTFILE"),
    ],
)
def test_half_configured_security_is_refused(
    clean_env: pytest.MonkeyPatch, values: dict, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**values)


def test_kafka_python_options_for_sasl_ssl(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings(
        **SASL, kafka_sasl_mechanism="SCRAM-SHA-256", kafka_bootstrap_servers="a:9093,b:9093"
    )
    options = kafka_python_options(settings)
    assert options["bootstrap_servers"] == ["a:9093", "b:9093"]
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-256"
    assert options["sasl_plain_username"] == "svc-coopwire"
    assert options["sasl_plain_password"] == "s3cr3t-pw"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED

    plain = kafka_python_options(Settings())
    assert plain["security_protocol"] == "PLAINTEXT"
    assert "ssl_context" not in plain and "sasl_mechanism" not in plain


def test_faust_gets_the_same_credentials(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings(**SASL, kafka_sasl_mechanism="SCRAM-SHA-512", kafka_bootstrap_servers="a:1")
    options = faust_broker_options(settings)
    assert options["broker"] == "kafka://a:1"
    credentials = options["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.username == "svc-coopwire" and credentials.password == "s3cr3t-pw"
    assert "s3cr3t-pw" not in repr(credentials)

    tls_only = faust_broker_options(Settings(kafka_security_protocol="SSL"))
    assert isinstance(tls_only["broker_credentials"], faust.SSLCredentials)
    assert "broker_credentials" not in faust_broker_options(Settings())


def test_redaction_masks_every_password(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings(
        **SASL,
        kafka_ssl_key_password="key-pw",
        sink_url="postgresql://coopwire:db-pw@db:5432/coopwire?password=query-pw",
    )
    shown = json.dumps(settings.redacted())
    for secret in ("s3cr3t-pw", "key-pw", "db-pw", "query-pw"):
        assert secret not in shown
    assert redact_url("sqlite:///x.db") == "sqlite:///x.db"


def test_config_command_prints_a_table_or_json_without_secrets(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("COOPWIRE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    clean_env.setenv("COOPWIRE_KAFKA_SASL_USERNAME", "svc-coopwire")
    clean_env.setenv("COOPWIRE_KAFKA_SASL_PASSWORD", "s3cr3t-pw")
    clean_env.setenv("COOPWIRE_SINK_URL", "postgresql://u:db-pw@db/coopwire")
    runner = CliRunner()

    table = runner.invoke(cli, ["config"])
    assert table.exit_code == 0, table.output
    assert "COOPWIRE_KAFKA_SASL_PASSWORD" in table.output
    assert "s3cr3t-pw" not in table.output and "db-pw" not in table.output
    assert "**********" in table.output

    as_json = runner.invoke(cli, ["config", "--json"])
    assert as_json.exit_code == 0, as_json.output
    values = json.loads(as_json.stdout)
    assert values["kafka_sasl_password"] == "**********"
    assert values["kafka_sasl_username"] == "svc-coopwire"
    assert values["sink_url"] == "postgresql://u:****@db/coopwire"
    assert set(values) == set(Settings.model_fields)


def test_config_command_reports_bad_settings_in_one_line(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("COOPWIRE_WEB_PORT", "not-a-port")
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 2
    assert "invalid configuration" in result.output and "web_port" in result.output


def test_missing_tls_files_are_named_before_any_connection(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("COOPWIRE_KAFKA_SECURITY_PROTOCOL", "SSL")
    clean_env.setenv("COOPWIRE_KAFKA_SSL_CAFILE", str(tmp_path / "missing-ca.pem"))
    result = CliRunner().invoke(cli, ["consume", "articles.raw", "--timeout", "1"])
    assert result.exit_code == 3
    flat = result.output.replace("\n", "")  # the console wraps long lines
    assert f"TLS files not found: COOPWIRE_KAFKA_SSL_CAFILE={tmp_path / 'missing-ca.pem'}" in flat
