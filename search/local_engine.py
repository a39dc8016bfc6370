"""Start and stop the local Elasticsearch-compatible server (PyPI noida-db) for
tests and benchmarks. Production uses a real Elasticsearch cluster via SEARCH_URL."""

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def binary() -> Path:
    import noida_db

    return Path(noida_db.__file__).resolve().parent / "noida-db"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalEngine:
    """One server process on a free port with its own data directory."""

    def __init__(self, data_dir: str | None = None, port: int | None = None) -> None:
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="wegweiser-engine-"))
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "LocalEngine":
        log = open(self.data_dir / "engine.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            [
                str(binary()),
                "start",
                "--only",
                "elasticsearch",
                "--host",
                "127.0.0.1",
                "--elasticsearch-port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"search engine exited; see {self.data_dir}/engine.log"
                )
            try:
                urllib.request.urlopen(self.url, timeout=1)  # noqa: S310 - local URL
                return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("search engine did not start in time")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (the server saves its data), then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
