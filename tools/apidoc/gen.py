#!/usr/bin/env python3
"""Generate tern's reference docs from the sources, so they cannot drift.

    gen.py api      [--check FILE | --out FILE]   docs/api.md from include/tern/tern.h
    gen.py config   [--check FILE | --out FILE]   docs/config.md from src/conn/config*.{c,h}
    gen.py examples [--check FILE | --out FILE]   docs/getting-started.md with the
                                                  examples/ files pasted in
    gen.py mapping  --check FILE [--seed FILE]    docs/gns-mapping.md against the
                                                  header, the tests and the seed

Without --check or --out the text goes to stdout. --check exits 1 and prints
a diff when FILE is not what the sources give. Python 3 standard library only.
"""

import argparse
import difflib
import glob
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


# --------------------------------------------------------------------------
# Markdown helpers
# --------------------------------------------------------------------------


def slug(text, used):
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to
    hyphens, repeats numbered."""
    s = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
    base, n = s, 1
    while s in used:
        s = "%s-%d" % (base, n)
        n += 1
    used.add(s)
    return s


IDENT = re.compile(
    r"(?<![\w`*>|-])"
    r"((?:\*|->)?[A-Za-z_][A-Za-z0-9_]*(?:->[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?)")


def codify(text, functions):
    """Code spans for identifiers in prose: |param|, *out, a->b, TERN_*,
    tern_*; functions the page documents become links."""
    out = []
    for i, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if i % 2:
            out.append(part)
            continue
        part = re.sub(r"\|([^|\s]+)\|", r"`\1`", part)
        part = re.sub(r"\bdocs/([\w-]+\.md)\b", r"[\1](\1)", part)
        pieces = re.split(r"(`[^`]*`)", part)
        for j, p in enumerate(pieces):
            if j % 2:
                out.append(p)
                continue

            def repl(m):
                tok = m.group(1)
                bare = tok.lstrip("*")
                name = re.sub(r"\(\)$", "", bare)
                if name in functions:
                    return "[`%s`](#%s)" % (tok, name)
                if (tok.startswith("*") and re.match(r"\*[a-z_]", tok)) or "->" in tok \
                        or re.match(r"(tern_|TERN_)\w", bare):
                    return "`%s`" % tok
                return tok

            out.append(IDENT.sub(repl, p))
    return "".join(out)


def comment_text(raw):
    """The text of a /* ... */ block, one string per line, margin removed."""
    body = raw.strip()
    assert body.startswith("/*") and body.endswith("*/"), raw
    body = body[2:-2]
    lines = []
    for ln in body.split("\n"):
        ln = ln.rstrip()
        m = re.match(r"^\s*\* ?(.*)$", ln)
        lines.append(m.group(1) if m else ln.strip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def prose(lines, functions):
    """Comment lines to Markdown: paragraphs joined, '- ' items kept,
    lines indented by four or more spaces become a code block."""
    out, para, code = [], [], []

    def flush_para():
        if para:
            out.append(codify(" ".join(para), functions))
            out.append("")
            para.clear()

    def flush_code():
        if code:
            out.append("```c")
            out.extend(code)
            out.append("```")
            out.append("")
            code.clear()

    for ln in lines:
        if ln.startswith("    ") and ln.strip():
            flush_para()
            code.append(ln[4:])
            continue
        flush_code()
        if not ln.strip():
            flush_para()
        elif re.match(r"^\s*- ", ln):
            flush_para()
            para.append(ln.strip())
        elif para and para[0].startswith("- ") and ln.startswith("  "):
            para.append(ln.strip())
        else:
            para.append(ln.strip())
    flush_para()
    flush_code()
    return out


def check_or_write(text, args):
    if args.check:
        try:
            with open(args.check, encoding="utf-8") as f:
                old = f.read()
        except FileNotFoundError:
            old = ""
        if old == text:
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                 args.check + " (committed)", args.check + " (generated)"))
        print("\n%s is out of date: run `python3 tools/apidoc/gen.py %s --out %s`"
              % (args.check, args.cmd, os.path.relpath(args.check, ROOT)))
        return 1
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


# --------------------------------------------------------------------------
# The header: elements, entries, api.md
# --------------------------------------------------------------------------


def strip_comments(s):
    return re.sub(r"/\*.*?\*/", "", s, flags=re.S)


def header_elements(src):
    """The header as ('blank'|'comment'|'stmt', text) in order. Everything
    inside a nested preprocessor conditional (extern "C", the TERN_API
    definitions) and the include guard is left out."""
    lines = src.split("\n")
    els, i, cond = [], 0, 0
    while i < len(lines):
        ln = lines[i]
        s = ln.strip()
        if s.startswith("#"):
            word = re.match(r"#\s*(\w+)", s).group(1)
            if word in ("if", "ifdef", "ifndef"):
                cond += 1
            elif word == "endif":
                cond -= 1
            elif word == "define" and cond == 1 and not re.match(r"#\s*define\s+\w+_H\b", s):
                els.append(("stmt", ln))
            i += 1
            continue
        if cond != 1 and not (cond == 0 and s.startswith("/*")):
            i += 1
            continue
        if not s:
            els.append(("blank", ""))
            i += 1
            continue
        if s.startswith("/*"):
            buf = [ln]
            while "*/" not in lines[i]:
                i += 1
                buf.append(lines[i])
            els.append(("comment", "\n".join(buf)))
            i += 1
            continue
        buf, depth = [], 0
        while True:
            buf.append(lines[i])
            code = strip_comments("\n".join(buf))
            depth = code.count("{") - code.count("}")
            i += 1
            if depth == 0 and code.rstrip().endswith(";"):
                break
        els.append(("stmt", "\n".join(buf)))
    # Consecutive #defines are one statement (a group of constants).
    merged = []
    for kind, text in els:
        if kind == "stmt" and text.lstrip().startswith("#") and merged \
                and merged[-1][0] == "stmt" and merged[-1][1].lstrip().startswith("#"):
            merged[-1] = ("stmt", merged[-1][1] + "\n" + text)
        else:
            merged.append((kind, text))
    return merged


def stmt_names(text):
    """What a statement declares: function names, type names, macro names."""
    code = strip_comments(text)
    if code.lstrip().startswith("#"):
        return re.findall(r"#\s*define\s+(\w+)", code), "define"
    m = re.search(r"\b(tern_\w+)\s*\(", code)
    if "TERN_API" in code and m:
        return [m.group(1)], "function"
    m = re.search(r"}\s*(\w+)\s*;\s*$", code)
    if code.lstrip().startswith("typedef") and m:
        return [m.group(1)], "type"
    m = re.match(r"\s*typedef\s+(?:struct|enum|union)\s+\w+\s+(\w+)\s*;", code)
    if m:
        return [m.group(1)], "type"
    m = re.match(r"\s*(struct|enum)\s+(\w+)", code)
    if m:
        return [("enum " if m.group(1) == "enum" else "") + m.group(2)], "type"
    raise SystemExit("gen.py: cannot name this statement of tern.h:\n" + text)


def is_marker(comment):
    first = comment.lstrip()[2:].strip()
    return first.startswith("===") or first.startswith("---")


def marker_title(comment):
    """(level, title, prose lines) of a section-marker comment."""
    lines = comment_text(comment)
    if lines[0].startswith("==="):
        level = 2
        lines = [ln for ln in lines if not ln.startswith("===")]
        head, rest = lines[0].strip(), lines[1:]
    else:
        level = 3
        m = re.match(r"-+\s*(.*?)\s*-*\s*$", lines[0])
        head, rest = m.group(1), lines[1:]
    m = re.match(r"^(.*?)\s*\((.*)\)(:?)\s*$", head)
    if m and level == 2:
        title = m.group(1)
        rest = [m.group(2)[0].upper() + m.group(2)[1:] + (m.group(3) or ".")] + rest
    elif ". " in head:
        title, more = head.split(". ", 1)
        rest = [more] + rest
    else:
        title = head
    title = title.rstrip(".:")
    return level, title[0].upper() + title[1:], rest


def header_entries(src):
    """Sections and entries: ('section', level, title, prose_lines),
    ('prose', lines) and ('entry', [stmt texts], names, kind, doc_lines)."""
    els = header_elements(src)
    out, i, first = [], 0, True
    while i < len(els):
        kind, text = els[i]
        if kind == "blank":
            i += 1
            continue
        if kind == "comment":
            attached = i + 1 < len(els) and els[i + 1][0] == "stmt"
            if first:
                out.append(("prose", comment_text(text)))
                first = False
                i += 1
                continue
            if is_marker(text):
                level, title, rest = marker_title(text)
                i += 1
                if attached and any(x.strip() for x in rest):
                    # the section's text documents the statements under it
                    out.append(("section", level, title, []))
                    i = take_entry(els, i, rest, out)
                    continue
                out.append(("section", level, title, rest))
                if attached:
                    i = take_entry(els, i, [], out)
                continue
            if attached:
                i = take_entry(els, i + 1, comment_text(text), out)
                continue
            out.append(("prose", comment_text(text)))
            i += 1
            continue
        i = take_entry(els, i, [], out)
    return out


def take_entry(els, i, doc, out):
    """One entry from els[i] on: a documented statement takes the plain
    statements right after it (no blank line, no comment between); an
    undocumented one stands alone."""
    stmts = [els[i][1]]
    names, kind = stmt_names(els[i][1])
    i += 1
    # a forward typedef and the struct right after it are one type
    if kind == "type" and i < len(els) and els[i][0] == "stmt" \
            and re.match(r"\s*struct\s+%s\s*\{" % names[0], els[i][1]):
        stmts.append(els[i][1])
        i += 1
    while doc and i < len(els) and els[i][0] == "stmt":
        n, _ = stmt_names(els[i][1])
        stmts.append(els[i][1])
        names += [x for x in n if x not in names]
        i += 1
    out.append(("entry", stmts, names, kind, doc))
    return i


def unexport(stmt):
    """The statement without TERN_API, continuation lines shifted left as
    far as the declaration moved."""
    lines = stmt.rstrip().split("\n")
    m = re.match(r"^(\s*)TERN_API\s+", lines[0])
    if not m:
        return "\n".join(lines)
    cut = len(m.group(0)) - len(m.group(1))
    out = [lines[0][:len(m.group(1))] + lines[0][len(m.group(0)):]]
    for ln in lines[1:]:
        pad = len(ln) - len(ln.lstrip(" "))
        out.append(ln[min(cut, pad):])
    return "\n".join(out)


def entry_title(names, kind):
    if kind == "define" and len(names) > 2:
        pre = os.path.commonprefix(names)
        pre = pre[:pre.rfind("_") + 1]
        if len(pre) > 5:
            return "`%s*`" % pre
    return ", ".join("`%s`" % n for n in names)


def render_api():
    src = read("include/tern/tern.h")
    entries = header_entries(src)
    functions = set()
    for e in entries:
        if e[0] == "entry" and e[3] == "function":
            functions.update(e[2])
    used = set()
    body, toc = [], []
    for k, e in enumerate(entries):
        if e[0] == "entry" and not any(t[0] == 2 for t in toc):
            # what comes before the header's first section
            body += ["## Basics", ""]
            toc.append([2, "Basics", slug("Basics", used), []])
        if e[0] == "prose":
            body += prose(e[1], functions)
        elif e[0] == "section":
            _, level, title, rest = e
            anchor = slug(title, used)
            body += ["#" * level + " " + title, ""]
            body += prose(rest, functions)
            toc.append([level, title, anchor, []])
        else:
            _, stmts, names, kind, doc = e
            for n in names:
                if kind == "function":
                    body.append('<a id="%s"></a>' % n)
            slug(entry_title(names, kind).replace("`", ""), used)
            body += ["#### " + entry_title(names, kind), "", "```c"]
            for s in stmts:
                body += unexport(s).split("\n")
            body += ["```", ""]
            body += prose(doc, functions)
            if kind == "function" and toc:
                toc[-1][3] += names
    head = [
        "# tern API reference",
        "",
        "<!-- Generated from include/tern/tern.h by tools/apidoc/gen.py. Do not edit:",
        "     change the header's comments and run",
        "     `python3 tools/apidoc/gen.py api --out docs/api.md`",
        "     (the CTest test docs.api fails while this file is stale). -->",
        "",
        "Everything below is the public header `include/tern/tern.h`, in its order,",
        "with its comments as the text. Start with [getting-started.md](getting-started.md);",
        "[config.md](config.md) lists every configuration option and",
        "[gns-mapping.md](gns-mapping.md) maps GameNetworkingSockets' functions to these.",
        "",
        "Conventions: every fallible call returns a `tern_result` (`TERN_OK` is 1, not 0);",
        "functions that return a count return a negated `tern_result` on failure;",
        "handles are 32-bit and 0 is never valid.",
        "",
        "## Contents",
        "",
    ]
    for level, title, anchor, fns in toc:
        line = "  " * (level - 2) + "- [%s](#%s)" % (title, anchor)
        if fns:
            line += ": " + ", ".join("[`%s`](#%s)" % (f, f) for f in fns)
        head.append(line)
    head.append("")
    text = "\n".join(head + body)
    text = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
    return text


# --------------------------------------------------------------------------
# The config table: config.md
# --------------------------------------------------------------------------

# One line per option: what it does, with its unit. Every row of the table
# must have one (the generator fails otherwise), so a new option cannot be
# added without saying what it is.
MEANING = {
    "FakePacketLoss_Send": "Percent of outgoing packets dropped (network simulation).",
    "FakePacketLoss_Recv": "Percent of incoming packets dropped.",
    "FakePacketLag_Send": "Milliseconds added to every outgoing packet.",
    "FakePacketLag_Recv": "Milliseconds added to every incoming packet.",
    "FakePacketReorder_Send": "Percent of outgoing packets held back so they arrive out of order.",
    "FakePacketReorder_Recv": "Percent of incoming packets held back.",
    "FakePacketReorder_Time": "Extra milliseconds a reordered packet is held.",
    "SendBufferSize": "Bytes an application may queue on a connection before sends fail "
                      "with `TERN_LIMIT_EXCEEDED`.",
    "SendRateMin": "Lower bound on the send rate, bytes/s.",
    "SendRateMax": "Upper bound on the send rate, bytes/s.",
    "NagleTime": "Microseconds a small message waits for more to fill the packet.",
    "LogLevel_AckRTT": "Log detail for RTT and ack computation (a `tern_log_level`).",
    "LogLevel_PacketDecode": "Log detail for packet decoding.",
    "LogLevel_Message": "Log detail for each message sent and received.",
    "LogLevel_PacketGaps": "Log detail for lost packets.",
    "LogLevel_P2PRendezvous": "Log detail for P2P signaling.",
    "LogLevel_SDRRelayPings": "Log detail for Steam relay pings (SDR).",
    "SDRClient_ConsecutitivePingTimeoutsFailInitial":
        "SDR: relay ping failures before switching port, at first (GNS's spelling).",
    "SDRClient_ConsecutitivePingTimeoutsFail": "SDR: relay ping failures before switching port.",
    "SDRClient_MinPingsBeforePingAccurate": "SDR: pings before an estimate is trusted.",
    "SDRClient_SingleSocket": "SDR: one local port for every relay.",
    "IP_AllowWithoutAuth": "Unauthenticated IP connections: 0 refuse, 1 allow with a warning, "
                           "2 allow and do not try to authenticate.",
    "TimeoutInitial": "Milliseconds a connection may take to connect.",
    "TimeoutConnected": "Milliseconds of silence after which a connected peer is given up.",
    "FakePacketDup_Send": "Percent of outgoing packets sent twice.",
    "FakePacketDup_Recv": "Percent of incoming packets delivered twice.",
    "FakePacketDup_TimeMax": "Largest random delay of a duplicate, milliseconds.",
    "SDRClient_ForceRelayCluster": "SDR: use only this relay cluster.",
    "SDRClient_DevTicket": "SDR: development ticket.",
    "SDRClient_ForceProxyAddr": "SDR: replace the relay list.",
    "MTU_PacketSize": "Largest UDP payload sent, bytes.",
    "MTU_DataSize": "Read-only: the largest data payload, MTU_PacketSize minus 100.",
    "Unencrypted": "0 encryption required, 1 allowed off but preferred on, "
                   "2 allowed off and preferred off, 3 off required.",
    "DELETED_EnumerateDevVars": "Retired id; not an option.",
    "SDRClient_FakeClusterPing": "SDR: fake relay pings, `cluster=ms,...`.",
    "SymmetricConnect": "Either side may connect first; the two attempts become one connection.",
    "LocalVirtualPort": "Local virtual port that symmetric P2P connections match on.",
    "DualWifi_Enable": "Dual-band Wi-Fi multipath (Steam).",
    "ConnectionUserData": "The connection's user data (as `tern_set_user_data`); fixed when "
                          "the connection is created, later changes at wider scopes "
                          "do not reach it.",
    "PacketTraceMaxBytes": "Packet trace: -1 off, 0 headers only, N bytes of each packet.",
    "FakeRateLimit_Send_Rate": "Simulated upload limit, bytes/s; 0 is no limit.",
    "FakeRateLimit_Send_Burst": "Burst size of the simulated upload limit, bytes.",
    "FakeRateLimit_Recv_Rate": "Simulated download limit, bytes/s; 0 is no limit.",
    "FakeRateLimit_Recv_Burst": "Burst size of the simulated download limit, bytes.",
    "EnableDiagnosticsUI": "Steam's diagnostics overlay.",
    "RecvBufferSize": "Bytes of received, unread messages a connection holds; "
                      "packets beyond are dropped.",
    "RecvBufferMessages": "Received, unread messages a connection holds.",
    "RecvMaxMessageSize": "Largest message accepted; a peer that sends more is disconnected.",
    "RecvMaxSegmentsPerPacket": "Message segments decoded from one packet at most.",
    "OutOfOrderCorrectionWindowMicroseconds":
        "Microseconds a packet after a sequence gap is held for the missing one; 0 off.",
    "IPLocalHost_AllowWithoutAuth": "As IP_AllowWithoutAuth, for localhost peers only; "
                                    "the more permissive of the two wins.",
    "FakePacketJitter_Send_Avg": "Mean of the simulated outgoing jitter, milliseconds; 0 off.",
    "FakePacketJitter_Send_Max": "Largest simulated outgoing jitter, milliseconds.",
    "FakePacketJitter_Send_Pct": "Percent of outgoing packets that get jitter.",
    "FakePacketJitter_Recv_Avg": "Mean of the simulated incoming jitter, milliseconds; 0 off.",
    "FakePacketJitter_Recv_Max": "Largest simulated incoming jitter, milliseconds.",
    "FakePacketJitter_Recv_Pct": "Percent of incoming packets that get jitter.",
    "SendTimeSincePreviousPacket": "Send the time since the previous packet so the peer can "
                                   "measure jitter: -1 default (off over UDP), 0 off, 1 on.",
    "SDRClient_LimitPingProbesToNearestN": "SDR: ping only the N nearest relays.",
    "P2P_STUN_ServerList": "Comma-separated STUN servers.",
    "P2P_Transport_ICE_Enable": "ICE candidate kinds to share (a bit mask).",
    "P2P_Transport_ICE_Penalty": "Route score penalty for ICE, milliseconds.",
    "P2P_Transport_SDR_Penalty": "Route score penalty for SDR, milliseconds.",
    "P2P_TURN_ServerList": "Comma-separated TURN servers.",
    "P2P_TURN_UserList": "Comma-separated TURN user names, by position.",
    "P2P_TURN_PassList": "Comma-separated TURN passwords, by position.",
    "P2P_Transport_ICE_Implementation": "0 automatic, 1 native ICE, 2 WebRTC.",
    "Callback_ConnectionStatusChanged": "GNS-style status callback, "
                                        "`void (*)(tern_status_event *)`, run by "
                                        "`tern_run_callbacks`.",
    "Callback_AuthStatusChanged": "GNS-style authentication status callback.",
    "Callback_RelayNetworkStatusChanged": "Relay network status callback (SDR).",
    "Callback_MessagesSessionRequest": "Messages interface: a peer wants a session.",
    "Callback_MessagesSessionFailed": "Messages interface: a session failed.",
    "Callback_CreateConnectionSignaling": "P2P: creates the signaling object of a connection.",
    "Callback_FakeIPResult": "FakeIP request finished (Steam).",
    "SDRClient_EnableTOSProbes": "SDR: experimental TOS probes.",
    "ECN": "ECN bits to send: -1 automatic, 0 to 2 explicit (experimental).",
}

TYPE_NAMES = {1: "int32", 2: "int64", 3: "float", 4: "string", 5: "ptr"}


def c_int_symbols(text, syms):
    """NAME = value entries of enums and #define NAME value lines, evaluated
    in order against what came before."""
    for m in re.finditer(r"#define\s+(\w+)\s+([^\n/]+)", text):
        try:
            syms[m.group(1)] = cval(m.group(2), syms)
        except Exception:
            pass
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", strip_comments(text), re.S):
        for m in re.finditer(r"(\w+)\s*=\s*([^,]+)", body):
            syms[m.group(1)] = cval(m.group(2), syms)


def cval(expr, syms):
    expr = re.sub(r"\(\s*(-?\w+)\s*\)", r"\1", expr.strip())
    return eval(expr, {"__builtins__": {}}, syms)  # only numbers, names and | here


def split_args(s):
    args, depth, cur, in_str = [], 0, "", False
    for ch in s:
        if ch == '"':
            in_str = not in_str
        if not in_str and ch == "(":
            depth += 1
        elif not in_str and ch == ")":
            depth -= 1
        if ch == "," and depth == 0 and not in_str:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    args.append(cur.strip())
    return args


def config_rows():
    hdr = read("src/conn/config.h")
    tab = read("src/conn/config_table.c")
    syms = {}
    c_int_symbols(hdr, syms)
    c_int_symbols(tab, syms)
    want = {"R": "id, name, type, scope, def, min, max, flags",
            "RX": "id_, name_, type_, scope_, def_, min_, max_, flags_, gdef_",
            "ROW": "id_, name_, type_, scope_, def_, min_, max_, flags_, slot_"}
    for mac, params in want.items():
        m = re.search(r"#define\s+%s\(([^)]*)\)" % mac, tab)
        if not m or re.sub(r"\s+", " ", m.group(1)) != params:
            raise SystemExit("gen.py: the row macro %s of config_table.c changed; "
                             "update config_rows()" % mac)
    body = tab[tab.index("tern_cfg_defs[TERN_CFG_NDEFS] = {"):]
    body = strip_comments(body[:body.index("\n};")])
    rows = []
    for m in re.finditer(r"\b(R|RX|ROW)\(", body):
        depth, j = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(body[j], 0)
            j += 1
        a = split_args(body[m.end():j - 1])
        name = a[1].strip('"')
        v = [cval(x, syms) for x in a[:1] + a[2:]]
        r = dict(id=v[0], name=name, type=v[1], scope=v[2], dflt=v[3], min=v[4], max=v[5],
                 flags=v[6], gns_def=v[3])
        if m.group(1) == "RX":
            r["flags"] |= syms["TERN_CFGF_GNSDEF"]
            r["gns_def"] = v[7]
        rows.append(r)
    if len(rows) != syms["TERN_CFG_NDEFS"]:
        raise SystemExit("gen.py: read %d rows, config.h says TERN_CFG_NDEFS is %d"
                         % (len(rows), syms["TERN_CFG_NDEFS"]))
    return rows, syms, hdr


def num(x):
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x)


def readers():
    """Source files (outside the config code itself) that read each
    TERN_OPT_* constant: where an option takes effect."""
    files = sorted(glob.glob(os.path.join(ROOT, "src", "*", "*.c")))
    found = {}
    for path in files:
        rel = os.path.relpath(path, ROOT)
        if rel in ("src/conn/config.c", "src/conn/config_table.c"):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for opt in re.findall(r"\bTERN_OPT_\w+", text):
            found.setdefault(opt, set()).add(rel)
    return {k: sorted(v) for k, v in found.items()}


def render_config():
    rows, syms, hdr = config_rows()
    opt_of = {}
    for m in re.finditer(r"(TERN_OPT_\w+)\s*=\s*(\d+)", hdr):
        opt_of[int(m.group(2))] = m.group(1)
    public = {}
    pub = read("include/tern/tern.h")
    body = pub[pub.index("enum tern_config_id {"):]
    for m in re.finditer(r"(TERN_CFG_\w+)\s*=\s*(\d+)", body[:body.index("};")]):
        public[int(m.group(2))] = m.group(1)
    used = readers()
    missing = [r["name"] for r in rows if r["name"] not in MEANING]
    if missing:
        raise SystemExit("gen.py: no MEANING entry for option(s): " + ", ".join(missing))
    F = lambda n: syms["TERN_CFGF_" + n]
    out = [
        "# Configuration options",
        "",
        "<!-- Generated from src/conn/config_table.c and src/conn/config.h (the one config",
        "     table) by tools/apidoc/gen.py. Do not edit: change the table and run",
        "     `python3 tools/apidoc/gen.py config --out docs/config.md`",
        "     (the CTest test docs.config fails while this file is stale). -->",
        "",
        "tern has GameNetworkingSockets' configuration options, with GNS's ids, names,",
        "types, scopes, defaults and ranges. Set them with `tern_config_set` (or",
        "`tern_config_set_i32`, `tern_config_set_by_name`), read them with",
        "`tern_config_get`, or pass them in the `opts` array of `tern_listen_ip` and",
        "`tern_connect_ip`, where they are applied to the new object before it starts (a",
        "bad one makes the call fail). See [api.md](api.md#configuration-1).",
        "",
        "**Scopes.** An option of scope *global* exists once per process",
        "(`TERN_SCOPE_GLOBAL`, object 0). An option of scope *connection* can be set at",
        "every level: global (the default for everything), instance (`TERN_SCOPE_INSTANCE`,",
        "object: the `tern_sockets *`), listen socket (`TERN_SCOPE_LISTEN`, its handle) and",
        "connection (`TERN_SCOPE_CONNECTION`, its handle). A level that has not set it",
        "reads its parent's value at the time of the read: global, then instance, then the",
        "listen socket a connection arrived on, then the connection. Setting `NULL` unsets",
        "a value at a narrower level (it inherits again) and restores the default at the",
        "global level. Values out of range are clamped, as GNS does.",
        "",
        "**tern column.** *yes*: `tern_config_set` and `tern_config_get` accept the",
        "option. *no*: they answer `TERN_NOT_SUPPORTED` (the option belongs to a part of",
        "GNS tern does not have yet, or to Steam); the GNS-compatible layer still stores",
        "the ones GNS registers, as GNS does. An id that is not in this table, and the",
        "retired id 35, get `TERN_INVALID_PARAM`. **Read by** names the source files",
        "(under `src/`) that use the value; an option accepted but read nowhere has no",
        "effect yet. *n/a*: neither GNS nor tern exposes a value for the option.",
        "",
        "**Public constant.** `enum tern_config_id` in `tern.h` names the options an",
        "application most often sets. Every other id works too: pass the number, or",
        "look it up with `tern_config_id_by_name(\"LogLevel_Message\")`.",
        "",
        "**Known limitation.** The simulated-network options (`FakePacket*`,",
        "`FakeRateLimit_*`) are global, but a running instance only picks up new values",
        "when it is the `tern_sockets *` passed to the `tern_config_set` call that",
        "changes them (instances created later read them at creation). Pass the",
        "instance whose traffic should change; with several instances, set the options",
        "through each.",
        "",
        "**GNS column.** *reg*: registered in the open-source GNS build (its setters",
        "take it); *enum*: listed by `IterateGenericEditableConfigValues`; *dev*: listed",
        "only when dev vars are asked for; *not reg*: GNS refuses it as unknown.",
        "",
        "| Id | Name | Public constant | Type | Scope | Default | Range | tern | Read by | GNS | Meaning |",
        "|---:|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fl = r["flags"]
        t = TYPE_NAMES[r["type"]]
        scope = "global" if r["scope"] == syms["TERN_CFGS_GLOBAL"] else "connection"
        if fl & F("RETIRED"):
            t = scope = dflt = rng = "—"
        else:
            if t == "string":
                dflt = '`""`'
            elif t == "ptr":
                dflt = "NULL"
            else:
                dflt = num(r["dflt"])
            if fl & F("GNSDEF"):
                dflt += " (unset; GNS: %s)" % num(r["gns_def"])
            if t in ("int32", "float") and not (r["min"] == 0 and r["max"] == 0):
                rng = "%s to %s" % (num(r["min"]), num(r["max"]))
            elif t == "int64":
                rng = "any"
            else:
                rng = "—"
        if fl & F("RO"):
            rng = "read-only"
        if not fl & (F("REG") | F("IMPL") | F("RETIRED")):
            dflt = rng = "n/a"  # nominal values nobody can observe
        impl = "yes" if fl & F("IMPL") else "—" if fl & F("RETIRED") else "no"
        opt = opt_of.get(r["id"])
        rd = used.get(opt, [])
        if fl & F("RO"):
            reads = "computed"
        elif rd:
            reads = ", ".join("`%s`" % x[4:] for x in rd)
        else:
            reads = "—"
        if fl & F("RETIRED"):
            gns = "retired"
        elif fl & F("RO"):
            gns = "not reg; get works"
        elif not fl & F("REG"):
            gns = "not reg"
        elif fl & F("ENUM"):
            gns = "reg, enum"
        elif fl & F("DEV"):
            gns = "reg, dev"
        else:
            gns = "reg"
        pubc = "`%s`" % public[r["id"]] if r["id"] in public else "—"
        out.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["id"], r["name"], pubc, t, scope, dflt, rng, impl, reads, gns,
            codify(MEANING[r["name"]], set()).replace("|", "\\|")))
    impl = [r for r in rows if r["flags"] & F("IMPL")]
    idle = [r["name"] for r in impl
            if not r["flags"] & F("RO") and not used.get(opt_of.get(r["id"]))]
    out += [
        "",
        "%d options in all; tern accepts %d of them." % (len(rows), len(impl)),
    ]
    if idle:
        out += ["Accepted but read nowhere yet (setting them has no effect): %s."
                % ", ".join(idle)]
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------
# getting-started.md: the examples pasted in
# --------------------------------------------------------------------------

BEGIN = re.compile(r"^<!-- begin (\S+) -->$")


def render_examples(path):
    """The file at |path| with every block between '<!-- begin FILE -->'
    and '<!-- end -->' replaced by FILE in a code fence."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        out.append(lines[i])
        i += 1
        if not m:
            continue
        while i < len(lines) and lines[i] != "<!-- end -->":
            i += 1
        if i == len(lines):
            raise SystemExit("gen.py: %s: no <!-- end --> after %s" % (path, m.group(0)))
        lang = "c" if m.group(1).endswith((".c", ".h")) else ""
        body = read(m.group(1)).rstrip("\n").split("\n")
        if m.group(1).startswith("examples/") and len(body) >= 60:
            raise SystemExit("gen.py: %s has %d lines; the getting-started examples "
                             "promise fewer than 60" % (m.group(1), len(body)))
        out += ["```" + lang] + body + ["```"]
        out.append(lines[i])
        i += 1
    return "\n".join(out)


