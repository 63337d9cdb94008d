#!/usr/bin/env bash
# The namespace part of make bench (called by run.sh with RAW, B, RUNS,
# SECS_LINK, QUICK, OUT in the environment):
#  1. an emulated link between two namespaces (bench-linkem: 100 Mbit/s each
#     way, 40 ms or 10 ms round trip, 0 % or 1 % random loss each way, a
#     drop-tail queue of one bandwidth-delay product): tern-bench bulk
#     (64 KiB reliable messages) against Linux TCP CUBIC (iperf3), one flow
#     at a time, then one of each at once for Jain's fairness index;
#  2. 100,000 connections to one tern server (idle scenario, 8 client
#     processes) in a namespace of its own with the ephemeral port range
#     widened to 1024-65535. The server listens on [::]; client process i
#     connects to 127.0.0.(2 + i), an address of its own on lo (a /32, so
#     that it is also the source the kernel picks): tern binds each
#     outbound socket to its route's source address, so ports are drawn
#     per address (8 x 64,512) instead of from one space of 64,512, and
#     the server answers each client from the address it reached.
# Addresses are 198.18.0.1/.2 (RFC 2544's benchmarking range) on the TUN
# devices inside the two namespaces; nothing leaves the machine.
# Everything made here is removed on exit, whatever happens.
set -uo pipefail
LOG="$OUT/raw/netns.log"
: >"$LOG"
log() { echo "[netns] $*" | tee -a "$LOG" >&2; }
tag=$$
NA=tbA$tag NB=tbB$tag NC=tbC$tag
LINKEM_PID=""
cleanup() {
  [[ -n $LINKEM_PID ]] && kill "$LINKEM_PID" 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  for ns in $NA $NB $NC; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$NA" 2>>"$LOG" || ! ip netns add "$NB" 2>>"$LOG"; then
  log "network namespaces refused here: the emulated-link and 100k runs are skipped"
  echo "case=netns-skipped bench_peer=none run=0 rc=1 ok=0 note=ip_netns_add_refused" >>"$RAW"
  exit 0
fi
ip -n "$NA" link set lo up
ip -n "$NB" link set lo up

link_up() { # rtt_ms loss_pct
  [[ -n $LINKEM_PID ]] && { kill "$LINKEM_PID"; wait "$LINKEM_PID" 2>/dev/null; }
  "$B/bench-linkem" "$NA" "$NB" --rate-mbit 100 --delay-ms "$(($1 / 2))" \
    --loss-pct "$2" --seed 7 >>"$LOG" 2>&1 &
  LINKEM_PID=$!
  for _ in $(seq 50); do ip -n "$NB" link show tbem >/dev/null 2>&1 && ip -n "$NA" link show tbem >/dev/null 2>&1 && break; sleep 0.05; done
  ip -n "$NA" addr add 198.18.0.1 peer 198.18.0.2 dev tbem && ip -n "$NA" link set tbem up mtu 1500 &&
    ip -n "$NB" addr add 198.18.0.2 peer 198.18.0.1 dev tbem && ip -n "$NB" link set tbem up mtu 1500 ||
    { log "could not bring the emulated link up"; return 1; }
}

PORT=28000
tern_flow() { # case run secs -> appends a line
  local port=$((PORT++))
  ip netns exec "$NB" "$B/tern-bench" server --port $port >>"$LOG" 2>&1 &
  local spid=$!
  sleep 0.3
  local out rc
  out=$(timeout $(($3 + 90)) ip netns exec "$NA" "$B/tern-bench" client 198.18.0.2:$port \
    --scenario bulk --size 65536 --seconds "$3" --quit 2>>"$LOG")
  rc=$?
  for _ in $(seq 30); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
  kill $spid 2>/dev/null
  wait $spid 2>/dev/null
  local line
  line=$(grep '^RESULT' <<<"$out" | tail -1)
  echo "case=$1 bench_peer=tern run=$2 rc=$rc ${line#RESULT }" >>"$RAW"
}

tcp_flow() { # case run secs
  local port=$((PORT++))
  ip netns exec "$NB" iperf3 -s -1 -p $port >>"$LOG" 2>&1 &
  local spid=$!
  sleep 0.3
  timeout $(($3 + 30)) ip netns exec "$NA" iperf3 -c 198.18.0.2 -p $port -t "$3" -C cubic -J \
    >"$OUT/raw/iperf3-$1-$2.json" 2>>"$LOG"
  local rc=$?
  wait $spid 2>/dev/null
  local fig
  fig=$(python3 - "$OUT/raw/iperf3-$1-$2.json" <<'EOF'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    e = j["end"]
    print("mb_per_s=%.3f retransmits=%d seconds=%.1f ok=1" % (
        e["sum_received"]["bits_per_second"] / 8e6, e["sum_sent"].get("retransmits", -1),
        e["sum_received"]["seconds"]))
except Exception as ex:
    print("ok=0 error=%s" % type(ex).__name__)
EOF
)
  rm -f "$OUT/raw/iperf3-$1-$2.json"
  echo "case=$1 bench_peer=tcp-cubic run=$2 rc=$rc peer=tcp-cubic scenario=link $fig" >>"$RAW"
}

S=$SECS_LINK
for cond in "40 0" "40 1" "10 1"; do
  read -r rtt loss <<<"$cond"
  case="link-${rtt}ms-${loss}pct"
  link_up "$rtt" "$loss" || exit 1
  for run in $(seq "$RUNS"); do
    log "$case pass $run"
    if ((run % 2)); then tern_flow "$case" "$run" "$S"; tcp_flow "$case" "$run" "$S"
    else tcp_flow "$case" "$run" "$S"; tern_flow "$case" "$run" "$S"; fi
  done
done

# one tern flow and one TCP flow at once, 0 % loss
link_up 40 0 || exit 1
for run in $(seq "$RUNS"); do
  log "share-40ms-0pct pass $run"
  tcp_flow share-40ms-0pct "$run" $((S * 2)) &
  tp=$!
  tern_flow share-40ms-0pct "$run" $((S * 2))
  wait $tp
done
kill "$LINKEM_PID" 2>/dev/null
wait "$LINKEM_PID" 2>/dev/null
LINKEM_PID=""
grep '^dir' "$LOG" | tail -2 >&2

# 100,000 connections: a namespace of its own, lo only
if [[ $QUICK != 1 ]]; then
  if ip netns add "$NC" 2>>"$LOG"; then
    ip -n "$NC" link set lo up
    for i in 2 3 4 5 6 7 8 9; do ip -n "$NC" addr add 127.0.0.$i/32 dev lo; done
    ip netns exec "$NC" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
    log "idle-100000: tern server, 8 client processes over 127.0.0.2-9"
    ip netns exec "$NC" "$B/tern-bench" server --port 27999 >>"$LOG" 2>&1 &
    spid=$!
    sleep 0.3
    out=$(timeout 900 ip netns exec "$NC" "$B/tern-bench" client 127.0.0.1:27999 --scenario idle \
      --conns 100000 --procs 8 --spread --seconds 5 --quit 2>"$OUT/raw/idle-100000.err")
    rc=$?
    for _ in $(seq 50); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
    kill $spid 2>/dev/null
    wait $spid 2>/dev/null
    line=$(grep '^RESULT' <<<"$out" | tail -1)
    echo "case=idle-100000 bench_peer=tern run=1 rc=$rc ${line#RESULT }" >>"$RAW"
    log "idle-100000: exit $rc; $(sort "$OUT/raw/idle-100000.err" | uniq -c | sort -rn | head -3 | tr '\n' ';')"
  fi
fi
exit 0
