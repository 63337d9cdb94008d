#!/bin/sh
# Two network namespaces joined by a veth pair whose both ends are impaired
# with netem (delay 50ms loss 5% reorder 25% duplicate 2%); a tern server
# runs in one and a client in the other (netns_peer.c), and both check
# exactly-once, in-order delivery. Where the kernel has no netem, tern's own
# fake network conditions stand in for it (said so in the output). Exits 77
# (CTest: skipped) where namespaces cannot be created. Everything is removed
# on exit, whatever happens.
#
#   netns_test.sh <path to tern_netns_peer> [messages]
set -u
PEER=$1
N=${2:-2000}
NS1=tern_it_s$$
NS2=tern_it_c$$
VA=tits$$
VB=titc$$
ERR=$(mktemp)
LOG=$(mktemp)
cleanup() {
    ip netns del "$NS1" 2>/dev/null
    ip netns del "$NS2" 2>/dev/null
    ip link del "$VA" 2>/dev/null
    rm -f "$ERR" "$LOG"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() {
    echo "SKIP: $1: $(cat "$ERR")"
    echo "      (needs root and a kernel with network namespaces and veth)"
    exit 77
}

command -v ip >/dev/null 2>&1 || { echo "SKIP: iproute2 (ip) is not installed" > "$ERR"; cat "$ERR"; exit 77; }
ip netns add "$NS1" 2>"$ERR" || skip "ip netns add failed"
ip netns add "$NS2" 2>"$ERR" || skip "ip netns add failed"
ip link add "$VA" type veth peer name "$VB" 2>"$ERR" || skip "cannot create a veth pair"
# A chroot whose / is not a mount point can create namespaces but not enter
# them (ip netns exec remounts / as a slave).
ip netns exec "$NS1" true 2>"$ERR" || skip "ip netns exec failed"
set -e
ip link set "$VA" netns "$NS1"
ip link set "$VB" netns "$NS2"
ip -n "$NS1" addr add 10.231.7.1/24 dev "$VA"
ip -n "$NS2" addr add 10.231.7.2/24 dev "$VB"
for ns in "$NS1" "$NS2"; do ip -n "$ns" link set lo up; done
ip -n "$NS1" link set "$VA" up
ip -n "$NS2" link set "$VB" up
set +e

IMPAIR="delay 50ms loss 5% reorder 25% duplicate 2%"
if tc -n "$NS1" qdisc add dev "$VA" root netem $IMPAIR 2>"$ERR" &&
   tc -n "$NS2" qdisc add dev "$VB" root netem $IMPAIR 2>"$ERR"; then
    MODE=netem
    echo "netns: veth impaired both ways with netem: $IMPAIR"
else
    MODE=fake
    echo "netns: NOTE: netem is not available ($(cat "$ERR")); the kernel path is a plain veth"
    echo "netns:       between namespaces and tern's fake network conditions (FakePacket* send"
    echo "netns:       options: lag 50 ms, loss 5%, reorder 25%, duplicate 2%) impair both peers."
fi

PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
timeout 120 ip netns exec "$NS1" "$PEER" server 10.231.7.1 "$PORT" "$N" "$MODE" >"$LOG" 2>&1 &
SPID=$!
# The client retries its handshake until the server listens (TimeoutInitial 30 s).
timeout 120 ip netns exec "$NS2" "$PEER" client 10.231.7.1 "$PORT" "$N" "$MODE"
CRC=$?
wait "$SPID"
SRC=$?
cat "$LOG"
if [ "$CRC" -ne 0 ] || [ "$SRC" -ne 0 ]; then
    echo "netns: FAIL (client exit $CRC, server exit $SRC)"
    exit 1
fi
echo "netns: PASS ($MODE, $N reliable messages)"
exit 0
