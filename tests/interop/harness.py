"""Process and output plumbing for the interop tests (interop.py).

Every child runs in its own process group, dies with the harness
(PR_SET_PDEATHSIG), writes stdout+stderr to a log file in the test's log
directory, and is killed when the test ends, whatever way it ends. Every wait
has a timeout, and the whole test has a deadline (SIGALRM).
"""
import ctypes
import fcntl
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib

SKIP_CODE = 77
HERE = os.path.dirname(os.path.abspath(__file__))


class Fail(Exception):
    pass


class Skip(Exception):
    pass


class Deadline(Exception):
    pass


def _pdeathsig():
    try:
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# --- parsing the peers' lines ---------------------------------------------------------------

_KW = re.compile(r'^[A-Z][A-Z_]+$')
_REST = ('debug', 'text', 'remote', 'from')


def parse_line(line):
    """'KEYWORD t=1.2 k=v ... debug=free text' -> dict, or None."""
    parts = line.rstrip('\n').split(' ')
    if not parts or not _KW.match(parts[0]):
        return None
    d = {'kw': parts[0]}
    for i in range(1, len(parts)):
        p = parts[i]
        if '=' not in p:
            continue
        k, v = p.split('=', 1)
        if k in _REST:
            d[k] = ' '.join([v] + parts[i + 1:])
            break
        d[k] = v
    if 't' in d:
        try:
            d['t'] = float(d['t'])
        except ValueError:
            pass
    return d


def ival(d, k, default=None):
    try:
        return int(d[k])
    except (KeyError, ValueError):
        return default


# --- processes ----------------------------------------------------------------------------

