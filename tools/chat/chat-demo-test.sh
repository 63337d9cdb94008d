#!/usr/bin/env bash
# chat-demo-test.sh BIN_DIR: the CTest test chat.demo. Runs chat-demo.sh
# (make demo's chat part) without its pauses, then checks the transcript for
# what the conversation must show, independently of the script's own waits.
set -uo pipefail

bin=${1:?usage: chat-demo-test.sh BIN_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp "${TMPDIR:-/tmp}/tern-chat-demo-test.XXXXXX")
trap 'rm -f "$out"' EXIT

CHAT_DEMO_DELAY=0 "$here/chat-demo.sh" "$bin" >"$out" 2>&1
rc=$?
cat "$out"
failed=0
[ "$rc" = 0 ] || { echo "FAIL: chat-demo.sh exited with status $rc"; failed=1; }

# has "what" REGEX: a line of the transcript matches the extended REGEX.
has() {
    if grep -Eq -- "$2" "$out"; then
        echo "ok: $1"
    else
        echo "FAIL: $1 (no line matches /$2/)"
        failed=1
    fi
}

has "alice was welcomed" "^alice  \| Welcome, stranger\.  Thou art known to us for now as 'BraveWarrior[0-9]+'"
has "bob was welcomed" "^bob    \| Welcome, stranger\.  Thou art known to us for now as 'BraveWarrior[0-9]+'"
has "alice was alone" "^alice  \| Thou art utterly alone\.$"
has "then alice was told of bob" "^alice  \| Hark!  A stranger hath joined this merry host"
has "alice's line reached bob" "^bob    \| alice: Hello bob! This line went through a tern server\.$"
has "bob's line reached alice" "^alice  \| bob: Hi alice, loud and clear\.$"
has "/nick renamed bob (his view)" "^bob    \| Ye shall henceforth be known as robert$"
has "/nick renamed bob (alice's view)" "^alice  \| bob shall henceforth be known as robert$"
has "the new nick prefixes bob's lines" "^alice  \| robert: Same me, new name\.$"
for who in "alice  " "bob    "; do
    n=${who%% *}
    has "$n's /stats: header" "^$who\| Connection status:$"
    has "$n's /stats: ping" "^$who\|   ping +[0-9]+ ms$"
    has "$n's /stats: quality" "^$who\|   quality +here ([0-9]+%|not measured yet), at the server "
    has "$n's /stats: send" "^$who\|   sending +[0-9.]+ packets/s, [0-9.]+ (B|KB|MB)/s$"
    has "$n's /stats: receive" "^$who\|   receiving +[0-9.]+ packets/s, [0-9.]+ (B|KB|MB)/s$"
    has "$n's /stats: send rate" "^$who\|   send rate +[0-9.]+ (B|KB|MB)/s "
    has "$n's /stats: pending" "^$who\|   pending +[0-9]+ B reliable, [0-9]+ B unreliable queued; [0-9]+ B sent"
done
has "/stats full adds the detailed status" "^bob    \| Detailed status:$"
has "the server saw alice leave" "^server \| Connection .* 'alice' closed by peer, reason 1000: Goodbye$"
has "the server saw robert leave" "^server \| Connection .* 'robert' closed by peer, reason 1000: Goodbye$"
for n in alice bob server; do has "$n exited with status 0" "^\($n exited with status 0\)$"; done
if grep -q "FAILED" "$out"; then
    echo "FAIL: the transcript reports a failure"
    failed=1
fi

[ "$failed" = 0 ] && echo "chat.demo: all checks passed"
exit "$failed"
