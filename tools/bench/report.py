#!/usr/bin/env python3
"""Turn bench/results/<date>/raw/results.txt into results.md and PNG plots.

Every figure comes from a RESULT line that a benchmark program printed; this
script only takes medians (with min..max over the runs), ratios, and draws.
Usage: report.py OUT_DIR
"""
import os
import statistics
import subprocess
import sys

OUT = sys.argv[1]
RAW = os.path.join(OUT, "raw")


def parse(line):
    d = {}
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            try:
                d[k] = float(v)
            except ValueError:
                d[k] = v
    return d


rows = [parse(l) for l in open(os.path.join(RAW, "results.txt")) if l.strip()]
env = {}
for l in open(os.path.join(RAW, "env.txt")):
    for tok in l.split(" "):
        if "=" in tok:
            k, v = tok.split("=", 1)
            env[k] = v.strip()
env_lines = open(os.path.join(RAW, "env.txt")).read().splitlines()

groups = {}
for r in rows:
    groups.setdefault((r.get("case"), r.get("bench_peer")), []).append(r)


def good(case, peer):
    return [r for r in groups.get((case, peer), []) if r.get("ok") == 1 and r.get("rc") == 0]


def stat(case, peer, key):
    v = [r[key] for r in good(case, peer) if isinstance(r.get(key), float)]
    if not v:
        return None
    return statistics.median(v), min(v), max(v), len(v)


def med(case, peer, key):
    s = stat(case, peer, key)
    return s[0] if s else None


def fmt(x, digits=None):
    if x is None:
        return "–"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2 if abs(x) >= 1 else 3
    return f"{x:,.{digits}f}"


def cell(case, peer, key, digits=None):
    s = stat(case, peer, key)
    if not s:
        return "–"
    m, lo, hi, n = s
    if n == 1 or lo == hi:
        return fmt(m, digits)
    return f"{fmt(m, digits)} ({fmt(lo, digits)}..{fmt(hi, digits)})"


def runs(case, peer):
    g = groups.get((case, peer), [])
    return f"{len(good(case, peer))}/{len(g)}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


PEER_NAMES = {
    "tern": "tern (service thread)",
    "tern-manual": "tern (manual mode)",
    "enet": "ENet",
    "gns": "GNS (defaults)",
    "gns-fast": "GNS (SendRate 256 MiB/s)",
    "gnsapi-on-tern": "GNS API on tern (compat lib)",
    "udp-plain-block": "raw UDP send/recv, blocking",
    "udp-plain-poll": "raw UDP send/recv, polling",
    "udp-mmsg-block": "raw UDP sendmmsg/recvmmsg, blocking",
    "udp-mmsg-poll": "raw UDP sendmmsg/recvmmsg, polling",
    "tcp-cubic": "Linux TCP CUBIC (iperf3)",
    "openssl": "handshake crypto alone",
}


def peers_of(case):
    order = list(PEER_NAMES)
    ps = {p for (c, p) in groups if c == case}
    return sorted(ps, key=lambda p: order.index(p) if p in order else 99)


md = []
W = md.append

# ---------------------------------------------------------------- header
W(f"# tern benchmarks — {env.get('date', '?')[:10]}")
W("")
W("Produced by `make bench` (`tools/bench/run.sh`); raw RESULT lines in "
  "[raw/results.txt](raw/results.txt). Each figure is the median over the runs, "
  "with (min..max) when they differ; peers alternate within each pass and every "
  "run starts a fresh server. Ratios are tern ÷ peer unless said otherwise.")