class Proc:
    def __init__(self, test, name, argv, stdin_pipe=False, env=None):
        self.test, self.name, self.argv = test, name, argv
        self.log = os.path.join(test.logdir, name + '.log')
        self._out = open(self.log, 'w')
        self._out.write('# %s\n' % ' '.join(argv))
        self._out.flush()
        e = dict(os.environ)
        if env:
            e.update(env)
        self.t_start = time.monotonic()
        self.p = subprocess.Popen(argv, stdout=self._out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                                  start_new_session=True, preexec_fn=_pdeathsig, env=e)
        self.rc = None

    def text(self):
        with open(self.log, errors='replace') as f:
            return f.read()

    def lines(self):
        return self.text().splitlines()

    def events(self, kw=None):
        out = []
        for line in self.lines():
            d = parse_line(line)
            if d and (kw is None or d['kw'] == kw):
                out.append(d)
        return out

    def first(self, kw, **match):
        for e in self.events(kw):
            if all(str(e.get(k)) == str(v) for k, v in match.items()):
                return e
        return None

    def alive(self):
        return self.p.poll() is None

    def wait_line(self, pattern, timeout, what=None):
        """Wait until a line matches |pattern| (regex); return the match."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            for line in self.lines():
                m = rx.search(line)
                if m:
                    return m
            if time.monotonic() > end:
                raise Fail('%s: no line matching %r within %.0f s%s' %
                           (self.name, pattern, timeout, (' (' + what + ')') if what else ''))
            if not self.alive():
                # one last look after it exited
                for line in self.lines():
                    m = rx.search(line)
                    if m:
                        return m
                raise Fail('%s exited (status %s) before printing a line matching %r%s' %
                           (self.name, self.p.returncode, pattern,
                            (' (' + what + ')') if what else ''))
            time.sleep(0.02)

    def wait_event(self, kw, timeout, what=None, **match):
        end = time.monotonic() + timeout
        while True:
            e = self.first(kw, **match)
            if e:
                return e
            if time.monotonic() > end or not self.alive():
                e = self.first(kw, **match)
                if e:
                    return e
                raise Fail('%s: no %s %s within %.0f s%s%s' %
                           (self.name, kw, match or '', timeout,
                            '' if self.alive() else ' (it exited, status %s)' % self.p.returncode,
                            (' (' + what + ')') if what else ''))
            time.sleep(0.02)

    def wait(self, timeout):
        """Wait for the process to exit; fail (and kill it) after |timeout|."""
        try:
            self.rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail('%s did not exit within %.0f s' % (self.name, timeout))
        return self.rc

    def write(self, s):
        try:
            self.p.stdin.write(s.encode())
            self.p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def signal(self, sig):
        try:
            os.killpg(self.p.pid, sig)
        except ProcessLookupError:
            pass

    def terminate(self, grace=3.0):
        """SIGTERM (SIGCONT first, in case it is stopped), then SIGKILL."""
        if not self.alive():
            return self.p.returncode
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGKILL)
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close_files(self):
        try:
            if self.p.stdin:
                self.p.stdin.close()
        except OSError:
            pass
        self._out.close()


class Test:
    def __init__(self, name, logdir, deadline):
        self.name = name
        self.logdir = logdir
        os.makedirs(logdir, exist_ok=True)
        for f in os.listdir(logdir):
            try:
                os.unlink(os.path.join(logdir, f))
            except OSError:
                pass
        self.procs = []
        self.notes = []
        self.t0 = time.monotonic()
        self.deadline = deadline

    def start(self, name, argv, **kw):
        p = Proc(self, name, argv, **kw)
        self.procs.append(p)
        return p

    def note(self, msg):
        self.notes.append(msg)
        print('  ok: ' + msg, flush=True)

    def check(self, cond, msg):
        if not cond:
            raise Fail(msg)
        self.note(msg)

    def cleanup(self):
        for p in self.procs:
            if p.alive():
                p.terminate(grace=2.0)
        for p in self.procs:
            p.close_files()

    def dump_logs(self, tail=40):
        for p in self.procs:
            try:
                lines = p.lines()
            except OSError:
                continue
            print('---- %s (%s), last %d of %d lines ----' %
                  (p.name, p.log, min(tail, len(lines)), len(lines)))
            for line in lines[-tail:]:
                print('    ' + line[:300])


# --- ports --------------------------------------------------------------------------------

def _udp_free(port):
    for fam, host in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET6, '::')):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_ports(base, n):
    """|n| consecutive free UDP ports at |base|, else kernel-chosen ones."""
    for shift in range(0, 20):
        b = base + shift * 97
        if b + n < 32700 and all(_udp_free(b + k) for k in range(n)):
            return [b + k for k in range(n)]
    out = []
    while len(out) < n:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', 0))
        p = s.getsockname()[1]
        s.close()
        if _udp_free(p) and p not in out:
            out.append(p)
    return out


def port_base(name, index, workdir):
    # One block of 8 per test (index from CMake), shifted per build tree so
    # two build trees testing at once do not meet.
    tree = zlib.crc32(workdir.encode()) % 19
    if index is None:
        index = zlib.crc32(name.encode()) % 60
    return 20000 + tree * 600 + index * 8


# --- the file lock ------------------------------------------------------------------------

class Lock:
    def __init__(self, path):
        self.f = open(path, 'w')

    def __enter__(self):
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


# --- datagrams ----------------------------------------------------------------------------

KIND = {0x20: 'ChallengeRequest', 0x21: 'ChallengeReply', 0x22: 'ConnectRequest',
        0x23: 'ConnectOK', 0x24: 'ConnectionClosed', 0x25: 'NoConnection'}


def read_cap(path):
    """[(t, dir, bytes, injected_note)] from a relay capture."""
    out, note = [], None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith('#'):
                if line.startswith('# inject '):
                    note = line[len('# inject '):]
                continue
            t, d, h = line.split(' ', 2)
            out.append((float(t), d, bytes.fromhex(h), note))
            note = None
    return out


def kind(pkt):
    if pkt[0] & 0x80:
        return 'data'
    return KIND.get(pkt[0], 'lead 0x%02x' % pkt[0])


def varint(b, i):
    v = shift = 0
    while True:
        if i >= len(b):
            raise ValueError('truncated varint')
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def pb(b):
    """Minimal protobuf reader: {field: [values]} (bytes for length-delimited)."""
    d, i = {}, 0
    while i < len(b):
        tag, i = varint(b, i)
        f, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v = struct.unpack_from('<Q', b, i)[0]
            i += 8
        elif wt == 5:
            v = struct.unpack_from('<I', b, i)[0]
            i += 4
        elif wt == 2:
            n, i = varint(b, i)
            v = bytes(b[i:i + n])
            i += n
        else:
            raise ValueError('wire type %d' % wt)
        d.setdefault(f, []).append(v)
    return d


def handshake_body(pkt):
    """The protobuf fields of a handshake/close datagram (padded or plain)."""
    if pkt[0] in (0x20, 0x24):
        n = struct.unpack_from('<H', pkt, 1)[0]
        return pb(pkt[3:3 + n])
    return pb(pkt[1:])


def data_header(pkt):
    """(flags, to_id, wire_pktnum, stats_blob or None) of a data datagram."""
    flags = pkt[0]
    to_id, wire = struct.unpack_from('<IH', pkt, 1)
    blob = None
    if flags & 0x01:
        n, i = varint(pkt, 7)
        blob = pkt[i:i + n]
    return flags, to_id, wire, blob


def chosen_cipher(cap):
    """The cipher in the server's ConnectOK crypt info (1 NULL, 2 AES-GCM), or None."""
    for _, d, pkt, _ in cap:
        if pkt[0] == 0x23:
            ok = handshake_body(pkt)
            crypt = pb(ok[7][0])
            info = pb(crypt[1][0])
            return info.get(5, [None])
    return None


def tail_text(path, n=20):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError:
        return ''


def run_quiet(argv, timeout, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, preexec_fn=_pdeathsig, **kw)


def main_wrapper(fn, test):
    """Run fn(test) with cleanup and a deadline; exit 0 / 1 / 77."""
    def on_alarm(*_):
        raise Deadline('test deadline (%d s) passed' % test.deadline)

    def on_term(*_):
        raise Fail('terminated (SIGTERM/SIGINT), probably by the CTest timeout')

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.alarm(test.deadline)
    code = 0
    try:
        fn(test)
        print('PASS %s (%.1f s)' % (test.name, time.monotonic() - test.t0), flush=True)
    except Skip as e:
        print('SKIP %s: %s' % (test.name, e), flush=True)
        code = SKIP_CODE
    except (Fail, Deadline) as e:
        print('FAIL %s after %.1f s: %s' % (test.name, time.monotonic() - test.t0, e), flush=True)
        code = 1
    except Exception:  # a bug in the test itself: show it
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        test.cleanup()
        if code == 1:
            test.dump_logs()
        print('logs: %s' % test.logdir, flush=True)
    sys.exit(code)
