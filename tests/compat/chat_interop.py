#!/usr/bin/python3
"""GNS's own example_chat, built against GNS's headers, on tern's
libGameNetworkingSockets.so (chosen by LD_LIBRARY_PATH), chatting with
example_chat on GNS's library and with tern-chat:

  1. server on tern's library; clients: example_chat on GNS's library and
     tern-chat. Each client's line reaches the other through the server.
  2. server on GNS's library; clients: example_chat on tern's library and
     example_chat on GNS's library, both ways again.

Every process's /proc/PID/maps is checked for the library it was meant to
load. Bounded in time; every process it starts is killed at the end.

usage: chat_interop.py EXAMPLE_CHAT GNS_LIBDIR TERN_LIBDIR TERN_CHAT
"""
import os
import random
import subprocess
import sys
import threading
import time

example_chat, gns_dir, tern_dir, tern_chat = sys.argv[1:5]
procs = []
failures = []


class Proc:
    def __init__(self, name, argv, libdir=None):
        env = dict(os.environ)
        if libdir:
            env["LD_LIBRARY_PATH"] = libdir
        self.name, self.libdir, self.lines = name, libdir, []
        self.lock = threading.Lock()
        # stdbuf: example_chat prints received chat lines without flushing.
        self.p = subprocess.Popen(["stdbuf", "-oL", "-eL"] + argv, env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        procs.append(self)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.p.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                self.lines.append(line)

    def say(self, text):
        print("[%s <] %s" % (self.name, text))
        self.p.stdin.write((text + "\n").encode())
        self.p.stdin.flush()

    def wait_for(self, text, seconds=15.0):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with self.lock:
                if any(text in l for l in self.lines):
                    print("[%s] saw %r" % (self.name, text))
                    return True
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        failures.append("%s: never printed %r" % (self.name, text))
        print("FAIL: %s never printed %r; its output:\n  %s" % (
            self.name, text, "\n  ".join(self.lines[-30:])))
        return False

    def check_library(self):
        """The libGameNetworkingSockets.so mapped in the process is the one meant."""
        if not self.libdir:
            return
        want = os.path.realpath(os.path.join(self.libdir, "libGameNetworkingSockets.so"))
        try:
            with open("/proc/%d/maps" % self.p.pid) as f:
                maps = [l.split()[-1] for l in f if "libGameNetworkingSockets.so" in l]
        except OSError as e:
            maps = ["(%s)" % e]
        got = {os.path.realpath(m) for m in maps}
        if got != {want}:
            failures.append("%s loaded %s, not %s" % (self.name, sorted(got), want))
            print("FAIL: %s loaded %s, expected %s" % (self.name, sorted(got), want))
        else:
            print("[%s] runs on %s" % (self.name, want))

    def stop(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write(b"/quit\n")
                self.p.stdin.flush()
            except OSError:
                pass
            try:
                self.p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def server(name, libdir, port):
    s = Proc(name, [example_chat, "server", "--port", str(port)], libdir)
    s.wait_for("Server listening on port %d" % port)
    s.check_library()
    return s


def chat_client(name, libdir, port):
    c = Proc(name, [example_chat, "client", "127.0.0.1:%d" % port], libdir)
    c.wait_for("Connected to server OK")
    c.check_library()
    return c


def scenario_tern_server():
    print("== example_chat server on tern; clients: example_chat on GNS, tern-chat ==")
    port = random.randint(30000, 60000)
    srv = server("server(tern)", tern_dir, port)
    gns = chat_client("client(GNS)", gns_dir, port)
    tc = Proc("tern-chat", [tern_chat, "client", "127.0.0.1:%d" % port, "--name", "bob"])
    tc.wait_for("Connected to server OK")
    tc.wait_for("Ye shall henceforth be known as bob")
    gns.say("/nick alice")
    gns.wait_for("Ye shall henceforth be known as alice")
    gns.say("hello from a GNS client")
    tc.wait_for("alice: hello from a GNS client")
    tc.say("hello from tern-chat")
    gns.wait_for("bob: hello from tern-chat")
    srv.wait_for("Connection request from")
    for p in (gns, tc, srv):
        p.stop()


def scenario_gns_server():
    print("== example_chat server on GNS; clients: example_chat on tern, example_chat on GNS ==")
    port = random.randint(30000, 60000)
    srv = server("server(GNS)", gns_dir, port)
    tern = chat_client("client(tern)", tern_dir, port)
    gns = chat_client("client(GNS)", gns_dir, port)
    tern.say("/nick carol")
    tern.wait_for("Ye shall henceforth be known as carol")
    gns.wait_for("shall henceforth be known as carol")
    gns.say("/nick dave")
    gns.wait_for("Ye shall henceforth be known as dave")
    tern.say("hello from example_chat on tern")
    gns.wait_for("carol: hello from example_chat on tern")
    gns.say("hello from example_chat on GNS")
    tern.wait_for("dave: hello from example_chat on GNS")
    tern.say("/quit")
    tern.wait_for("Disconnecting from chat server")
    srv.wait_for("closed by peer, reason 1000: Goodbye")
    gns.wait_for("carol hath departed")
    for p in (gns, tern, srv):
        p.stop()


try:
    scenario_tern_server()
    scenario_gns_server()
finally:
    for p in procs:
        if p.p.poll() is None:
            p.p.kill()
            p.p.wait()
if failures:
    print("%d failures:\n  %s" % (len(failures), "\n  ".join(failures)))
    sys.exit(1)
print("example_chat on tern chatted with GNS and tern-chat in both roles")
