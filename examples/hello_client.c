/* hello_client: a tern client. It connects to a hello_server (127.0.0.1:27020,
 * or the address in the first argument), sends one message and prints the
 * answer. */
#include <stdio.h>

#include <tern/tern.h>

static int failed;

static void on_status(tern_sockets *s, const tern_status_event *ev, void *user)
{
    (void)s, (void)user;
    if (ev->info.state == TERN_STATE_CONNECTED)
        printf("client: connected to %s\n", ev->info.description);
    if (ev->info.state == TERN_STATE_CLOSED_BY_PEER || ev->info.state == TERN_STATE_PROBLEM) {
        fprintf(stderr, "client: connection failed: %s\n", ev->info.end_debug);
        failed = 1;
    }
}

int main(int argc, char **argv)
{
    tern_addr server;
    if (!tern_addr_parse_string(&server, argc > 1 ? argv[1] : "127.0.0.1:27020")) return 2;
    tern_sockets_config cfg;
    tern_sockets_config_default(&cfg);
    cfg.on_status = on_status;
    tern_sockets *s;
    uint32_t conn;
    if (tern_sockets_new(&cfg, &s) != TERN_OK) return 1;
    if (tern_connect_ip(s, &server, 0, NULL, &conn) != TERN_OK) return 1;
    /* Reliable messages may be sent at once: they go when the handshake is done. */
    const char text[] = "hello, tern";
    tern_send(s, conn, text, sizeof text - 1, TERN_SEND_RELIABLE, NULL);
    int got = 0;
    int64_t give_up = tern_now() + 10 * 1000000; /* microseconds */
    while (!got && !failed && tern_now() < give_up) {
        tern_wait(s, 100);
        tern_run_callbacks(s);
        tern_message *msg;
        if (tern_receive(s, conn, &msg, 1) == 1) {
            printf("client: got \"%.*s\" back\n", (int)msg->size, (const char *)msg->data);
            tern_message_release(msg);
            got = 1;
        }
    }
    tern_close(s, conn, 0, "done", true); /* the server sees CLOSED_BY_PEER */
    tern_sockets_del(s);
    return got ? 0 : 1;
}
