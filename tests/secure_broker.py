"""A real broker with a SASL_SSL listener for the security tests: a throw-away CA and broker
certificate made with ``openssl``, PLAIN users in the listener's JAAS line, SCRAM users created
through the admin API, and random passwords so a leaked one can be searched for in logs."""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from coopwire.broker import LocalBroker, free_port
from coopwire_core.settings import Settings


def make_certificates(directory: Path) -> tuple[Path, Path]:
    """A CA and a broker certificate for 127.0.0.1 signed by it. Returns (CA PEM, broker PEM
    with its PKCS#8 key first, as Kafka's PEM keystore wants)."""
    directory.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=coopwire test CA",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes",
        "-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=127.0.0.1",
    )  # fmt: skip
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl(
        "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "broker.pem", "-extfile", "san.cnf",
    )  # fmt: skip
    keystore = directory / "broker-keystore.pem"
    keystore.write_text(
        (directory / "broker.key").read_text() + (directory / "broker.pem").read_text()
    )
    return directory / "ca.pem", keystore


@dataclass
class SecureBroker:
    broker: LocalBroker
    sasl_port: int
    ca_file: Path
    users: dict[str, tuple[str, str]]  # mechanism -> (username, password)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.sasl_port}"

    def client_settings(
        self, base: Settings, mechanism: str, password: str | None = None
    ) -> Settings:
        """``base`` (topics, sink, ...) pointed at the SASL_SSL listener as ``mechanism``'s user."""
        username, real_password = self.users[mechanism]
        return Settings(
            **{
                **base.model_dump(),
                "kafka_bootstrap_servers": self.bootstrap_servers,
                "kafka_security_protocol": "SASL_SSL",
                "kafka_sasl_mechanism": mechanism,
                "kafka_sasl_username": username,
                "kafka_sasl_password": SecretStr(password or real_password),
                "kafka_ssl_cafile": self.ca_file,
            }
        )


def start_secure_broker(home: Path) -> SecureBroker:
    ca_file, keystore = make_certificates(home / "tls")
    users = {
        "PLAIN": ("alice", f"plain-{secrets.token_hex(8)}"),
        "SCRAM-SHA-256": ("bob", f"scram256-{secrets.token_hex(8)}"),
        "SCRAM-SHA-512": ("carol", f"scram512-{secrets.token_hex(8)}"),
    }
    plain_user, plain_password = users["PLAIN"]
    jaas_plain = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{plain_user}" password="{plain_password}" '
        f'user_{plain_user}="{plain_password}";'
    )
    jaas_scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    mechanisms = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
    sasl_port = free_port()
    broker = LocalBroker(
        home=home / "broker",
        port=free_port(),
        controller_port=free_port(),
        extra_listeners={"SASL_SSL": sasl_port},
        extra_properties={
            "sasl.enabled.mechanisms": mechanisms,
            "listener.name.sasl_ssl.sasl.enabled.mechanisms": mechanisms,
            "listener.name.sasl_ssl.plain.sasl.jaas.config": jaas_plain,
            "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": jaas_scram,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": jaas_scram,
            "listener.name.sasl_ssl.ssl.keystore.type": "PEM",
            "listener.name.sasl_ssl.ssl.keystore.location": str(keystore),
        },
    )
    broker.start(timeout=180)
    try:
        _create_scram_users(broker, users)
    except Exception:
        broker.stop()
        raise
    return SecureBroker(broker, sasl_port, ca_file, users)


def _create_scram_users(broker: LocalBroker, users: dict[str, tuple[str, str]]) -> None:
    """SCRAM credentials live in the cluster metadata; set them over the plaintext listener."""
    from kafka import KafkaAdminClient
    from kafka.admin import UserScramCredentialUpsertion

    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    try:
        result = admin.alter_user_scram_credentials(
            [
                UserScramCredentialUpsertion(user, mechanism, password)
                for mechanism, (user, password) in users.items()
                if mechanism.startswith("SCRAM")
            ]
        )
    finally:
        admin.close()
    failed = {user: error for user, error in result.items() if error}
    if failed:
        raise RuntimeError(f"SCRAM users not created: {failed}")
