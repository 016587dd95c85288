# Shared by the converge/run integration tests: config files and ip -j views.

# write_conf DIR: a main file in DIR/netheal.conf with policy_dir DIR/policy.d
write_conf() {
	local d=$1; shift
	mkdir -p "$d/policy.d"
	chmod 755 "$d" "$d/policy.d"
	cat > "$d/netheal.conf" <<EOC
netheal: {
  policy_dir = "$d/policy.d";
  netns_dir = "/run/netns";
  status_file = "$d/status.json";
  resync_interval = 0;
  $*
};
EOC
	chmod 644 "$d/netheal.conf"
}

# policy DIR NAME: stdin becomes DIR/policy.d/NAME.conf
policy() {
	cat > "$1/policy.d/$2.conf"
	chmod 644 "$1/policy.d/$2.conf"
}

# The Option 2 topology of SPEC §1 as a policy.
option2_policy() {
	cat <<'EOP'
links = (
  { name = "br1"; kind = "bridge"; addresses = [ "10.1.1.51/24" ]; },
  { name = "eth1"; master = "br1"; }
);
namespaces = (
  { name = "blue";
    links = (
      { name = "lo"; },
      { name = "v-peer1"; kind = "veth";
        addresses = [ "10.1.1.100/24" ];
        peer = { name = "v-eth1"; master = "br1"; };
      }
    );
    routes = ( { to = "default"; via = "10.1.1.51"; } );
  }
);
EOP
}

# A stand-in for the physical port eth1: one end of a veth pair netheal did
# not create.
make_eth1() {
	ip link add eth1 type veth peer name eth1-far
	ip link set eth1-far up
}

# ns_exec NS CMD...: "" is the host
ns_exec() {
	local ns=$1; shift
	if [ -z "$ns" ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# Normalised view of a namespace, comparable between two builds: links
# (name, kind, master, up, mtu), global addresses, routes (without protocol).
ns_view() {
	local ns=$1
	{
		ns_exec "$ns" ip -j -d link show | jq -c '[.[] | {n: .ifname, k: (.linkinfo.info_kind // ""),
			m: (.master // ""), up: (.flags | index("UP") != null), mtu: .mtu}] | sort_by(.n)'
		ns_exec "$ns" ip -j addr show | jq -c '[.[] | .ifname as $i | .addr_info[] |
			select(.scope != "link") | "\($i) \(.local)/\(.prefixlen)"] | sort'
		ns_exec "$ns" ip -j route show table all | jq -c '[.[] | select(.table != "local") |
			"\(.dst) \(.gateway // "-") \(.dev) \(.table // "main") \(.metric // 0)"] | sort'
	}
}

# jq 1.6 -e exits 0 on empty input: a link or namespace that is not there
# must not count as up (or as holding an address), so read ip's output first.
link_up() {
	local j
	j=$(ns_exec "$1" ip -j link show dev "$2" 2>/dev/null) &&
		jq -e '.[0].flags | index("UP") != null' >/dev/null <<<"$j"
}
link_exists() { ns_exec "$1" ip link show dev "$2" >/dev/null 2>&1; }
link_master() { ns_exec "$1" ip -j link show dev "$2" 2>/dev/null | jq -r '.[0].master // ""'; }
has_addr() {
	local j
	j=$(ns_exec "$1" ip -j addr show dev "$2" 2>/dev/null) &&
		jq -e --arg a "$3" '[.[0].addr_info[] | "\(.local)/\(.prefixlen)"] | index($a) != null' >/dev/null <<<"$j"
}
has_route() { [ -n "$(ns_exec "$1" ip route show $2 2>/dev/null)" ]; }
route_proto() { ns_exec "$1" ip -j route show $2 | jq -r '.[0].protocol'; }
