/* The ENet backend (bench-enet), on Debian's libenet. Reliable messages are
 * ENET_PACKET_FLAG_RELIABLE, unreliable ones ENET_PACKET_FLAG_UNSEQUENCED
 * (like GNS/tern unreliable: no ordering), lanes are channels. ENet has no
 * send-buffer limit of its own, so the backend reports "full" once the
 * peer's outgoing queue holds 512 KiB (tern's and GNS's default
 * SendBufferSize), checked every 64 sends. One host per process: ENet caps
 * a host at 4095 peers. */
#include <enet/enet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char be_name[] = "enet";
const char be_variants[] = "(none)";

#define MAX_PEERS   4095
#define SEND_BUFFER (512 * 1024)

struct be {
    bench_cb cb;
    be_opts o;
    ENetHost *host;
    unsigned sends; /* since the last queue check */
    bool full;
    int delivered;
};

int be_max_conns(const be_opts *o)
{
    (void)o;
    return MAX_PEERS - 1; /* one is the harness's control connection */
}

int be_extra_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return -1;
}

be *be_new(const bench_cb *cb, const be_opts *o)
{
    static bool init;
    if (!init) {
        if (enet_initialize() != 0) return NULL;
        init = true;
    }
    be *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->cb = *cb;
    b->o = *o;
    if (!o->server) {
        b->host = enet_host_create(NULL, MAX_PEERS, (size_t)o->lanes, 0, 0);
        if (!b->host) {
            fprintf(stderr, "bench-enet: enet_host_create failed\n");
            free(b);
            return NULL;
        }
    }
    return b;
}

void be_del(be *b)
{
    if (!b) return;
    if (b->host) {
        enet_host_flush(b->host);
        enet_host_destroy(b->host);
    }
    free(b);
}

int be_listen(be *b, int port)
{
    ENetAddress a = {ENET_HOST_ANY, (enet_uint16)port};
    b->host = enet_host_create(&a, MAX_PEERS, BENCH_MAX_LANES, 0, 0);
    if (!b->host) {
        fprintf(stderr, "bench-enet: cannot listen on %d\n", port);
        return -1;
    }
    return 0;
}

int be_connect(be *b, const char *host, int port, uint64_t *conn)
{
    ENetAddress a;
    if (enet_address_set_host_ip(&a, host) != 0) {
        fprintf(stderr, "bench-enet: bad address %s (ENet 1.3 is IPv4 only)\n", host);
        return -1;
    }
    a.port = (enet_uint16)port;
    ENetPeer *p = enet_host_connect(b->host, &a, (size_t)b->o.lanes, 0);
    if (!p) return -1;
    *conn = (uint64_t)(uintptr_t)p;
    return 0;
}

static size_t queued_bytes(ENetPeer *p, uint32_t len)
{
    size_t n = enet_list_size(&p->outgoingCommands);
    size_t per = len < p->mtu ? len : p->mtu;
    return n * per;
}

int be_send(be *b, uint64_t conn, int lane, const void *data, uint32_t len, int flags)
{
    ENetPeer *p = (ENetPeer *)(uintptr_t)conn;
    if (p->state != ENET_PEER_STATE_CONNECTED) return BE_ERR;
    if (!(flags & BE_NOW) && (b->full || ++b->sends >= 64)) {
        b->sends = 0;
        b->full = queued_bytes(p, len) >= SEND_BUFFER;
        if (b->full) return BE_FULL;
    }
    ENetPacket *pk = enet_packet_create(
        data, len, flags & BE_RELIABLE ? ENET_PACKET_FLAG_RELIABLE : ENET_PACKET_FLAG_UNSEQUENCED);
    if (!pk) return BE_ERR;
    if (enet_peer_send(p, (enet_uint8)lane, pk) != 0) {
        enet_packet_destroy(pk);
        return BE_ERR;
    }
    if (flags & BE_NOW) enet_host_flush(b->host);
    return BE_OK;
}

void be_flush(be *b, uint64_t conn)
{
    (void)conn;
    enet_host_flush(b->host);
}

void be_close(be *b, uint64_t conn)
{
    (void)b;
    enet_peer_disconnect_now((ENetPeer *)(uintptr_t)conn, 0);
}

static void handle(be *b, ENetEvent *ev)
{
    uint64_t id = (uint64_t)(uintptr_t)ev->peer;
    switch (ev->type) {
    case ENET_EVENT_TYPE_CONNECT:
        b->cb.connected(b->cb.u, id);
        break;
    case ENET_EVENT_TYPE_DISCONNECT:
        b->cb.closed(b->cb.u, id);
        break;
    case ENET_EVENT_TYPE_RECEIVE:
        b->cb.message(b->cb.u, id, ev->packet->data, (uint32_t)ev->packet->dataLength);
        enet_packet_destroy(ev->packet);
        break;
    default:
        return;
    }
    b->delivered++;
}

void be_poll(be *b, int64_t timeout_us)
{
    if (!b->host) return;
    b->delivered = 0;
    b->full = false;
    ENetEvent ev;
    /* enet_host_service sends, receives and returns one event at a time */
    for (int i = 0; i < 4096 && enet_host_service(b->host, &ev, 0) > 0; i++) handle(b, &ev);
    if (b->delivered || timeout_us <= 0) return;
    /* ENet waits in whole milliseconds */
    if (enet_host_service(b->host, &ev, (enet_uint32)((timeout_us + 999) / 1000)) > 0) {
        handle(b, &ev);
        for (int i = 0; i < 4096 && enet_host_service(b->host, &ev, 0) > 0; i++) handle(b, &ev);
    }
}