W("")
W("| | |")
W("|---|---|")
W(f"| commit | `{env.get('commit', '?')}` (uncommitted changes in src/ include/: {env.get('dirty', '?')} files) |")
W(f"| machine | {env.get('cpu', '?')}, {env.get('cores', '?')} cores, Linux {env.get('kernel', '?')} |")
W(f"| load average at start / end | {env.get('loadavg_start', '?')} / {env.get('loadavg_end', '?')} (other jobs shared the machine; see notes) |")
W(f"| runs × seconds | {env.get('runs')} × {env.get('seconds')} s per loopback run (quick mode: {env.get('quick')}) |")
W(f"| ENet | libenet-dev {env.get('enet', '?')} |")
W(f"| GNS | {'built from shared/third_party by build-gns.sh' if env.get('gns', 'none') != 'none' else 'not available: GNS rows are empty'} |")
W(f"| GNS API on tern | {'yes: the same bench-gns program run with LD_LIBRARY_PATH=build/lib' if env.get('compat') == 'yes' else 'no: build/lib/libGameNetworkingSockets.so did not exist, so that peer was not run'} |")
W("")

# ---------------------------------------------------------------- targets
W("## Targets (issue 8)")
W("")
W("| target | measured | ratio | met |")
W("|---|---|---|---|")


def target(name, measured, r, goal, higher=True):
    if r is None:
        W(f"| {name} | {measured} | – | not measured |")
        return
    ok = r >= goal if higher else r <= goal
    W(f"| {name} | {measured} | {r:.2f} | {'yes' if ok else '**no**'} |")


t, e = med("reliable-64", "tern", "msgs_per_s"), med("reliable-64", "enet", "msgs_per_s")
target("reliable 64 B msgs/s ≥ 1.5× ENet", f"tern {fmt(t)}, ENet {fmt(e)}", ratio(t, e), 1.5)
for side in ("srv", "cli"):
    k = f"{side}_cpu_s_per_Mmsg"
    t, e = med("reliable-64", "tern", k), med("reliable-64", "enet", k)
    target(f"{'server' if side == 'srv' else 'client'} CPU s per million 64 B messages ≤ 0.6× ENet",
           f"tern {fmt(t)} s, ENet {fmt(e)} s", ratio(t, e), 0.6, higher=False)
t, u = med("bulk-65536", "tern", "mb_per_s"), med("udp-1200", "udp-mmsg-block", "mb_per_s")
target("bulk 64 KiB reliable ≥ 0.8× raw UDP sendmmsg at 1200 B (MB/s)", f"tern {fmt(t)}, UDP {fmt(u)}",
       ratio(t, u), 0.8)
t, g = med("unreliable-200", "tern", "msgs_per_s"), med("unreliable-200", "gns", "msgs_per_s")
target("unreliable 200 B msgs/s ≥ 3× GNS (defaults)", f"tern {fmt(t)}, GNS {fmt(g)}", ratio(t, g), 3)
gf = med("unreliable-200", "gns-fast", "msgs_per_s")
target("(same, against GNS with SendRateMin/Max 256 MiB/s)", f"tern {fmt(t)}, GNS fast {fmt(gf)}",
       ratio(t, gf), 3)
tl, ul = med("unreliable-200", "tern", "loss_pct"), med("unreliable-200", "udp-mmsg-block", "loss_pct")
ul2 = med("unreliable-200", "udp-plain-block", "loss_pct")
if tl is not None:
    ok = tl <= 0.01 or (ul is not None and ul > 0.01) or (ul2 is not None and ul2 > 0.01)
    W(f"| unreliable 200 B: loss only where raw UDP loses too | tern {fmt(tl, 3)} %, raw UDP "
      f"{fmt(ul2, 3)} % (plain) / {fmt(ul, 3)} % (mmsg) | – | {'yes' if ok else '**no**'} |")
for p in ("p50_us", "p99_us"):
    t, u = med("rtt-32", "tern", p), med("rtt-32", "udp-plain-block", p)
    target(f"RTT {p[:-3]} with the service thread ≤ 1.5× raw UDP blocking",
           f"tern {fmt(t)} µs, UDP {fmt(u)} µs", ratio(t, u), 1.5, higher=False)
t, g = med("connect-16", "tern", "handshakes_per_s"), med("connect-16", "gns", "handshakes_per_s")
target("handshakes/s ≥ 7× GNS", f"tern {fmt(t)}, GNS {fmt(g)}", ratio(t, g), 7)
c = med("crypto", "openssl", "crypto_hs_per_s")
target("handshakes/s ≥ 0.8× the handshake's own crypto", f"tern {fmt(t)}, crypto ceiling {fmt(c)} "
       f"({fmt(med('crypto', 'openssl', 'crypto_us_per_side'))} µs per side)", ratio(t, c), 0.8)
