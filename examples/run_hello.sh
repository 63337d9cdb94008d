#!/bin/sh
# run_hello.sh SERVER CLIENT: hello_server and hello_client over loopback UDP.
# Passes when the client gets "hello, tern" back and exits 0, and the server
# printed the message, saw the client's close ("done") and exited 0. Every
# step is bounded; a port in use is retried on another random port.
set -u
server=$1
client=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

show() {
    for f in server.out server.err client.out client.err; do
        echo "--- $f"
        cat "$dir/$f" 2>/dev/null
    done
}

for attempt in 1 2 3 4 5; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
    # line-buffered stdout, so "listening" shows up before the server exits
    timeout 60 stdbuf -oL "$server" "$port" >"$dir/server.out" 2>"$dir/server.err" &
    spid=$!
    i=0
    while ! grep -q "listening on port $port" "$dir/server.out" 2>/dev/null; do
        if ! kill -0 "$spid" 2>/dev/null || [ $i -ge 200 ]; then
            break
        fi
        sleep 0.05
        i=$((i + 1))
    done
    if ! grep -q "listening on port $port" "$dir/server.out"; then
        kill "$spid" 2>/dev/null
        wait "$spid"
        if grep -q "cannot listen" "$dir/server.err"; then
            continue # the port was taken; try another
        fi
        echo "FAIL: the server did not start"
        show
        exit 1
    fi
    timeout 30 "$client" "127.0.0.1:$port" >"$dir/client.out" 2>"$dir/client.err"
    crc=$?
    wait "$spid"
    src=$?
    ok=1
    [ $crc -eq 0 ] || { echo "FAIL: client exited $crc"; ok=0; }
    grep -q 'client: got "hello, tern" back' "$dir/client.out" ||
        { echo "FAIL: the client did not get its message back"; ok=0; }
    [ $src -eq 0 ] || { echo "FAIL: server exited $src"; ok=0; }
    grep -q 'server: got "hello, tern"' "$dir/server.out" ||
        { echo "FAIL: the server did not get the message"; ok=0; }
    grep -q 'closed (done)' "$dir/server.out" ||
        { echo "FAIL: the server did not see the client's close"; ok=0; }
    show
    [ $ok -eq 1 ] && echo "PASS"
    [ $ok -eq 1 ]
    exit $?
done
echo "FAIL: no free port in 5 attempts"
exit 1
