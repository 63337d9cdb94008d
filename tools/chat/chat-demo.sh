#!/usr/bin/env bash
# chat-demo.sh BIN_DIR: a tern-chat server and two scripted clients, alice
# and bob, chat over loopback; every line each program prints is shown as
# "name | line", every line typed into one as "name > line".
#
# Each step waits (at most CHAT_DEMO_TIMEOUT seconds, default 10) for the
# line it expects from a program, so the script fails (exit 1, saying which
# line did not arrive) instead of hanging or carrying on. CHAT_DEMO_DELAY
# (seconds, default 0.4) is the pause before each typed line, to make the
# conversation readable; the test sets it to 0. Used by make demo
# (tools/demo.sh) and by the CTest test chat.demo (chat-demo-test.sh).
set -euo pipefail

bin=${1:?usage: chat-demo.sh BIN_DIR}
delay=${CHAT_DEMO_DELAY:-0.4}
timeout=${CHAT_DEMO_TIMEOUT:-10}
chat=$bin/tern-chat
[ -x "$chat" ] || { echo "chat-demo: $chat is not built" >&2; exit 1; }

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'; else B='' D='' N=''; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tern-chat-demo.XXXXXX")
declare -A pid shower infd cursor

# Whatever still runs gets SIGTERM (tern-chat quits on it), then SIGKILL
# after 3 s: a failed run must not hang on a stuck program.
cleanup() {
    local n p left=60
    for n in "${!infd[@]}"; do eval "exec ${infd[$n]}>&-"; done
    for n in "${!pid[@]}"; do kill -TERM "${pid[$n]}" 2>/dev/null || true; done
    while [ $left -gt 0 ] && jobs -pr | grep -q .; do
        sleep 0.05
        left=$((left - 1))
    done
    for p in "${pid[@]}" "${shower[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Everything each program printed is already on screen, with its name.
fail() {
    printf '\nchat demo FAILED: %s\n' "$*"
    exit 1
}

# show NAME: copy stdin to stdout as "NAME | line", then append the line to
# NAME.log (in that order, so a line a step has waited for is on screen).
show() {
    local l
    while IFS= read -r l || [ -n "$l" ]; do
        printf '%-7s| %s\n' "$1" "$l"
        printf '%s\n' "$l" >>"$work/$1.log"
    done
}

# start NAME CMD...: run CMD in the background, its input from the FIFO
# NAME.in (written through the fd infd[NAME]) and its output through show.
# The children close the input fds of the others, so each sees the end of
# its own input when we close it.
start() {
    local name=$1 fd
    shift
    printf '%s$ %s%s\n' "$D" "${*//"$PWD"\//}" "$N"
    rm -f "$work/$name".*
    mkfifo "$work/$name.in" "$work/$name.out"
    : >"$work/$name.log"
    cursor[$name]=0
    (
        for fd in "${infd[@]}"; do eval "exec $fd>&-"; done
        show "$name"
    ) <"$work/$name.out" &
    shower[$name]=$!
    (
        for fd in "${infd[@]}"; do eval "exec $fd>&-"; done
        exec "$@"
    ) <"$work/$name.in" >"$work/$name.out" 2>&1 &
    pid[$name]=$!
    exec {fd}>"$work/$name.in"
    infd[$name]=$fd
}

alive() { kill -0 "${pid[$1]}" 2>/dev/null; }

# expect NAME PATTERN: wait for a line of NAME's output matching the glob
# PATTERN, after the last line an expect of NAME matched.
expect() {
    local name=$1 pat=$2 i lines done_=0
    local deadline=$((${EPOCHREALTIME//[!0-9]/} + timeout * 1000000))
    while :; do
        mapfile -t -s "${cursor[$name]}" lines <"$work/$name.log"
        for i in "${!lines[@]}"; do
            # shellcheck disable=SC2053 # PATTERN is a glob on purpose
            if [[ ${lines[$i]} == $pat ]]; then
                cursor[$name]=$((cursor[$name] + i + 1))
                return 0
            fi
        done
        # Its output is complete once the program and its shower are gone.
        [ "$done_" = 1 ] && fail "$name exited without printing a line like '$pat'"
        if ! alive "$name" && ! kill -0 "${shower[$name]}" 2>/dev/null; then done_=1; continue; fi
        [ "${EPOCHREALTIME//[!0-9]/}" -lt "$deadline" ] ||
            fail "$name did not print a line like '$pat' within $timeout s"
        sleep 0.05
    done
}

# say NAME LINE: type LINE into NAME.
say() {
    sleep "$delay"
    printf '%s%-7s> %s%s\n' "$B" "$1" "$2" "$N"
    printf '%s\n' "$2" >&"${infd[$1]}" || fail "cannot write to $1 (did it exit?)"
}

# finished NAME: wait for NAME to exit; fail unless its status is 0.
finished() {
    local name=$1 rc=0
    local deadline=$((${EPOCHREALTIME//[!0-9]/} + timeout * 1000000))
    while alive "$name"; do
        [ "${EPOCHREALTIME//[!0-9]/}" -lt "$deadline" ] || fail "$name did not exit within $timeout s"
        sleep 0.05
    done
    wait "${pid[$name]}" || rc=$?
    wait "${shower[$name]}" || true
    eval "exec ${infd[$name]}>&-"
    unset "infd[$name]" "pid[$name]" "shower[$name]"
    [ "$rc" = 0 ] || fail "$name exited with status $rc"
    printf '%s(%s exited with status 0)%s\n' "$D" "$name" "$N"
}

# A random port above Linux's ephemeral range; another if it is taken.
for attempt in 1 2 3 4 5 6 7 8; do
    port=$((61000 + RANDOM % 4000))
    start server "$chat" server --port "$port"
    expect server "*" # the first line: listening, or why not
    [ "$(head -n 1 "$work/server.log")" = "Server listening on port $port" ] && break
    wait "${pid[server]}" || true
    wait "${shower[server]}" || true
    eval "exec ${infd[server]}>&-"
    unset "infd[server]" "pid[server]" "shower[server]"
    [ "$attempt" -lt 8 ] || fail "no free port for the server after 8 tries"
    printf '(port %d is taken; trying another)\n' "$port"
done

start alice "$chat" client "127.0.0.1:$port" --name alice
expect alice "Connected to server OK"
expect server "Connection request from *"
expect alice "Welcome, stranger.  Thou art known to us for now as '*'*"
expect alice "Thou art utterly alone."
expect alice "Ye shall henceforth be known as alice"

start bob "$chat" client "127.0.0.1:$port" --name bob
expect bob "Connected to server OK"
expect server "Connection request from *"
expect bob "Welcome, stranger.  Thou art known to us for now as '*'*"
expect bob "alice" # the server lists who is here
expect bob "Ye shall henceforth be known as bob"
expect alice "Hark!  A stranger hath joined this merry host.*"
expect alice "* shall henceforth be known as bob"

say alice "Hello bob! This line went through a tern server."
expect bob "alice: Hello bob! This line went through a tern server."
say bob "Hi alice, loud and clear."
expect alice "bob: Hi alice, loud and clear."
say bob "/nick robert"
expect bob "Ye shall henceforth be known as robert"
expect alice "bob shall henceforth be known as robert"
say bob "Same me, new name."
expect alice "robert: Same me, new name."

# Each client shows its connection's status (bob the long form), then quits.
say alice "/stats"
expect alice "Connection status:"
expect alice "  ping *"
expect alice "  pending *"
say bob "/stats full"
expect bob "Connection status:"
expect bob "  ping *"
expect bob "  pending *"
expect bob "Detailed status:"
say alice "/quit"
expect alice "Disconnecting from chat server"
finished alice
expect server "Connection * 'alice' closed by peer, reason 1000: Goodbye"
expect bob "alice hath departed"
say bob "/quit"
expect bob "Disconnecting from chat server"
finished bob
expect server "Connection * 'robert' closed by peer, reason 1000: Goodbye"

# Ctrl-C stops the server.
printf '%s(Ctrl-C to the server)%s\n' "$B" "$N"
kill -INT "${pid[server]}"
expect server "Closing connections..."
finished server