k = med("idle-10000", "tern", "kb_per_conn")
W(f"| server heap per idle connection ≤ 3 KB (10,000 connections) | {fmt(k, 2)} KB | – | "
  f"{'not measured' if k is None else 'yes' if k <= 3 else '**no**'} |")
h = groups.get(("idle-100000", "tern"), [])
if h:
    r = h[-1]
    got = r.get("delivered", 0) if isinstance(r.get("delivered"), float) else 0
    W(f"| 100,000 connections to one server | {fmt(got)} connected, {fmt(r.get('failed') if isinstance(r.get('failed'), float) else None)} failed "
      f"(8 processes; see notes) | {got / 100000:.2f} | {'yes' if got >= 100000 else '**no**'} |")
else:
    W("| 100,000 connections to one server | – | – | not measured |")
k = med("idle-10000", "tern", "idle_cpu_pct")
W(f"| server CPU with 10,000 idle connections ≤ 1 % of a core | {fmt(k, 3)} % | – | "
  f"{'not measured' if k is None else 'yes' if k <= 1 else '**no**'} |")
t, tc = med("link-40ms-1pct", "tern", "mb_per_s"), med("link-40ms-1pct", "tcp-cubic", "mb_per_s")
target("goodput, 100 Mbit/s 40 ms 1 % loss ≥ 1.0× TCP CUBIC (MB/s)", f"tern {fmt(t)}, TCP {fmt(tc)}",
       ratio(t, tc), 1.0)
jain = []
for run in sorted({r.get("run") for (c_, p_), rs in groups.items() if c_ == "share-40ms-0pct" for r in rs}):
    a = [r for r in good("share-40ms-0pct", "tern") if r.get("run") == run]
    b = [r for r in good("share-40ms-0pct", "tcp-cubic") if r.get("run") == run]
    if a and b:
        x, y = a[0]["mb_per_s"], b[0]["mb_per_s"]
        if x + y > 0:
            jain.append(((x + y) ** 2 / (2 * (x * x + y * y)), x, y))
if jain:
    jm = statistics.median([j[0] for j in jain])
    shares = ", ".join(f"{x:.2f}/{y:.2f}" for _, x, y in jain)
    W(f"| tern + TCP sharing 100 Mbit/s 40 ms 0 % loss: Jain's index ≥ 0.8 | {jm:.3f} (tern/TCP MB/s per run: {shares}) | – | {'yes' if jm >= 0.8 else '**no**'} |")
else:
    W("| tern + TCP sharing: Jain's index ≥ 0.8 | – | – | not measured |")
W("")

# ---------------------------------------------------------------- scenario tables
SECTIONS = [
    ("Reliable messages, one connection (msgs/s)", [c for c in ("reliable-64", "reliable-256", "reliable-1200", "reliable-4096", "reliable-16384")],
     ["msgs_per_s", "mb_per_s", "srv_cpu_s_per_Mmsg", "cli_cpu_s_per_Mmsg"]),
    ("Bulk: 64 KiB and 512 KiB reliable messages (MB/s)", ["bulk-65536", "bulk-524288"],
     ["mb_per_s", "msgs_per_s", "srv_cpu_s_per_Mmsg", "cli_cpu_s_per_Mmsg"]),
    ("Raw UDP datagrams (the box's limit; nothing is reliable)", ["udp-64", "udp-256", "udp-1200", "udp-4096", "udp-16384"],
     ["msgs_per_s", "mb_per_s", "loss_pct", "srv_cpu_s_per_Mmsg", "cli_cpu_s_per_Mmsg"]),
    ("Unreliable 200 B messages", ["unreliable-200"],
     ["msgs_per_s", "loss_pct", "srv_cpu_s_per_Mmsg", "cli_cpu_s_per_Mmsg"]),
    ("Round trip: 32 B reliable ping-pong (µs)", ["rtt-32"],
     ["p50_us", "p99_us", "p999_us", "msgs_per_s", "srv_cpu_s_per_Mmsg"]),
    ("Handshakes, 16 in flight", ["connect-16", "crypto"],
     ["handshakes_per_s", "srv_cpu_us_per_hs", "cli_cpu_us_per_hs", "failed", "crypto_hs_per_s", "crypto_us_per_side"]),
    ("Idle connections: server heap per connection and CPU", ["idle-10000", "idle-1000", "idle-100000"],
     ["conns", "delivered", "kb_per_conn", "rss_kb_per_conn", "idle_cpu_pct", "cli_idle_cpu_pct", "connect_s"]),
    ("Emulated link: 100 Mbit/s each way, loss each way, one flow (MB/s of payload)", ["link-40ms-0pct", "link-40ms-1pct", "link-10ms-1pct", "share-40ms-0pct"],
     ["mb_per_s", "retransmits"]),
]
MAIN = {"msgs_per_s", "mb_per_s", "p50_us", "handshakes_per_s", "kb_per_conn"}

