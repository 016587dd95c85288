#!/usr/bin/env python3
"""Run a Type=notify service, time its start-up, and stay its parent.

  notify_run.py READY_FILE LOG -- COMMAND [ARG...]

Binds a notify socket, starts COMMAND with NOTIFY_SOCKET pointing at it and
stderr appended to LOG, waits for READY=1 and writes one line to READY_FILE:
"pid=PID ready_us=T" (T from just before the fork to READY=1), or
"exited rc=N" when the service exits before READY=1. READY_FILE may be a FIFO
the caller blocks on (bench/inner.sh does: a loop polling a file with
`sleep` forked a hundred processes a second beside the start-up it timed,
and on two CPUs that slowed netheal's start at 1000 namespaces by a third).
Then it reads the socket on until the service exits: SIGTERM or SIGINT to
this process is passed on to it, and this process exits with its status;
1 when the service exited before READY=1.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def start(argv, log, path):
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("WATCHDOG_USEC", None)
    with open(log, "ab") as err:
        t0 = time.monotonic_ns()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
    return proc, t0


def wait_ready(sock, proc):
    while True:
        try:
            msg = sock.recv(4096).decode(errors="replace")
        except socket.timeout:
            if proc.poll() is not None:
                return False
            continue
        if "READY=1" in msg.split("\n"):
            return True


def drain(sock, proc):
    """Keep reading: a full notify socket would block the service's
    sd_notify (STATUS= on every change)."""
    while proc.poll() is None:
        try:
            sock.recv(4096)
        except socket.timeout:
            pass


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit("usage: notify_run.py READY_FILE LOG -- COMMAND [ARG...]")
    ready_file, log, argv = sys.argv[1], sys.argv[2], sys.argv[4:]
    tmp = tempfile.mkdtemp(prefix="bench-notify.", dir="/run")
    path = os.path.join(tmp, "sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.5)
    proc, t0 = start(argv, log, path)
    signal.signal(signal.SIGTERM, lambda s, f: proc.send_signal(s))
    signal.signal(signal.SIGINT, lambda s, f: proc.send_signal(s))
    ok = wait_ready(sock, proc)
    with open(ready_file, "w") as f:
        if ok:
            f.write("pid=%d ready_us=%.1f\n" % (proc.pid, (time.monotonic_ns() - t0) / 1e3))
        else:
            f.write("exited rc=%d\n" % proc.returncode)
    drain(sock, proc)
    rc = proc.wait()
    sock.close()
    os.unlink(path)
    os.rmdir(tmp)
    sys.exit(rc if ok else 1)


if __name__ == "__main__":
    main()
