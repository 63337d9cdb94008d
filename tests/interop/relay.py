#!/usr/bin/env python3
"""relay.py LISTEN_PORT SERVER_PORT [--cap FILE] [--seconds S] [--inject KINDS]

A UDP relay on 127.0.0.1 for the interop tests: clients send to LISTEN_PORT,
datagrams go on to 127.0.0.1:SERVER_PORT from one back socket per client,
and replies come back from LISTEN_PORT (GNS clients drop anything from
another address). With --cap every datagram is written in tern-dump's
capture format ("SECONDS C->S|S->C HEX", docs/wire-dump.md), injected ones
after a "# inject ..." comment.

--inject takes a comma list, applied in both directions to data packets
(lead byte with the high bit set), counted per direction:
  badid   the 6th and 40th: also send a copy whose recipient connection ID is
          wrong (the receiver must ignore it; GNS answers NoConnection,
          rate-limited, WIRE.md §5.4)
  badtag  the 10th and 20th: first send a copy with the last byte of the tag
          flipped, then the original (the copy must fail to decrypt; the
          original must then be accepted)
  replay  after the 30th: send again every earlier data packet of that
          direction (duplicates and, for the first ones, "too old")
Each injection prints "INJECT t=... kind=... dir=... n=..." on stdout.

--drop-stats DIR drops the data packets of direction DIR (C->S or S->C) that
carry an inline stats blob (flag 0x01: keepalives, ack requests); they are
written to the capture after a "# dropped" comment.
On exit (SIGTERM, SIGINT or --seconds) it prints
"RELAY_SUMMARY c2s_pkts=.. c2s_bytes=.. s2c_pkts=.. s2c_bytes=..".
"""
import select
import signal
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    lport, sport = int(args[0]), int(args[1])
    cap_path, secs, inject, drop_stats = None, 600.0, set(), None
    i = 2
    while i < len(args):
        if args[i] == '--cap':
            cap_path = args[i + 1]
            i += 2
        elif args[i] == '--seconds':
            secs = float(args[i + 1])
            i += 2
        elif args[i] == '--drop-stats':
            drop_stats = args[i + 1]
            i += 2
        elif args[i] == '--inject':
            inject = set(k for k in args[i + 1].split(',') if k)
            i += 2
        else:
            sys.exit(__doc__)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(('127.0.0.1', lport))
    front.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    backs = {}      # client address -> back socket
    by_sock = {}    # back socket -> client address
    t0 = time.monotonic()
    cap = open(cap_path, 'w') if cap_path else None
    if cap:
        cap.write('# interop relay 127.0.0.1:%d -> 127.0.0.1:%d\n' % (lport, sport))
    count = {'C->S': [0, 0], 'S->C': [0, 0]}
    ndata = {'C->S': 0, 'S->C': 0}
    hist = {'C->S': [], 'S->C': []}

    def now():
        return time.monotonic() - t0

    def record(d, pkt, note=None):
        if cap:
            if note:
                cap.write('# inject %s\n' % note)
            cap.write('%.6f %s %s\n' % (now(), d, pkt.hex()))
        count[d][0] += 1
        count[d][1] += len(pkt)

    def emit(d, sock, dest, pkt, note=None):
        try:
            sock.sendto(pkt, dest)
        except OSError:
            return
        record(d, pkt, note)
        if note:
            print('INJECT t=%.3f kind=%s dir=%s' % (now(), note, d), flush=True)

    def forward(d, sock, dest, pkt):
        if d == drop_stats and pkt[0] & 0x81 == 0x81:
            if cap:
                cap.write('# dropped\n# %.6f %s %s\n' % (now(), d, pkt.hex()))
            return
        if not (pkt[0] & 0x80) or len(pkt) < 7 or not inject:
            emit(d, sock, dest, pkt)
            return
        ndata[d] += 1
        n = ndata[d]
        if 'badtag' in inject and n in (10, 20):
            bad = pkt[:-1] + bytes([pkt[-1] ^ 0x01])
            emit(d, sock, dest, bad, 'badtag n=%d' % n)
        emit(d, sock, dest, pkt)
        if 'badid' in inject and n in (6, 40):
            cid = bytearray(pkt[1:5])
            for k in range(4):
                cid[k] ^= 0x5A
            emit(d, sock, dest, pkt[:1] + bytes(cid) + pkt[5:],
                 'badid n=%d id=%08x' % (n, int.from_bytes(cid, 'little')))
        if 'replay' in inject and n == 30:
            for k, old in enumerate(hist[d]):
                emit(d, sock, dest, old, 'replay n=%d of=%d' % (n, k + 1))
        if len(hist[d]) < 60:
            hist[d].append(pkt)

    deadline = t0 + secs
    while not stop and time.monotonic() < deadline:
        socks = [front] + list(by_sock)
        try:
            ready, _, _ = select.select(socks, [], [], 0.05)
        except InterruptedError:
            continue
        for s in ready:
            try:
                pkt, addr = s.recvfrom(65536)
            except OSError:
                continue
            if not pkt:
                continue
            if s is front:
                b = backs.get(addr)
                if b is None:
                    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    b.bind(('127.0.0.1', 0))
                    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                    backs[addr] = b
                    by_sock[b] = addr
                forward('C->S', b, ('127.0.0.1', sport), pkt)
            else:
                forward('S->C', front, by_sock[s], pkt)
        if cap:
            cap.flush()
    if cap:
        cap.close()
    print('RELAY_SUMMARY t=%.3f c2s_pkts=%d c2s_bytes=%d s2c_pkts=%d s2c_bytes=%d' %
          (now(), count['C->S'][0], count['C->S'][1], count['S->C'][0], count['S->C'][1]),
          flush=True)


if __name__ == '__main__':
    main()