for title, cases, keys in SECTIONS:
    cases = [c for c in cases if any(cc == c for (cc, _) in groups)]
    if not cases:
        continue
    W(f"## {title}")
    W("")
    for case in cases:
        ks = [k for k in keys if any(isinstance(r.get(k), float) for p in peers_of(case) for r in good(case, p))]
        main = next((k for k in ks if k in MAIN), None)
        W(f"**{case}**")
        W("")
        head = "| peer | " + " | ".join(ks) + (f" | tern ÷ peer ({main})" if main else "") + " | runs ok |"
        W(head)
        W("|" + "---|" * (len(ks) + (3 if main else 2)))
        tm = med(case, "tern", main) if main else None
        for p in peers_of(case):
            vals = [cell(case, p, k) for k in ks]
            rr = ""
            if main:
                pm = med(case, p, main)
                x = ratio(tm, pm)
                if main in ("p50_us", "kb_per_conn") and x is not None:
                    rr = f" | {x:.2f} (lower is better)"
                else:
                    rr = f" | {'–' if x is None else f'{x:.2f}'}"
            W(f"| {PEER_NAMES.get(p, p)} | " + " | ".join(vals) + rr + f" | {runs(case, p)} |")
        W("")

# ---------------------------------------------------------------- failures
fails = [r for r in rows if not (r.get("ok") == 1 and r.get("rc") == 0)]
if fails:
    W("## Runs that failed")
    W("")
    W("Each is a run whose program exited non-zero or reported ok=0 (details in raw/failures.txt and raw/netns.log).")
    W("")
    for r in fails:
        W(f"- {r.get('case')} / {r.get('bench_peer')} run {int(r.get('run', 0))}: exit {int(r.get('rc', -1))}"
          + (f", sent {fmt(r.get('sent'))} delivered {fmt(r.get('delivered'))}" if isinstance(r.get('sent'), float) else ""))
    W("")

# ---------------------------------------------------------------- plots
plots = []


def gnuplot(name, script):
    path = os.path.join(RAW, name + ".gp")
    with open(path, "w") as f:
        f.write(f"set terminal pngcairo size 900,540 font 'sans,10'\nset output '{os.path.join(OUT, name + '.png')}'\n")
        f.write("set grid\nset key outside right top\n")
        f.write(script)
    try:
        subprocess.run(["gnuplot", path], check=True, capture_output=True)
        plots.append(name)
    except Exception as ex:  # gnuplot missing or failing: the page says so
        print(f"report: {name}: gnuplot failed: {ex}", file=sys.stderr)


