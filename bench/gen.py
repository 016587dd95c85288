#!/usr/bin/env python3
"""Write the benchmark topology (bench/topo.h: SPEC §1 Option 2 x N on one
bridge) as a netheal configuration or as the equivalent `ip` shell script.

  gen.py config DIR N      DIR/netheal.conf and DIR/policy.d/bench.conf
  gen.py script N          the seed's way, on stdout
  gen.py storm EVENTS KEEP an `ip -batch` file of EVENTS changes on foreign
                           links fx0 (addresses) and fz0 (up/down)
"""
import os
import sys

BRIDGE = "br1"
GATEWAY = "10.1.0.1"
PREFIX = 16


def names(i):
    """ns<i>, v<i> (inside), h<i> (host end), v<i>'s address: as topo.h."""
    addr = "10.1.%d.%d" % (1 + i // 250, 1 + i % 250)
    return "ns%d" % i, "v%d" % i, "h%d" % i, "%s/%d" % (addr, PREFIX)


def main_conf(d):
    # resync off and no watchdog: nothing wakes netheal but the kernel.
    # Flap damping off in effect: the benchmark heals one object hundreds
    # of times a minute on purpose.
    return """netheal: {
  policy_dir = "%s/policy.d";
  netns_dir = "/run/netns";
  status_file = "%s/status.json";
  resync_interval = 0;
  backoff: { flap_count = 1000000; flap_window = 1; initial_ms = 1; max_ms = 1; };
};
""" % (d, d)


def policy(n):
    if n == 0:
        return "# no namespaces: the base cost\n"
    out = ['links = ( { name = "%s"; kind = "bridge"; addresses = [ "%s/%d" ]; } );'
           % (BRIDGE, GATEWAY, PREFIX), "namespaces = ("]
    for i in range(n):
        ns, inner, outer, addr = names(i)
        out.append(
            '  { name = "%s";\n'
            '    links = ( { name = "lo"; },\n'
            '              { name = "%s"; kind = "veth"; addresses = [ "%s" ];\n'
            '                peer = { name = "%s"; master = "%s"; }; } );\n'
            '    routes = ( { to = "default"; via = "%s"; } );\n'
            '  }%s' % (ns, inner, addr, outer, BRIDGE, GATEWAY, "," if i < n - 1 else ""))
    out.append(");")
    return "\n".join(out) + "\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)       # not group/other-writable: check would warn


def config(d, n):
    os.makedirs(d + "/policy.d", exist_ok=True)
    write(d + "/netheal.conf", main_conf(d))
    write(d + "/policy.d/bench.conf", policy(n))


def script(n):
    """SPEC §1 Option 2 as the seed writes it, once per namespace."""
    out = ["set -e",
           "ip link add %s type bridge" % BRIDGE,
           "ip addr add %s/%d dev %s" % (GATEWAY, PREFIX, BRIDGE),
           "ip link set %s up" % BRIDGE]
    for i in range(n):
        ns, inner, outer, addr = names(i)
        x = "ip netns exec %s " % ns
        out += ["ip link add %s type veth peer name %s" % (outer, inner),
                "ip link set %s master %s" % (outer, BRIDGE),
                "ip link set %s up" % outer,
                "ip netns add %s" % ns,
                "ip link set %s netns %s" % (inner, ns),
                x + "ip addr add %s dev %s" % (addr, inner),
                x + "ip link set %s up" % inner,
                x + "ip route add default via %s" % GATEWAY,
                x + "ip link set lo up"]
    return "\n".join(out) + "\n"


def storm_addr(k):
    assert k < 32768
    return "10.1.%d.%d/32" % (128 + k // 256, k % 256)


def storm(events, keep):
    """Address churn on fx0: KEEP adds, then add/delete-the-oldest pairs,
    so at most KEEP+1 addresses live and the last KEEP stay; after every
    ninth of them a down or up of fz0, ending up. EVENTS changes in all."""
    toggles = events // 10
    n_addr = events - toggles
    assert toggles % 2 == 0 and (n_addr - keep) % 2 == 0, "pick EVENTS and KEEP so the storm ends tidy"
    cmds = ["address add %s dev fx0" % storm_addr(k) for k in range(keep)]
    k = keep
    while len(cmds) < n_addr:
        cmds.append("address add %s dev fx0" % storm_addr(k))
        cmds.append("address del %s dev fx0" % storm_addr(k - keep))
        k += 1
    out, t = [], 0
    for i, c in enumerate(cmds):
        out.append(c)
        if i % 9 == 8 and t < toggles:
            t += 1
            out.append("link set dev fz0 %s" % ("down" if t % 2 else "up"))
    while t < toggles:
        t += 1
        out.append("link set dev fz0 %s" % ("down" if t % 2 else "up"))
    return "\n".join(out) + "\n"


def usage():
    sys.exit("usage: gen.py config DIR N | gen.py script N | gen.py storm EVENTS KEEP")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "config":
        config(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "storm":
        sys.stdout.write(storm(int(sys.argv[2]), int(sys.argv[3])))
    elif len(sys.argv) == 3 and sys.argv[1] == "script":
        sys.stdout.write(script(int(sys.argv[2])))
    else:
        usage()
