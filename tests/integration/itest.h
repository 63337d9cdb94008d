/* Helpers for the integration tests: instances that record their status
 * events, bounded waits that pump every live instance, listen sockets on
 * random ports, connected pairs, payload patterns and result assertions.
 *
 * Every wait is bounded (IT_TIMEOUT_MS, or TERN_IT_TIMEOUT_MS from the
 * environment) and fails the test with a message naming what it waited for;
 * nothing sleeps and hopes. */
#ifndef TERN_ITEST_H
#define TERN_ITEST_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/tern.h"
#include "testutil.h"

#define IT_MAX_INST 8

/* One status change as the application saw it in on_status. */
typedef struct it_ev {
    uint32_t conn;
    int old_state, state;
    int end_reason;
    uint32_t listen;
    int64_t user_data;
    int flags;
    tern_addr addr;
    tern_identity identity;
    char debug[128];
    char desc[128];
    bool taken; /* claimed by it_wait_incoming */
} it_ev;

typedef struct it_inst {
    tern_sockets *s;
    const char *name;
    bool manual;
    it_ev *ev;
    size_t nev, cap;
    /* Accept every incoming connection from inside the callback, and put
     * it into |auto_group| when that is set. */
    bool auto_accept;
    uint32_t auto_group;
    uint64_t accepted;
} it_inst;

/* Milliseconds on the monotonic clock (only for bounding waits). */
int64_t it_now_ms(void);
/* The bound for one wait. */
int it_timeout_ms(void);

/* A new instance (thread mode unless |manual|) that records its events,
 * registered for it_pump until it_inst_del. TERN_IT_LOG=<level> in the
 * environment prints the library's log. */
it_inst *it_inst_new(const char *name, bool manual);
it_inst *it_inst_new_cfg(const char *name, tern_sockets_config *cfg);
void it_inst_del(it_inst *in);
/* cmocka teardown: deletes every instance a failed test left behind. */
int it_teardown(void **state);
#define IT_TEST(f) cmocka_unit_test_teardown(f, it_teardown)
/* main() of a test program: runs every test, or only the one named by the
 * first argument (CTest registers each test on its own, so that a crash in
 * one cannot hide the results of the others). */
int it_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n);
#define IT_MAIN(tests) it_main(argc, argv, tests, sizeof tests / sizeof tests[0])

/* One round of work for every registered instance: network work (manual
 * mode), a short wait, and the callbacks. */
void it_pump(int wait_ms);

/* Wait until |cond| holds, pumping every instance; fail with |what|. */
#define IT_WAIT(cond, what)                                                                        \
    do {                                                                                           \
        int64_t it_dl_ = it_now_ms() + it_timeout_ms();                                            \
        while (!(cond)) {                                                                          \
            if (it_now_ms() > it_dl_)                                                              \
                fail_msg("%s:%d: timed out after %d ms waiting for %s", __FILE__, __LINE__,        \
                         it_timeout_ms(), what);                                                   \
            it_pump(2);                                                                            \
        }                                                                                          \
    } while (0)

/* Assert a tern_result with both names in the message. */
#define IT_RES(expr, want)                                                                         \
    do {                                                                                           \
        int it_r_ = (int)(expr);                                                                   \
        if (it_r_ != (int)(want))                                                                  \
            fail_msg("%s:%d: %s returned %d (%s), expected %d (%s)", __FILE__, __LINE__, #expr,    \
                     it_r_, tern_result_str(it_r_), (int)(want), tern_result_str((int)(want)));    \
    } while (0)
#define IT_OK(expr) IT_RES(expr, TERN_OK)

/* Events. it_find_ev: the first event of |conn| entering |state| (NULL if
 * none yet). it_wait_ev waits for it. it_count_ev counts events of |conn|
 * (any state if |state| < 0). */
const it_ev *it_find_ev(const it_inst *in, uint32_t conn, int state);
it_ev it_wait_ev(it_inst *in, uint32_t conn, int state); /* a copy */
size_t it_count_ev(const it_inst *in, uint32_t conn, int state);
/* Wait for |conn| to end (ClosedByPeer or ProblemDetectedLocally) and
 * assert that it was ClosedByPeer with |reason| and |debug|: a close that
 * never arrives shows up as the connection timing out (5003), which names
 * the failure better than a bare timeout. */
it_ev it_wait_closed_by_peer(it_inst *in, uint32_t conn, int reason, const char *debug);
/* The events of |conn| in order, into out[0..max); returns the count. */
size_t it_events_of(const it_inst *in, uint32_t conn, const it_ev **out, size_t max);
void it_clear_ev(it_inst *in);
/* Wait for a new inbound connection (an unclaimed 0->1 event with this
 * listen socket) and claim it. */
uint32_t it_wait_incoming(it_inst *in, uint32_t listen);

/* Listen on 127.0.0.1 at a random high port (retrying while it is in use).
 * *connect_to receives the address to connect to. */
uint32_t it_listen(it_inst *in, int nopts, const tern_config_value *opts, tern_addr *connect_to);
/* Connect |cl| to |sv| (listening on |listen| at |addr|), accept, and wait
 * until both ends are connected. */
void it_connect(it_inst *cl, it_inst *sv, uint32_t listen, const tern_addr *addr, int nopts,
                const tern_config_value *opts, uint32_t *c_conn, uint32_t *s_conn);

/* Receive from |conn| until |want| messages are in out[] (bounded). */
void it_recv_n(it_inst *in, uint32_t conn, tern_message **out, int want);
void it_release_all(tern_message **m, int n);
/* Wait until everything sent on |conn| is acknowledged (nothing pending,
 * nothing in flight): the peer has it in its receive queue. */
void it_wait_acked(it_inst *in, uint32_t conn);

/* Deterministic payloads: byte i of message |seed| is a function of both. */
void it_fill(void *buf, size_t len, uint32_t seed);
bool it_check(const void *buf, size_t len, uint32_t seed);

/* A config value for the creation-option arrays. */
tern_config_value it_opt_i32(int id, int32_t v);
tern_config_value it_opt_i64(int id, int64_t v);

/* The test name for messages from helpers that run on other threads. */
void it_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
