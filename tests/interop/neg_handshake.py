#!/usr/bin/env python3
"""neg_handshake.py PROBE_DIR HOST PORT -- WIRE.md §11.3 T13 against any server.

Sends handshakes that a GNS server must drop silently, each from its own UDP
socket, built with the Python wire probe's codecs (shared/spec/wire_probe):

  unpadded_challenge   a ChallengeRequest without the 512-byte padding
  short_padded         the padded layout, but only 100 bytes in all
  forged_challenge     ConnectRequest whose challenge was altered
  stale_challenge      ConnectRequest with a challenge 4.6 s old (GNS: <= 3 ticks
                       of 2^20 us, so at most 4.2 s)
  bad_signature        ConnectRequest whose crypt-info signature is wrong
  no_app_ids           ConnectRequest whose cert carries an identity but no app_ids
  zero_conn_id         ConnectRequest with client_connection_id 0

then a control: the same builder without a defect must get a ConnectOK (so
the silence above is the server's doing, not a broken packet), and the
control connection is closed with ConnectionClosed.

Prints "CASE name=... replies=N kinds=..." per case and
"CONTROL connect_ok=0|1 closed_ack=0|1"; the test judges them.
"""
import os
import socket
import sys
import time

sys.path.insert(0, sys.argv[1])
import gns_wire_probe as P  # noqa: E402

HOST, PORT = sys.argv[2], int(sys.argv[3])
ADDR = (HOST, PORT)
KINDS = {0x20: 'ChallengeRequest', 0x21: 'ChallengeReply', 0x22: 'ConnectRequest',
         0x23: 'ConnectOK', 0x24: 'ConnectionClosed', 0x25: 'NoConnection'}


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    return s


def listen(s, secs, until=None):
    """Every datagram that arrives within |secs|, or up to the first one with
    lead byte |until|."""
    got, end = [], time.time() + secs
    while True:
        left = end - time.time()
        if left <= 0:
            return got
        s.settimeout(left)
        try:
            pkt, _ = s.recvfrom(4096)
        except socket.timeout:
            return got
        got.append(pkt)
        if until is not None and pkt[0] == until:
            return got


def kinds(pkts):
    return ','.join(KINDS.get(p[0], 'data' if p[0] & 0x80 else '0x%02x' % p[0]) for p in pkts) or '-'


def challenge_request(cid):
    return P.PB().f32(1, cid).f64(3, P.now_usec()).u(4, P.PROTOCOL_VERSION).build()


def get_challenge(s, cid):
    s.sendto(P.padded(P.MSG_CHALLENGE_REQUEST, challenge_request(cid)), ADDR)
    for pkt in listen(s, 2.0, P.MSG_CHALLENGE_REPLY):
        if pkt[0] == P.MSG_CHALLENGE_REPLY:
            rep = P.pb_parse(pkt[1:])
            return P.g(rep, 2)
    raise SystemExit('no ChallengeReply from %s:%d to a proper ChallengeRequest' % ADDR)


def connect_request(cid, ch, defect=None):
    identity = 'str:interop-t13'
    lc = P.LocalCrypto(identity=identity)
    if defect == 'no_app_ids':
        pub = lc.sign_priv.public_key().public_bytes(**P.RAW)
        lc.cert_bytes = P.PB().u(1, 1).b(2, pub).b(12, identity).build()
    signed = lc.finalize_crypt()
    if defect == 'bad_signature':
        sig = bytearray(lc.sign_priv.sign(lc.crypt_bytes))
        sig[10] ^= 0x40
        signed = P.PB().b(1, lc.crypt_bytes).b(2, bytes(sig)).build()
    req = P.PB().f32(1, 0 if defect == 'zero_conn_id' else cid).f64(2, ch)
    req.b(4, lc.signed_cert()).f64(5, P.now_usec()).u(6, 1).b(7, signed)
    return bytes([P.MSG_CONNECT_REQUEST]) + req.build()


def listen_all(socks, secs):
    """Datagrams per socket, listening on all of them at once."""
    import select
    got = {s: [] for s in socks}
    end = time.time() + secs
    while True:
        left = end - time.time()
        if left <= 0:
            return got
        ready, _, _ = select.select(list(socks), [], [], left)
        for s in ready:
            got[s].append(s.recv(4096))


def main():
    # the stale challenge is fetched first and used last
    stale_sock, stale_id = sock(), P.rand_conn_id()
    stale_ch = get_challenge(stale_sock, stale_id)
    t_stale = time.time()

    def cr_with(defect, mangle=None):
        def fn(s):
            cid = P.rand_conn_id()
            ch = get_challenge(s, cid)
            return connect_request(cid, mangle(ch) if mangle else ch, defect)
        return fn

    def unpadded(s):
        return bytes([P.MSG_CHALLENGE_REQUEST]) + challenge_request(P.rand_conn_id())

    def short_padded(s):
        body = challenge_request(P.rand_conn_id())
        pkt = bytes([P.MSG_CHALLENGE_REQUEST]) + len(body).to_bytes(2, 'little') + body
        return pkt + bytes(100 - len(pkt))

    cases = [('unpadded_challenge', unpadded), ('short_padded', short_padded),
             ('forged_challenge', cr_with(None, lambda ch: ch ^ 0x0000123456780000)),
             ('bad_signature', cr_with('bad_signature')),
             ('no_app_ids', cr_with('no_app_ids')),
             ('zero_conn_id', cr_with('zero_conn_id'))]
    # every case from its own socket, all sent together, then one listening window
    built = [(name, s, fn(s)) for name, fn in cases for s in [sock()]]
    for _, s, pkt in built:
        s.sendto(pkt, ADDR)
    got = listen_all([s for _, s, _ in built], 1.5)
    for name, s, _ in built:
        print('CASE name=%s replies=%d kinds=%s' % (name, len(got[s]), kinds(got[s])), flush=True)
        s.close()

    wait = 4.6 - (time.time() - t_stale)
    if wait > 0:
        time.sleep(wait)
    stale_sock.sendto(connect_request(stale_id, stale_ch), ADDR)
    got = listen(stale_sock, 1.2)
    print('CASE name=stale_challenge replies=%d kinds=%s' % (len(got), kinds(got)), flush=True)

    # control: no defect
    s = sock()
    cid = P.rand_conn_id()
    ch = get_challenge(s, cid)
    s.sendto(connect_request(cid, ch), ADDR)
    ok = None
    for pkt in listen(s, 2.0, P.MSG_CONNECT_OK):
        if pkt[0] == P.MSG_CONNECT_OK:
            ok = P.pb_parse(pkt[1:])
            break
    closed_ack = 0
    if ok:
        msg = P.PB().f32(4, P.g(ok, 5)).f32(5, cid).b(2, 'interop t13').u(3, 1000).build()
        s.sendto(P.padded(P.MSG_CONNECTION_CLOSED, msg), ADDR)
        closed_ack = int(any(p[0] == P.MSG_NO_CONNECTION
                             for p in listen(s, 1.0, P.MSG_NO_CONNECTION)))
    print('CONTROL connect_ok=%d closed_ack=%d' % (ok is not None, closed_ack), flush=True)


if __name__ == '__main__':
    main()
