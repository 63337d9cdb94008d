#!/usr/bin/env bash
# bench-smoke: every tern-bench scenario for about a second over loopback.
# Checks exit codes and delivered counts only; no figure is asserted.
#   tools/bench/smoke.sh path/to/tern-bench
set -u
bin=${1:?usage: smoke.sh path/to/tern-bench}
port=$((20000 + $$ % 20000))
log=$(mktemp -d)
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -rf "$log"' EXIT
"$bin" server --port $port >"$log/server" 2>&1 &
srv=$!
for _ in $(seq 50); do grep -q READY "$log/server" 2>/dev/null && break; sleep 0.1; done
pass=0 fail=0
# field NAME from a RESULT line
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
check() { # name, condition text, args...
  local name=$1 cond=$2; shift 2
  local out rc line
  out=$(timeout 60 "$bin" client 127.0.0.1:$port --seconds 1 "$@" 2>&1); rc=$?
  line=$(grep '^RESULT' <<<"$out" | tail -1)
  local sent delivered ok=1
  sent=$(field "$line" sent); delivered=$(field "$line" delivered)
  [[ $rc -eq 0 && -n $line && $(field "$line" ok) == 1 ]] || ok=0
  case $cond in
    equal) [[ -n $sent && $sent == "$delivered" && $sent -gt 0 ]] || ok=0 ;;
    some) [[ -n $delivered && $delivered -gt 0 ]] || ok=0 ;;
  esac
  if ((ok)); then
    pass=$((pass + 1)); echo "ok   $name: sent=$sent delivered=$delivered"
  else
    fail=$((fail + 1)); echo "FAIL $name (exit $rc)"; echo "$out" | tail -20
  fi
}
check reliable equal --scenario reliable
check reliable-lanes equal --scenario reliable --lanes 3
check bulk-64k equal --scenario bulk --size 65536
# 512 KiB less 16: tern refuses a message of exactly SendBufferSize (the
# reliable header is counted against the buffer; GNS counts only the payload)
check bulk-512k equal --scenario bulk --size 524272
check unreliable some --scenario unreliable
check rtt equal --scenario rtt
check connect some --scenario connect --conns 8
check idle equal --scenario idle --conns 64
check idle-procs equal --scenario idle --conns 64 --procs 2 --quit
wait $srv; src=$?
if [[ $src -ne 0 ]]; then fail=$((fail + 1)); echo "FAIL server exit $src"; cat "$log/server"; else pass=$((pass + 1)); echo "ok   server exit 0"; fi
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
