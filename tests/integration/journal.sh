#!/bin/bash
# Logs under journald (SPEC §6): records go to the journal's native socket
# with MESSAGE_ID, PRIORITY and the NETHEAL_* fields. journald does not run
# here, so the test binds /run/systemd/journal/socket itself — /run is the
# sandbox's own tmpfs — and reads the datagrams netheal sends.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.sh"

C=$T_DIR/conf
REC=$T_DIR/journal.records
write_conf "$C"
make_eth1
option2_policy | policy "$C" option2

mkdir -p /run/systemd/journal
python3 - "$REC" <<'EOP' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
with open(sys.argv[1], "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        d = s.recv(65536).decode(errors="replace")
        f.write("|".join(l for l in d.split("\n") if l) + "\n")
EOP
bg_started $!
wait_for 5 grep -q LISTENING "$REC"

"$NETHEAL" run -c "$C/netheal.conf" --log journal 2>"$T_DIR/stderr" &
NH=$!
bg_started $NH
check "converged at start" wait_for 5 has_route blue "default via 10.1.1.51"
ip -n blue addr del 10.1.1.100/24 dev v-peer1
check "healed" wait_for 5 has_addr blue v-peer1 10.1.1.100/24
sleep 0.2
kill -TERM "$NH"; wait "$NH"

healed=$(grep "NETHEAL_EVENT=healed" "$REC" | grep "NETHEAL_OBJECT=address:10.1.1.100/24" | tail -1)
echo "    $healed"
check "a healed record reached the journal socket" test -n "$healed"
check "it carries the healed MESSAGE_ID" grep -q "MESSAGE_ID=36bef42e03f5434684bce9e429a8a99c" <<<"$healed"
check "at priority notice (5)" grep -q "|PRIORITY=5|" <<<"$healed"
check "with namespace, link, object, action" \
	grep -q "NETHEAL_NETNS=blue.*NETHEAL_LINK=v-peer1.*NETHEAL_OBJECT=address:10.1.1.100/24.*NETHEAL_ACTION=add-address" <<<"$healed"
check "with its latency" grep -q "NETHEAL_LATENCY_US=[0-9]" <<<"$healed"
check "with its rule FILE:LINE" grep -q "NETHEAL_RULE=.*option2.conf:[0-9]" <<<"$healed"
check "with a human MESSAGE" grep -q "MESSAGE=address 10.1.1.100/24 missing on v-peer1" <<<"$healed"
check "started and stopping records too" bash -c "grep -q NETHEAL_EVENT=started '$REC' && grep -q NETHEAL_EVENT=stopping '$REC'"
check "every MESSAGE_ID is documented in the catalog" bash -c "
	for id in \$(grep -o 'MESSAGE_ID=[0-9a-f]*' '$REC' | cut -d= -f2 | sort -u); do
		grep -q \"^-- \$id\" '$NETHEAL_SRC/etc/netheal.catalog' || exit 1
	done"
check "nothing went to stderr" test ! -s "$T_DIR/stderr"
finish
