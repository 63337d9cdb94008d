#!/usr/bin/env bash
# make bench: every scenario for every peer, peers alternating, repeated
# (BENCH_RUNS, default 3), then bench/results/<date>/results.md with medians
# (min..max), ratios to tern, the targets of issue 8, and PNG plots.
#
#   tools/bench/run.sh [BUILD_DIR]
#   BENCH_QUICK=1      one short pass (a few minutes)
#   BENCH_RUNS=N       passes (default 3; quick: 1)
#   BENCH_SECONDS=S    seconds per loopback run (default 2; quick: 1)
#   BENCH_OUT=DIR      output directory (default bench/results/<UTC date>)
#   BENCH_NO_NETNS=1   skip the namespace runs (emulated link, 100k connections)
#
# Peers: tern (native API), ENet, GNS through its flat API on GNS's own
# library, the same GNS-API program on tern's compat library (when
# BUILD/lib/libGameNetworkingSockets.so exists), raw UDP, and Linux TCP
# (iperf3) on the emulated link. Every server is started fresh for each run.
set -uo pipefail
BUILD=${1:-build}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
[[ $BUILD = /* ]] || BUILD="$root/$BUILD"
QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then RUNS=${BENCH_RUNS:-1}; SECS=${BENCH_SECONDS:-1}; else RUNS=${BENCH_RUNS:-3}; SECS=${BENCH_SECONDS:-2}; fi
OUT=${BENCH_OUT:-bench/results/$(date -u +%Y-%m-%d)}
[[ $OUT = /* ]] || OUT="$root/$OUT"
mkdir -p "$OUT/raw"
RAW="$OUT/raw/results.txt"
: >"$RAW"
TMP=$(mktemp -d)
T0=$(date +%s)
log() { echo "[bench +$(($(date +%s) - T0))s] $*" >&2; }

# --- build --------------------------------------------------------------------
GNS=""
for g in "$root/../shared/tools/build-gns.sh" "${TERN_SHARED:-/nonexistent}/tools/build-gns.sh"; do
  if [[ -x $g ]]; then
    log "GNS: $g (cached after the first build)"
    GNS=$("$g" 2>"$OUT/raw/build-gns.log" | tail -1) || GNS=""
    break
  fi
done
[[ -n $GNS && -f $GNS/bin/libGameNetworkingSockets.so ]] || { log "no GNS build: GNS peers skipped"; GNS=""; }
# The committed logs name no directory of this machine.
scrub() { sed -e "s|$BUILD|<build>|g" -e "s|$root|<repo>|g" -e "s|${GNS:-/nonexistent}|<gns>|g"; }
cmake -S . -B "$BUILD" -G Ninja ${GNS:+-DTERN_GNS_PREFIX=$GNS} 2>&1 | scrub >"$OUT/raw/cmake.log" ||
  { log "cmake failed (see $OUT/raw/cmake.log)"; exit 1; }
targets="tern-bench bench-udp bench-linkem"
pkg-config --exists libenet 2>/dev/null && targets+=" bench-enet"
[[ -n $GNS ]] && targets+=" bench-gns"
grep -qs 'add_library(tern_gns' compat/CMakeLists.txt && targets+=" tern_gns" # tern's compat library
cmake --build "$BUILD" --target $targets >"$OUT/raw/build.log" 2>&1 ||
  { log "build failed (see $OUT/raw/build.log)"; exit 1; }
B="$BUILD/bin"

# --- peers: binary, variant, environment -----------------------------------------
declare -A BIN VAR ENVV
add_peer() { BIN[$1]=$2; VAR[$1]=$3; ENVV[$1]=$4; }
add_peer tern "$B/tern-bench" "" ""
add_peer tern-manual "$B/tern-bench" manual ""
[[ -x $B/bench-enet ]] && add_peer enet "$B/bench-enet" "" ""
if [[ -n $GNS && -x $B/bench-gns ]]; then
  add_peer gns "$B/bench-gns" "" "LD_LIBRARY_PATH=$GNS/bin"
  add_peer gns-fast "$B/bench-gns" fast "LD_LIBRARY_PATH=$GNS/bin"
  if [[ -f $BUILD/lib/libGameNetworkingSockets.so ]]; then
    add_peer gnsapi-on-tern "$B/bench-gns" "" "LD_LIBRARY_PATH=$BUILD/lib"
  else
    log "no $BUILD/lib/libGameNetworkingSockets.so: the GNS-API program runs on GNS only"
  fi
fi
for v in plain-block plain-poll mmsg-block mmsg-poll; do add_peer udp-$v "$B/bench-udp" $v ""; done
have() { [[ -n ${BIN[$1]:-} ]]; }

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git rev-parse --short HEAD 2>/dev/null) dirty=$(git status --porcelain -- src include | wc -l)"
  echo "runs=$RUNS seconds=$SECS quick=$QUICK gns=$([[ -n $GNS ]] && basename "$GNS" || echo none) compat=$([[ -n ${BIN[gnsapi-on-tern]:-} ]] && echo yes || echo no)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') cores=$(nproc) kernel=$(uname -r)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "enet=$(dpkg-query -W -f='${Version}' libenet-dev 2>/dev/null) iperf3=$(iperf3 --version 2>/dev/null | head -1 | cut -d' ' -f2)"
} >"$OUT/raw/env.txt"

cleanup() {
  jobs -p | xargs -r kill 2>/dev/null
  for ns in ${NSLIST:-}; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$((27200 + RANDOM % 2000))
# one_run CASE PEER RUN [client args...]: fresh server, one client, one line in RAW
one_run() {
  local case=$1 peer=$2 run=$3; shift 3
  local bin=${BIN[$peer]} var=${VAR[$peer]} envv=${ENVV[$peer]} port=$((PORT++)) rc line
  env $envv "$bin" server --port $port --variant "$var" >"$TMP/srv.log" 2>&1 &
  local spid=$!
  for _ in $(seq 100); do grep -q READY "$TMP/srv.log" 2>/dev/null && break; sleep 0.05; done
  [[ $case == rtt-* ]] && envv+=" BENCH_RTT_DUMP=$OUT/raw/rtt-$peer.txt"
  timeout $((SECS * 6 + 120)) env $envv "$bin" client 127.0.0.1:$port --variant "$var" --quit "$@" \
    >"$TMP/cli.log" 2>"$TMP/cli.err"
  rc=$?
  for _ in $(seq 50); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
  kill $spid 2>/dev/null && log "  server of $case/$peer did not quit; killed"
  wait $spid 2>/dev/null
  line=$(grep '^RESULT' "$TMP/cli.log" | tail -1)
  [[ -n $line ]] || line="RESULT ok=0"
  echo "case=$case bench_peer=$peer run=$run rc=$rc ${line#RESULT }" >>"$RAW"
  if [[ $rc -ne 0 ]]; then
    { echo "== $case $peer run $run: exit $rc"; echo "client $*"; tail -5 "$TMP/cli.err"; tail -5 "$TMP/srv.log"; } >>"$OUT/raw/failures.txt"
    log "  $case/$peer run $run: exit $rc ($(tail -1 "$TMP/cli.err"))"
  fi
}

# --- the loopback matrix -------------------------------------------------------------
# CASE|client args|peers (those not available are skipped)
REL_PEERS="tern enet gns gnsapi-on-tern"
CASES=(
  "reliable-64|--scenario reliable --size 64|$REL_PEERS gns-fast udp-mmsg-block"
  "reliable-256|--scenario reliable --size 256|$REL_PEERS"
  "reliable-1200|--scenario reliable --size 1200|$REL_PEERS"
  "reliable-4096|--scenario reliable --size 4096|$REL_PEERS"
  "reliable-16384|--scenario reliable --size 16384|$REL_PEERS"
  "bulk-65536|--scenario bulk --size 65536|$REL_PEERS gns-fast"
  "bulk-524288|--scenario bulk --size 524288|$REL_PEERS"
  "udp-64|--scenario unreliable --size 64|udp-plain-block udp-mmsg-block"
  "udp-256|--scenario unreliable --size 256|udp-mmsg-block"
  "udp-1200|--scenario unreliable --size 1200|udp-plain-block udp-mmsg-block"
  "udp-4096|--scenario unreliable --size 4096|udp-mmsg-block"
  "udp-16384|--scenario unreliable --size 16384|udp-mmsg-block"
  "unreliable-200|--scenario unreliable --size 200|tern enet gns gns-fast gnsapi-on-tern udp-plain-block udp-mmsg-block"
  "rtt-32|--scenario rtt --size 32|tern tern-manual enet gns gnsapi-on-tern udp-plain-block udp-plain-poll udp-mmsg-block udp-mmsg-poll"
  "connect-16|--scenario connect --conns 16|tern enet gns gnsapi-on-tern"
  "idle-10000|--scenario idle --conns 10000|tern enet gns gnsapi-on-tern"
)
if [[ $QUICK == 1 ]]; then
  CASES=("${CASES[@]/#reliable-256|*/}")
  CASES=("${CASES[@]/#reliable-4096|*/}")
  CASES=("${CASES[@]/#udp-256|*/}")
  CASES=("${CASES[@]/#udp-4096|*/}")
  CASES=("${CASES[@]/idle-10000|--scenario idle --conns 10000/idle-1000|--scenario idle --conns 1000}")
fi

for run in $(seq "$RUNS"); do
  log "pass $run of $RUNS"
  out=$("$B/tern-bench" crypto --seconds 1 2>&1 | grep '^RESULT')
  echo "case=crypto bench_peer=openssl run=$run rc=0 ${out#RESULT }" >>"$RAW"
  for c in "${CASES[@]}"; do
    [[ -n $c ]] || continue
    IFS='|' read -r case args peers <<<"$c"
    # alternate the order of peers from pass to pass
    read -r -a plist <<<"$peers"
    ((run % 2 == 0)) && plist=($(printf '%s\n' "${plist[@]}" | tac))
    for peer in "${plist[@]}"; do
      have "$peer" || continue
      log "$case $peer"
      one_run "$case" "$peer" "$run" $args --seconds "$SECS"
    done
  done
done

# --- namespaces: the emulated link and 100,000 connections ---------------------------------
if [[ ${BENCH_NO_NETNS:-0} != 1 ]]; then
  NSLIST=""
  BENCH_SECS_LINK=$([[ $QUICK == 1 ]] && echo 5 || echo 10)
  RAW="$RAW" B="$B" RUNS="$RUNS" SECS_LINK=$BENCH_SECS_LINK QUICK=$QUICK OUT="$OUT" \
    "$root/tools/bench/netns.sh" || log "namespace runs failed (see $OUT/raw/netns.log)"
fi
echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/raw/env.txt"

# --- the page and the plots -----------------------------------------------------------
python3 "$root/tools/bench/report.py" "$OUT" || { log "report failed"; exit 1; }
log "done: $OUT/results.md ($(($(date +%s) - T0)) s)"
