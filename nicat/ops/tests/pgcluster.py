"""A private PostgreSQL cluster for the fault and replica tests: initdb into a temporary directory as the
`postgres` user, started on a free loopback port. The tests restart it, pause it, stream from it — never
the machine's own server, which the other tests use.

Needs the PostgreSQL server binaries (PG_BIN, default /usr/lib/postgresql/15/bin) and either to run as
root (the cluster runs as `postgres` through runuser) or as a user who may run initdb. `available()`
says why not, and the tests skip with that reason."""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("NICAT_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    """None when a private cluster can be started here, else the reason why not."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL server binaries in {PG_BIN} (set NICAT_TEST_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user to run the cluster as"
        if not shutil.which("runuser"):
            return "running as root without runuser"
    return None


def _as_owner(cmd):
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    """One cluster: `Cluster.primary()` (initdb) or `primary.replica()` (pg_basebackup -R, hot standby)."""

    def __init__(self, data_dir, port):
        self.data_dir = Path(data_dir)
        self.port = port
        self.log = self.data_dir.parent / f"{self.data_dir.name}.log"

    # --- Creating ----------------------------------------------------------------------------------

    @staticmethod
    def _workdir():
        work = Path(tempfile.mkdtemp(prefix="nicat-pg-"))
        if os.geteuid() == 0:
            shutil.chown(work, "postgres", "postgres")
        return work

    @classmethod
    def primary(cls):
        work = cls._workdir()
        cluster = cls(work / "primary", _free_port())
        cluster.work = work
        cluster._run([str(PG_BIN / "initdb"), "-D", str(cluster.data_dir), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        with open(cluster.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {cluster.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{work}'\n"
                       "fsync = off\nfull_page_writes = off\nshared_buffers = 32MB\nmax_connections = 60\n"
                       "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        with open(cluster.data_dir / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        return cluster

    def replica(self):
        """A streaming hot standby of this (running) cluster, on its own port; started."""
        replica = Cluster(self.work / "replica", _free_port())
        replica.work = self.work
        self._run([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                   "-D", str(replica.data_dir), "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"])
        with open(replica.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {replica.port}\n")
        replica.start()
        return replica

    # --- Running -----------------------------------------------------------------------------------

    def _run(self, cmd, check=True, timeout=120):
        return subprocess.run(_as_owner(cmd), check=check, capture_output=True, text=True, timeout=timeout,
                              cwd=str(self.data_dir.parent))

    def pg_ctl(self, *args, timeout=60):
        return self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log), "-w",
                          "-t", str(timeout), *args], timeout=timeout + 10)

    def start(self):
        self.pg_ctl("start")

    def stop(self, mode="fast"):
        self.pg_ctl("stop", "-m", mode)

    def restart(self, mode="fast"):
        self.pg_ctl("restart", "-m", mode)

    def url(self, dbname="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def sql(self, query, dbname="postgres"):
        """One statement through psql; its rows as tab-separated text."""
        out = subprocess.run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                              "-d", dbname, "-AtX", "-v", "ON_ERROR_STOP=1", "-c", query],
                             capture_output=True, text=True, timeout=60)
        if out.returncode:
            raise RuntimeError(out.stderr.strip())
        return out.stdout.strip()

    def copy_database_from(self, url, dbname):
        """A copy of another server's database (the test database, already migrated and seeded)."""
        self.sql(f"CREATE DATABASE {dbname}")
        dump = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", url],
                              capture_output=True, check=True, timeout=300)
        restore = subprocess.run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                                  "-d", dbname, "-qX", "-v", "ON_ERROR_STOP=1"], input=dump.stdout,
                                 capture_output=True, timeout=300)
        if restore.returncode:
            raise RuntimeError(restore.stderr.decode()[-2000:])

    def wait_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"cluster on {self.port} not ready")

    def destroy(self):
        try:
            self.stop("immediate")
        except Exception:  # noqa: BLE001  (already stopped)
            pass
