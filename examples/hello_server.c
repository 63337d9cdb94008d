/* hello_server: listens on UDP port 27020 (or the first argument), accepts every
 * connection and sends each message back. It stops when its first client has gone. */
#include <stdio.h>
#include <stdlib.h>

#include <tern/tern.h>

static uint32_t group; /* the poll group every accepted connection joins */
static int finished;

/* Connection state changes, run inside tern_run_callbacks(). */
static void on_status(tern_sockets *s, const tern_status_event *ev, void *user)
{
    (void)user;
    if (ev->info.state == TERN_STATE_CONNECTING && ev->info.listen_socket) {
        printf("server: connection from %s\n", ev->info.description);
        if (tern_accept(s, ev->conn) == TERN_OK)
            tern_set_pollgroup(s, ev->conn, group);
        else
            tern_close(s, ev->conn, 0, NULL, false);
    } else if (ev->info.state == TERN_STATE_CLOSED_BY_PEER ||
               ev->info.state == TERN_STATE_PROBLEM) {
        printf("server: %s closed (%s)\n", ev->info.description, ev->info.end_debug);
        tern_close(s, ev->conn, 0, NULL, false); /* frees the handle */
        finished = 1;
    }
}

int main(int argc, char **argv)
{
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = on_status;
    tern_sockets *s;
    if (tern_sockets_new(&cfg, &s) != TERN_OK || tern_pollgroup_new(s, &group) != TERN_OK) return 1;
    tern_addr addr;
    tern_addr_clear(&addr); /* [::]: every local address, IPv4 and IPv6 */
    addr.port = (uint16_t)(argc > 1 ? atoi(argv[1]) : 27020);
    uint32_t listen;
    tern_result r = tern_listen_ip(s, &addr, 0, NULL, &listen);
    if (r != TERN_OK) {
        fprintf(stderr, "server: cannot listen: %s\n", tern_result_str(r));
        return 1;
    }
    printf("server: listening on port %u\n", (unsigned)addr.port);
    while (!finished) {
        tern_wait(s, 100); /* until a message or a state change is waiting */
        tern_run_callbacks(s);
        tern_message *m[16];
        int n = tern_receive_pollgroup(s, group, m, 16);
        for (int i = 0; i < n; i++) {
            printf("server: got \"%.*s\"\n", (int)m[i]->size, (const char *)m[i]->data);
            tern_send(s, m[i]->conn, m[i]->data, (uint32_t)m[i]->size, TERN_SEND_RELIABLE, NULL);
            tern_message_release(m[i]);
        }
    }
    tern_sockets_del(s); /* closes whatever is still open */
    return 0;
}
