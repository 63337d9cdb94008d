#!/usr/bin/env bash
# make demo: show what tern can do today, honestly, in a few screens.
#
#   tools/demo.sh [BUILD_DIR]     (default: build; make demo builds it first)
#
# Each part is one function below; add a part by writing a function and
# listing it in PARTS. The chat comes first (it is what a newcomer wants to
# see); the later parts open up the pieces underneath. A part that fails
# stops the demo with a non-zero status.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
bin=$build/bin
cap=$root/tests/vectors/capture

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' N=$'\e[0m'; else B='' D='' N=''; fi

title() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$@"; }
# Show a command the way a user would type it, then run it.
run() {
    local shown=("$@")
    printf '%s$ %s%s\n' "$D" "${shown[*]//$root\//}" "$N"
    "$@"
}

need() {
    if [ ! -x "$bin/$1" ]; then
        say "($bin/$1 is missing: run 'make build' first, or pass the build directory)"
        exit 1
    fi
}

# WIRE.md Appendix B: the session keys of the test-vector handshake.
appb_keys=0db8402f73867290f105b056b9137c67ee573d0c4f30c1444bf6943f82b2e299:7622ffb3f8c5ab3696f69318:63e0941f365bd81aa408169d69fcbf2976b6de07e132d8f9e2cf733ab5bd948c:c350918f508b42bf864bcbc4

part_chat() {
    need tern-chat
    title "1. Two clients chat through a tern server"
    say "tern-chat (tools/chat/) is a chat server and client written on tern's public" \
        "API. It speaks the protocol of GNS's example_chat, so either end can also be" \
        "Valve's program. Here a server and two scripted clients, alice and bob, talk" \
        "over loopback UDP; each connection does GNS's handshake, is encrypted with" \
        "AES-256-GCM, and carries every line as a reliable message." \
        "'name |' is a line a program printed, 'name >' a line typed into it:"
    "$root/tools/chat/chat-demo.sh" "$bin"
    say "" "To chat by hand in three terminals, see README.md, 'Chat by hand'."
}

part_handshake() {
    need tern-dump
    title "2. A real GameNetworkingSockets connection, read by tern's decoders"
    say "Valve's example_chat client and server (GNS e707b3a) talked through a UDP" \
        "relay that recorded every datagram (tests/vectors/capture/). tern-dump" \
        "decodes each one with tern's own codecs. First the handshake, field by field:"
    run "$bin/tern-dump" --select 1-4 "$cap/gns_chat_aes.cap"
    say "" "The rest of the session, one line per datagram. Data packets are" \
        "AES-256-GCM encrypted, so without the session keys only the clear header" \
        "shows (and the stats blob of the keepalives at 12 s, which is not encrypted):"
    run "$bin/tern-dump" --brief --select 5-14 "$cap/gns_chat_aes.cap"
}

part_data() {
    need tern-dump
    title "3. Inside data packets"
    say "WIRE.md Appendix B's data packet, opened with its session keys: tern's" \
        "AES-GCM and SNP frame decoders find stop-waiting, the first ack and the" \
        "reliable message \"hi\":"
    run "$bin/tern-dump" --keys "$appb_keys" "$cap/appendix_b.cap"
    say "" "GNS can also run unencrypted (the NULL cipher), which shows real GNS frames." \
        "The first data packet of a gns_peer session with two lanes: reliable and" \
        "unreliable messages, message numbers, the start of a 3000-byte fragmented" \
        "message:"
    run "$bin/tern-dump" --select 5 "$cap/gns_lanes_null.cap"
    say "" "The client's 20000-byte reliable message spreads over 18 packets (#7 to #29);" \
        "tern-dump reassembles the stream the way a receiver does and shows the" \
        "message when it completes:"
    run "$bin/tern-dump" --brief --select 27-29 "$cap/gns_lanes_null.cap"
    say "" "Broken input gets a precise error, never a crash (every decoder is fuzzed):" \
        "a ConnectionClosed too short for its padded layout, a ChallengeReply whose" \
        "protobuf is cut off, a data header cut off, and the Appendix B packet with" \
        "its last byte changed (the AES-GCM tag no longer matches):"
    run "$bin/tern-dump" --keys "$appb_keys" 24ff00aabb 210a05ffff 8011223344 \
        808877665502004b4cce9ecc12e709aad516bb0aa97ff759d4bcdb49a374ddaf91299222d3c93138 || true
}

part_sim() {
    need tern-sim
    title "4. tern's reliability engine (SNP) in the simulator"
    say "Two tern SNP engines exchange random reliable and unreliable messages over a" \
        "simulated network on a virtual clock. The checker fails a run unless every" \
        "reliable message arrives exactly once and in order, every unreliable one at" \
        "most once and intact, and memory stays bounded. 20 seeds per scenario:" \
        "  lossy     random loss of 1-20 % each way" \
        "  reorder   reordering and jitter" \
        "  blackout  the link goes dark both ways for 2-8 s" \
        "  chaos     loss, bursts, jitter, duplication, reordering, bottlenecks," \
        "            small MTUs and several lanes, all at once"
    run "$bin/tern-sim" --scenario lossy --seeds 20
    run "$bin/tern-sim" --scenario reorder --seeds 20
    run "$bin/tern-sim" --scenario blackout --seeds 20
    run "$bin/tern-sim" --scenario chaos --seeds 20
    say "" "Congestion control: one bulk flow over a 10-100 Mbit/s link with 1-200 ms" \
        "RTT. Goodput is the share of the link it uses; queue is the delay it adds:"
    run "$bin/tern-sim" --scenario cc_clean --seeds 3 --verbose
}

part_conn() {
    need tern-sim
    title "5. tern's connection layer in the simulator"
    say "Whole tern instances (handshake with real crypto, connection state machine," \
        "SNP) as simulator nodes: connect, exchange messages on several lanes, close" \
        "every way there is, with the exact sequence of states and end reasons" \
        "checked; then handshakes through 0-50 % loss each way:"
    run "$bin/tern-sim" --scenario conn_basic --seeds 20
    run "$bin/tern-sim" --scenario conn_handshake_loss --seeds 20
    say "" "(make test runs every scenario over its CI seeds, over 10,000 runs in all;" \
        "tern-sim --list names them)"
}

part_more() {
    title "6. More"
    say "README.md, 'What works today', says how far each part of tern has got: the" \
        "GNS drop-in library and the tests against real GNS (they need a GNS build)," \
        "the benchmarks against GNS, ENet and raw UDP (make bench), and the rest." \
        "To write a program with tern, start with docs/getting-started.md."
}

PARTS=(part_chat part_handshake part_data part_sim part_conn part_more)
for p in "${PARTS[@]}"; do "$p"; done
