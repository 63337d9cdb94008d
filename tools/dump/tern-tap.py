#!/usr/bin/env python3
"""tern-tap.py LISTEN_PORT SERVER_PORT OUT.cap [SECONDS]

A UDP relay on 127.0.0.1 that records every datagram it forwards in the
capture format tern-dump reads (docs/wire-dump.md):

    # comment
    0.000123 C->S 20100001...      seconds since start, direction, whole payload

Point a client at LISTEN_PORT; datagrams go to 127.0.0.1:SERVER_PORT and the
replies come back through the relay. Only one client is expected (the
direction is all the capture records). Stops after SECONDS (default 30), or
on SIGINT/SIGTERM, and flushes every line as it goes.
"""
import select
import signal
import socket
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    lport, sport, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    secs = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(('127.0.0.1', lport))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind(('127.0.0.1', 0))
    client = None
    t0 = time.monotonic()
    with open(out, 'w') as f:
        f.write('# tern capture: relay 127.0.0.1:%d -> 127.0.0.1:%d\n' % (lport, sport))
        f.write('# seconds C->S|S->C hex\n')
        f.flush()
        while not stop and time.monotonic() - t0 < secs:
            try:
                ready, _, _ = select.select([front, back], [], [], 0.1)
            except InterruptedError:
                continue
            for s in ready:
                pkt, addr = s.recvfrom(65536)
                t = time.monotonic() - t0
                if s is front:
                    client = addr
                    back.sendto(pkt, ('127.0.0.1', sport))
                    d = 'C->S'
                else:
                    if client is None:
                        continue
                    front.sendto(pkt, client)
                    d = 'S->C'
                f.write('%.6f %s %s\n' % (t, d, pkt.hex()))
                f.flush()


if __name__ == '__main__':
    main()