# 1. throughput by message size
series = []
for p in ("tern", "enet", "gns", "gnsapi-on-tern", "udp-mmsg-block"):
    pts = []
    for (c, pp) in groups:
        if pp != p:
            continue
        if c.startswith(("reliable-", "bulk-")) and p != "udp-mmsg-block" or c.startswith("udp-") and p == "udp-mmsg-block":
            m = med(c, p, "mb_per_s")
            if m:
                pts.append((int(c.split("-")[1]), m))
    if pts:
        fn = os.path.join(RAW, f"size-{p}.dat")
        with open(fn, "w") as f:
            for s, m in sorted(pts):
                f.write(f"{s} {m}\n")
        series.append(f"'{fn}' using 1:2 with linespoints lw 2 title '{PEER_NAMES[p]}'")
if series:
    gnuplot("throughput-by-size", "set logscale xy\nset xlabel 'message size (bytes)'\nset ylabel 'delivered MB/s (median)'\n"
            "set title 'Throughput by message size, one connection, loopback (raw UDP: unreliable datagrams)'\nplot " + ", ".join(series) + "\n")

# 2. RTT distribution
series = []
for p in ("tern", "tern-manual", "enet", "gns", "gnsapi-on-tern", "udp-plain-block", "udp-plain-poll"):
    fn = os.path.join(RAW, f"rtt-{p}.txt")
    if os.path.exists(fn) and os.path.getsize(fn) > 0:
        series.append(f"'{fn}' using 2:1 with lines lw 2 title '{PEER_NAMES[p]}'")
if series:
    gnuplot("rtt", "set logscale x\nset xlabel 'round trip (µs), 32 B reliable ping-pong'\nset ylabel 'percentile'\n"
            "set yrange [0:100]\nset title 'RTT distribution (last pass)'\nplot " + ", ".join(series) + "\n")


def bars(name, title, ylabel, items):
    title = title.replace("'", "’")
    items = [(l, v) for l, v in items if v is not None]
    if not items:
        return
    fn = os.path.join(RAW, name + ".dat")
    with open(fn, "w") as f:
        for l, v in items:
            f.write(f"\"{l}\" {v}\n")
    gnuplot(name, f"set style fill solid 0.6\nset boxwidth 0.6\nset ylabel '{ylabel}'\nset title '{title}'\n"
            "set xtics rotate by -20\nunset key\nset yrange [0:*]\n"
            f"plot '{fn}' using 0:2:xtic(1) with boxes, '' using 0:2:(sprintf('%.4g',$2)) with labels offset 0,0.7\n")


bars("handshakes", "Handshakes per second, 16 in flight (crypto: one side's crypto alone)", "handshakes/s",
     [(PEER_NAMES[p], med("connect-16", p, "handshakes_per_s")) for p in ("tern", "enet", "gns", "gnsapi-on-tern")]
     + [("crypto ceiling", med("crypto", "openssl", "crypto_hs_per_s"))])
mcase = "idle-10000" if any(c == "idle-10000" for (c, _) in groups) else "idle-1000"
bars("memory", f"Server heap growth per idle connection ({mcase})", "KB per connection",
     [(PEER_NAMES[p], med(mcase, p, "kb_per_conn")) for p in ("tern", "enet", "gns", "gnsapi-on-tern")])
link = []
for c, label in (("link-40ms-0pct", "40 ms, 0 %"), ("link-40ms-1pct", "40 ms, 1 %"), ("link-10ms-1pct", "10 ms, 1 %"),
                 ("share-40ms-0pct", "shared, 40 ms, 0 %")):
    a, b = med(c, "tern", "mb_per_s"), med(c, "tcp-cubic", "mb_per_s")
    if a is not None or b is not None:
        link.append((label, a or 0, b or 0))
if link:
    fn = os.path.join(RAW, "link.dat")
    with open(fn, "w") as f:
        for l, a, b in link:
            f.write(f"\"{l}\" {a} {b}\n")
    gnuplot("link", "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.6\n"
            "set ylabel 'goodput MB/s (payload)'\nset yrange [0:13]\n"
            "set title 'Emulated 100 Mbit/s link (12.5 MB/s): goodput by RTT and loss'\n"
            f"plot '{fn}' using 2:xtic(1) title 'tern (64 KiB reliable)', '' using 3 title 'TCP CUBIC (iperf3)'\n")

