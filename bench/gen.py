#!/usr/bin/env python3
"""Write the benchmark topology (bench/topo.h: SPEC §1 Option 2 x N on one
bridge; beyond 1000, namespaces another agent makes, matched by a rule) as a
netheal configuration or as the equivalent `ip` shell script.

  gen.py config DIR N [--no-sysctl]
                           DIR/netheal.conf and DIR/policy.d/bench.conf
                           (--no-sysctl: without the ip_forward sysctl, for
                           a netheal that predates sysctls)
  gen.py script N          the seed's way, on stdout
  gen.py agent N           an `ip -batch` file making the matched namespaces
                           of N (none up to 1000), as another agent would
  gen.py storm EVENTS KEEP an `ip -batch` file of EVENTS changes on foreign
                           links fx0 (addresses) and fz0 (up/down)
"""
import os
import sys

BRIDGE = "br1"
GATEWAY = "10.1.0.1"
PREFIX = 16
OPTION2_MAX = 1000              # topo.h NB_OPTION2_MAX
MATCHED = "qrouter-"            # topo.h NB_MATCHED_PREFIX
MATCHED_ADDR = "198.51.100.1/32"
FORWARD = "net.ipv4.ip_forward=1"


def shape(n):
    """(namespaces of Option 2 shape, matched namespaces)."""
    o = min(n, OPTION2_MAX)
    return o, n - o


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


def policy(n, sysctl=True):
    if n == 0:
        return "# no namespaces: the base cost\n"
    o, m = shape(n)
    fwd = '    sysctl = [ "%s" ];\n' % FORWARD if sysctl else ""
    out = ['links = ( { name = "%s"; kind = "bridge"; addresses = [ "%s/%d" ]; } );'
           % (BRIDGE, GATEWAY, PREFIX), "namespaces = ("]
    for i in range(o):
        ns, inner, outer, addr = names(i)
        out.append(
            '  { name = "%s";\n'
            '    links = ( { name = "lo"; },\n'
            '              { name = "%s"; kind = "veth"; addresses = [ "%s" ];\n'
            '                peer = { name = "%s"; master = "%s"; }; } );\n'
            '    routes = ( { to = "default"; via = "%s"; } );\n'
            '%s'
            '  }%s' % (ns, inner, addr, outer, BRIDGE, GATEWAY, fwd, "," if i < o - 1 or m else ""))
    if m:
        out.append(
            '  { match = "%s*";\n'
            '    links = ( { name = "lo"; addresses = [ "%s" ]; } );\n'
            '%s'
            '  }' % (MATCHED, MATCHED_ADDR, fwd))
    out.append(");")
    return "\n".join(out) + "\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)       # not group/other-writable: check would warn


def config(d, n, sysctl=True):
    os.makedirs(d + "/policy.d", exist_ok=True)
    write(d + "/netheal.conf", main_conf(d))
    write(d + "/policy.d/bench.conf", policy(n, sysctl))


def script(n):
    """SPEC §1 Option 2 as the seed writes it, once per namespace; then
    each matched namespace, which another agent made, set up the same way."""
    o, m = shape(n)
    out = ["set -e",
           "ip link add %s type bridge" % BRIDGE,
           "ip addr add %s/%d dev %s" % (GATEWAY, PREFIX, BRIDGE),
           "ip link set %s up" % BRIDGE]
    for i in range(o):
        ns, inner, outer, addr = names(i)
        x = "ip netns exec %s " % ns
        out += ["ip link add %s type veth peer name %s" % (outer, inner),
                "ip link set %s master %s" % (outer, BRIDGE),
                "ip link set %s up" % outer,
                "ip netns add %s" % ns,
                "ip link set %s netns %s" % (inner, ns),
                x + "sysctl -qw %s" % FORWARD,
                x + "ip addr add %s dev %s" % (addr, inner),
                x + "ip link set %s up" % inner,
                x + "ip route add default via %s" % GATEWAY,
                x + "ip link set lo up"]
    for j in range(m):
        ns = "%s%d" % (MATCHED, j)
        out += ["ip netns exec %s sysctl -qw %s" % (ns, FORWARD),
                "ip -n %s link set lo up" % ns,
                "ip -n %s addr add %s dev lo" % (ns, MATCHED_ADDR)]
    return "\n".join(out) + "\n"


def agent(n):
    """The matched namespaces of n, bare, as another agent makes them."""
    return "".join("netns add %s%d\n" % (MATCHED, j) for j in range(shape(n)[1]))


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
    sys.exit("usage: gen.py config DIR N [--no-sysctl] | gen.py script N | gen.py agent N | "
             "gen.py storm EVENTS KEEP")


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "config":
        if len(sys.argv) == 5 and sys.argv[4] != "--no-sysctl":
            usage()
        config(sys.argv[2], int(sys.argv[3]), len(sys.argv) == 4)
    elif len(sys.argv) == 3 and sys.argv[1] == "agent":
        sys.stdout.write(agent(int(sys.argv[2])))
    elif len(sys.argv) == 4 and sys.argv[1] == "storm":
        sys.stdout.write(storm(int(sys.argv[2]), int(sys.argv[3])))
    elif len(sys.argv) == 3 and sys.argv[1] == "script":
        sys.stdout.write(script(int(sys.argv[2])))
    else:
        usage()
