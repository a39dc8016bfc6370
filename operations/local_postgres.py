"""A private PostgreSQL cluster in a folder, from the Debian package's binaries.

`make serve` keeps one in var/postgres when no DATABASE_URL is given (it survives
restarts); the test suite starts a throw-away one (tests/postgres.py). No Django here:
the tests load this before the settings.
"""

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path


class PostgresMissing(RuntimeError):
    """The Debian package 'postgresql' is not installed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin() -> Path:
    """The newest installed server's bin folder."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if candidates:
        newest = max(candidates, key=lambda path: _version(Path(path).parts[-3]))
        return Path(newest).parent
    found = shutil.which("initdb")
    if not found:
        raise PostgresMissing(
            "PostgreSQL is not installed (Debian package 'postgresql')."
        )
    return Path(found).parent


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


class Cluster:
    """A cluster with its data, socket and log in ``folder``, on 127.0.0.1:``port``.

    ``durable=False`` turns off fsync and friends: for throw-away test clusters only.
    """

    def __init__(self, folder: Path, *, port: int, durable: bool = True) -> None:
        self.bin = pg_bin()
        self.dir = Path(folder)
        self.data = self.dir / "data"
        self.port = port
        self.durable = durable
        self.as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/wegweiser"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own binaries and paths
            self._wrap(*command), check=True, capture_output=True, text=True
        )

    def running(self) -> bool:
        if not self.data.is_dir():
            return False
        status = subprocess.run(  # noqa: S603 - our own binaries and paths
            self._wrap(str(self.bin / "pg_ctl"), "-D", str(self.data), "status"),
            capture_output=True,
        )
        return status.returncode == 0

    def _wrap(self, *command: str) -> tuple[str, ...]:
        if self.as_root:  # initdb and postgres refuse to run as root
            return ("runuser", "-u", "postgres", "--", *command)
        return command

    def start(self) -> str:
        """Create the cluster if needed, start it, make the database; its URL."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        if not self.running():
            options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off"
                options += " -c full_page_writes=off"
            self._run(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.dir / "server.log"),
                "-w",
                "start",
            )
        exists = self._run(
            str(self.bin / "psql"),
            *("-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-tAc"),
            "SELECT 1 FROM pg_database WHERE datname = 'wegweiser'",
        )
        if exists.stdout.strip() != "1":
            self._run(
                str(self.bin / "createdb"),
                *("-h", str(self.dir), "-p", str(self.port), "-U", "postgres"),
                "wegweiser",
            )
        return self.url

    def stop(self) -> None:
        if self.running():
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"
            )