if plots:
    W("## Plots")
    W("")
    for p in plots:
        W(f"![{p}]({p}.png)")
        W("")

# ---------------------------------------------------------------- notes
W("## How each figure is measured")
W("")
W("""- **Programs.** `tern-bench` (tern's native API), `bench-enet`, `bench-udp` and `bench-gns` share one harness
  (`tools/bench/harness/`): the same client and server code drives each backend. The server answers control
  messages with its own counters, so every server figure comes from the server process.
- **Throughput** = messages (bytes) the server received ÷ time from the start command to the last data message
  received. Reliable runs end with a fence on the same connection, so everything queued is delivered and
  counted; a reliable run with delivered ≠ sent or any out-of-order message fails.
- **Loss** = 1 − delivered ÷ sent, where sent counts messages the library accepted (a "buffer full" answer is
  not a send: the client waits and retries). ENet has no send-buffer limit, so its backend reports "full" at
  512 KiB queued, like tern's and GNS's default SendBufferSize.
- **CPU** = getrusage(RUSAGE_SELF) of each process over the run (all threads, user + system), per million
  delivered messages (RTT: per million messages each way).
- **RTT** = per-message timestamps taken by the client (CLOCK_MONOTONIC), one ping in flight, after 8 warm-up
  round trips. tern waits on its notification descriptor (service thread) or in tern_wait (manual); ENet in
  enet_host_service; raw UDP in poll() ("blocking") or a non-blocking recv loop ("polling"). GNS has nothing to
  sleep on, so its backend polls every 50 µs.
- **Handshakes/s**: the client keeps 16 connections in the handshake; each one that completes is closed at once
  and replaced. The crypto ceiling is `tern-bench crypto`: one side's per-connection crypto (Ed25519 and X25519
  key generation, one Ed25519 signature and one verification, X25519 agreement, HKDF-SHA256, two AES-GCM key
  set-ups) with OpenSSL; with client and server on their own cores no handshake rate can exceed 1 ÷ that.
- **Memory per connection** = (server heap in use after N connections are up − before) ÷ N, heap from
  glibc's mallinfo2 (all arenas, mmapped chunks included); RSS growth is shown beside it. ENet allocates its
  4095-peer table when the host is created, before the baseline, so its figure leaves that out; ENet also
  cannot hold more than 4095 peers per host, so its idle run has 4094 connections.
- **Idle CPU** = server CPU over the idle window ÷ wall time.
- **Emulated link.** This kernel has no `sch_netem`, so `bench-linkem` (tools/bench/linkem/) does netem's job
  in user space between two namespaces over TUN devices: 100 Mbit/s each way, half the RTT of delay each way,
  the loss rate applied to each packet in both directions, a drop-tail queue of one bandwidth-delay product.
  TCP runs `iperf3 -C cubic`; tern runs `tern-bench bulk` with 64 KiB messages; goodput is payload bytes per
  second at the receiver. Sharing: one of each started together; Jain's index over the two goodputs.
- **100,000 connections**: one tern server on `[::]` and `tern-bench client --scenario idle --procs 8 --spread`
  in a namespace of its own with the ephemeral port range widened to 1024–65535 and 127.0.0.2–9 on `lo`; client
  process i connects to 127.0.0.(2+i). tern binds every outbound socket to the source address of its route, so
  ports are drawn per local address, and the server answers each client from the address it reached.
""")
W("## Notes")
W("")
W("""- The machine has 2 cores and was shared with other jobs during the run (load averages above); loopback
  figures with client, server and library threads all competing for two cores are noisy, tails (p99, p99.9)
  most of all. Compare the ratios within one page rather than figures across pages.
- GNS's defaults cap its send rate at 256 KiB/s (SendRateMin = SendRateMax = 262144), which bounds every GNS
  throughput figure with defaults; "GNS (SendRate 256 MiB/s)" shows GNS with that cap lifted.
""")

with open(os.path.join(OUT, "results.md"), "w") as f:
    f.write("\n".join(md) + "\n")
print(f"report: {os.path.join(OUT, 'results.md')}, {len(plots)} plots")
