"""Runs HashiCorp Grove's Atlassian connector once against the local simulator, for the benchmark.

Grove's stock commands would call the real Atlassian API; this runner points the connector's
module constant API_BASE_URI at the simulator and refuses to resolve any host but loopback, so
nothing leaves 127.0.0.1. Configuration comes from the environment the benchmark sets
(GROVE_CONFIG_LOCAL_FILE_PATH, GROVE_OUTPUT_HANDLER=local_file, GROVE_OUTPUT_LOCAL_FILE_PATH).
Prints one JSON line: events and bytes written, wall time, CPU time and peak memory.
"""

import gzip
import json
import os
import socket
import sys
import time

_getaddrinfo = socket.getaddrinfo


def _loopback_only(host, *args, **kwargs):
    if host not in ("127.0.0.1", "localhost"):
        raise OSError(f"grove runner: refusing to resolve {host!r}; only 127.0.0.1 is allowed")
    return _getaddrinfo("127.0.0.1", *args, **kwargs)


socket.getaddrinfo = _loopback_only

import grove.connectors.atlassian.api as atlassian_api  # noqa: E402
from grove.entrypoints import local_process  # noqa: E402


def count_output(path):
    events = 0
    size = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            size += os.path.getsize(full)
            opener = gzip.open if name.endswith(".gz") else open
            with opener(full, "rb") as handle:
                events += sum(1 for line in handle if line.strip())
    return events, size


def main():
    simulator_url = sys.argv[1].rstrip("/")
    if not simulator_url.startswith("http://127.0.0.1:"):
        sys.exit(f"grove runner: the simulator URL must be http://127.0.0.1:<port>, not {simulator_url}")
    atlassian_api.API_BASE_URI = simulator_url + "/admin/v1/orgs/{identity}"

    started = time.monotonic()
    cpu_before = time.process_time()
    local_process.entrypoint()
    wall = time.monotonic() - started
    cpu = time.process_time() - cpu_before

    events, size = count_output(os.environ["GROVE_OUTPUT_LOCAL_FILE_PATH"])
    # VmHWM, not getrusage's ru_maxrss: that one keeps the parent's peak across fork and exec.
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({
        "events": events,
        "bytes": size,
        "wallMs": wall * 1000,
        "cpuSeconds": cpu,
        "peakRssBytes": peak_kb * 1024,
    }))


if __name__ == "__main__":
    main()