# --------------------------------------------------------------------------
# gns-mapping.md: checked, not generated
# --------------------------------------------------------------------------


def seed_functions(path):
    """Method names of ISteamNetworkingSockets in the seed header. Its line
    breaks are lost, so comments run into the code: the name is the
    identifier before the '(' that matches the ')' of each ') = 0;'."""
    with open(path, encoding="utf-8") as f:
        s = f.read()
    names = []
    for m in re.finditer(r"\)\s*=\s*0\s*;", s):
        depth, k = 0, m.start()
        while k >= 0:
            if s[k] == ")":
                depth += 1
            elif s[k] == "(":
                depth -= 1
                if depth == 0:
                    break
            k -= 1
        name = re.search(r"(\w+)\s*$", s[:k]).group(1)
        if name not in names:
            names.append(name)
    # The global accessors: exported functions and the inline helpers.
    for m in re.finditer(r"ISteamNetworkingSockets\s*\*\s*(\w+)\s*\(\s*\)", s):
        if m.group(1) not in names:
            names.append(m.group(1))
    return names


def check_mapping(args):
    with open(args.check, encoding="utf-8") as f:
        text = f.read()
    errors = []
    rows = []
    section = ""
    for ln in text.split("\n"):
        if ln.startswith("## "):
            section = ln[3:]
        if not ln.startswith("|") or ln.startswith("|---") or ln.startswith("| GNS"):
            continue
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        if len(cells) != 4:
            errors.append("not four columns: " + ln)
            continue
        rows.append(cells + [section.startswith("ISteamNetworkingSockets")])
    header = read("include/tern/tern.h")
    public = set(re.findall(r"TERN_API[^;]*?\b(tern_\w+)\s*\(", header))
    public |= set(re.findall(r"typedef\s+struct\s+\w+\s*\{.*?\}\s*(\w+);", header, re.S))
    public |= set(re.findall(r"\b(TERN_\w+)\b", header))
    public |= set(re.findall(r"\b(tern_\w+)\b", header))
    tests = {}
    for path in glob.glob(os.path.join(ROOT, "tests", "integration", "*_test.c")):
        name = os.path.basename(path)[:-len("_test.c")]
        with open(path, encoding="utf-8") as f:
            tests[name] = set(re.findall(r"IT_TEST\((\w+)\)", f.read()))
    gns_rows = {}
    pending = []
    for gns, tern, status, test, in_seed in rows:
        g = re.findall(r"`(\w+)`", gns)
        if g:
            gns_rows.setdefault(g[0], []).append((tern, status, test))
        for ident in re.findall(r"`(?:[\w.]+->)?(tern_\w+|TERN_\w+)", tern):
            if ident not in public:
                errors.append("%s: %s is not in tern.h" % (gns, ident))
        st = re.sub(r"\*", "", status).strip()
        if not re.match(r"(done|not supported yet|not applicable)\b", st):
            errors.append("%s: status must start with done / not supported yet / "
                          "not applicable: %r" % (gns, status))
        # CTest names: integration.<program>.<test without "test_">
        cited = re.findall(r"`integration\.(\w+)\.(\w+)`", test)
        for prog, short in cited:
            if prog not in tests:
                errors.append("%s: no tests/integration/%s_test.c" % (gns, prog))
            elif "test_" + short not in tests[prog]:
                errors.append("%s: integration.%s.%s: no IT_TEST(test_%s) in %s_test.c"
                              % (gns, prog, short, short, prog))
        units = re.findall(r"`unit\.(\w+)`", test)
        for u in units:
            if not os.path.exists(os.path.join(ROOT, "tests", "unit", u + ".c")):
                errors.append("%s: no tests/unit/%s.c" % (gns, u))
        if st.startswith("done") and not cited and not units:
            if in_seed or "test pending" not in test:
                errors.append("%s: marked done without a test" % gns)
            else:
                pending.append(re.sub(r"`", "", gns))
    seed = args.seed
    if seed is None:
        found = glob.glob(os.path.join(ROOT, "..", "shared", "seed", "000_*.txt"))
        seed = found[0] if found else None
    if seed and os.path.exists(seed):
        names = seed_functions(seed)
        for n in names:
            if n not in gns_rows:
                errors.append("seed function %s has no row" % n)
        print("seed: %d functions, all with rows" % len(names) if not any(
            e.startswith("seed") for e in errors) else "seed: rows missing")
    else:
        print("seed header not found (../shared/seed): only the rows were checked")
    if pending:
        print("done, test pending (outside the seed): " + ", ".join(pending))
    for e in errors:
        print("gns-mapping.md: " + e)
    print("%d rows checked, %d problems" % (len(rows), len(errors)))
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["api", "config", "examples", "mapping"])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--check", metavar="FILE")
    g.add_argument("--out", metavar="FILE")
    ap.add_argument("--seed", metavar="FILE", help="mapping: the seed header")
    ap.add_argument("--in", dest="src", metavar="FILE",
                    help="examples: the page to fill (default docs/getting-started.md)")
    args = ap.parse_args()
    if args.cmd == "mapping":
        if not args.check:
            ap.error("mapping takes --check FILE")
        return check_mapping(args)
    if args.cmd == "api":
        text = render_api()
    elif args.cmd == "config":
        text = render_config()
    else:
        src = args.src or args.check or args.out or os.path.join(ROOT, "docs",
                                                                 "getting-started.md")
        text = render_examples(src)
    return check_or_write(text, args)


if __name__ == "__main__":
    sys.exit(main())
