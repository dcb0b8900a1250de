"""`workbench train ... --nproc N`: one run on N processes (on this machine, or on each of several),
started by PyTorch's own launcher, `torch.distributed.run` (`torchrun`), through `engine.launcher`.

The launcher starts `workbench train ...` (the same command, without these options) in each
process and tells it its place; `engine.distributed` and the run's strategy do the rest. This
module checks the launch options before anything starts. `torchrun ... -m workbench train ...`
starts the same processes without it.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from collections.abc import Sequence

from ..engine.distributed import Launch
from ..engine.launcher import CPP_LOG_ENV
from ..i18n import _

# The options that shape the launch, not the run: the processes are started without them.
LAUNCH_OPTIONS = ("--nproc", "--nnodes", "--node-rank", "--master-addr", "--master-port", "--rdzv-endpoint")
RDZV_PORT = 29400  # torchrun's, for an endpoint given without one


def meeting_problem(launch: Launch) -> str | None:
    """The meeting point of several machines, checked before anything starts: a host that has an
    address, and a port free on this machine when this machine is the one that holds it (else
    PyTorch retries for minutes, talking to whatever program holds the port)."""
    point = _meeting_point(launch)
    if point is None or isinstance(point, str):
        return point
    option, host, port = point
    try:
        socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return _("{option} {host}: no machine has that name or address; check it").format(option=option, host=host)
    # Machine 0 holds the port its --master-addr names: taken, it is another program's or another run's.
    if option == "--master-addr" and launch.node_rank == 0:
        taken = _port_taken(port)
    else:  # who answers there (if anyone yet) must be PyTorch's meeting point: another program hangs it
        taken = _answers_as_store(host, port) is False
    if taken:
        return _("{host}:{port} is taken by another program (or another run): choose another port").format(
            host=host, port=port
        )
    return None


# A client of PyTorch's store, alone in a process: against a program that accepts and never answers
# it waits past its own timeout, so the process is what gets a time limit.
_STORE_PROBE = (
    "import datetime, sys\n"
    "from torch.distributed import TCPStore\n"
    "TCPStore(sys.argv[1], int(sys.argv[2]), is_master=False, timeout=datetime.timedelta(seconds=5),"
    " wait_for_workers=False)\n"
)


def _answers_as_store(host: str, port: int) -> bool | None:
    """Whether what listens at host:port is PyTorch's store; None when nothing listens there yet."""
    try:
        with socket.create_connection((host.strip("[]"), port), timeout=3):
            pass
    except OSError:
        return None
    try:
        probe = subprocess.run(
            [sys.executable, "-c", _STORE_PROBE, host.strip("[]"), str(port)],
            env={**os.environ, CPP_LOG_ENV: "FATAL"},
            capture_output=True,
            timeout=15,
        )
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


def _meeting_point(launch: Launch) -> tuple[str, str, int] | str | None:
    """The option, host and port where the machines meet; a sentence when the endpoint is not
    HOST:PORT; None on one machine."""
    if launch.rdzv_endpoint is not None:
        endpoint = launch.rdzv_endpoint
        host, port_text = endpoint.rsplit(":", 1) if ":" in endpoint else (endpoint, str(RDZV_PORT))
        if not port_text.isdigit() or not 0 < int(port_text) < 65536 or not host:
            return _("{option} {value}: write it as HOST:PORT, like {example}").format(
                option="--rdzv-endpoint", value=endpoint, example="192.168.1.10:29400"
            )
        return "--rdzv-endpoint", host, int(port_text)
    if launch.nnodes > 1 and launch.master_addr is not None:
        return "--master-addr", launch.master_addr, launch.master_port
    return None


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("", port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def without_launch_options(argv: Sequence[str]) -> list[str]:
    """`argv` with the launch options (and their values) left out: what each process runs."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in LAUNCH_OPTIONS:
            skip = True
        elif arg.split("=", 1)[0] not in LAUNCH_OPTIONS:
            kept.append(arg)
    return kept
