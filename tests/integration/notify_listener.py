#!/usr/bin/env python3
"""Bind an AF_UNIX datagram socket like systemd's NOTIFY_SOCKET and append
every datagram received to a file, one per line, with a monotonic timestamp:
  notify_listener.py SOCKET_PATH OUT_FILE
Runs until killed."""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        data = s.recv(4096).decode(errors="replace")
        for line in data.split("\n"):
            if line:
                f.write("%.6f %s\n" % (time.monotonic(), line))
