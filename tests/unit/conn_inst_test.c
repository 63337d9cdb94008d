/* The instance core's socket table (conn/inst.c): what tern_inst_recv uses
 * to find the listen socket or client connection a datagram came in on. */
#include <stdlib.h>

#include "testutil.h"
#include "conn/conn.h"

typedef struct counting {
    long reallocs;
} counting;

static void *c_malloc(size_t n, void *u)
{
    (void)u;
    return malloc(n);
}
static void c_free(void *p, void *u)
{
    (void)u;
    free(p);
}
static void *c_calloc(size_t k, size_t n, void *u)
{
    (void)u;
    return calloc(k, n);
}
static void *c_realloc(void *p, size_t n, void *u)
{
    ((counting *)u)->reallocs++;
    return realloc(p, n);
}

static void tx_send(void *ctx, uint32_t sock, const tern_addr *from, const tern_addr *to,
                    const uint8_t *d, size_t n)
{
    (void)ctx, (void)sock, (void)from, (void)to, (void)d, (void)n;
}
static tern_result tx_open(void *ctx, const tern_addr *local, const tern_addr *remote,
                           uint32_t *sock, tern_addr *bound)
{
    (void)ctx, (void)local, (void)remote, (void)sock, (void)bound;
    return TERN_FAIL;
}
static void tx_close(void *ctx, uint32_t sock)
{
    (void)ctx, (void)sock;
}

/* A client keeps a socket per connection through FinWait, so the ids in use
 * climb by thousands under a connect load: the table must grow by doubling
 * (two reallocs, table and kinds, per growth), and keep every entry. */
static void test_sock_table_grows_by_doubling(void **state)
{
    (void)state;
    counting cnt = {0};
    tern_mem mem = {&cnt, c_malloc, c_free, c_calloc, c_realloc};
    tern_tx_ops tx = {NULL, tx_send, tx_open, tx_close};
    tern_cfg_global root;
    tern_cfg_global_init(&root, &mem);
    tern_inst *in = calloc(1, sizeof *in);
    assert_non_null(in);
    assert_int_equal(tern_inst_init(in, &mem, NULL, &tx, &root), TERN_OK);
    static int objs[20000];
    long before = cnt.reallocs;
    for (uint32_t s = 1; s <= 20000; s++) tern_inst_sock_set(in, s, 1 + (int)(s & 1), &objs[s - 1]);
    /* 16 slots doubled up to 32768: 12 growths */
    assert_true(cnt.reallocs - before <= 2 * 12);
    assert_true(in->nsocks >= 20000);
    for (uint32_t s = 1; s <= 20000; s++) {
        assert_ptr_equal(in->socks[s - 1], &objs[s - 1]);
        assert_int_equal(in->sock_kind[s - 1], 1 + (int)(s & 1));
    }
    /* A far id in one step, then clearing: the slot reads empty again. */
    tern_inst_sock_set(in, 100000, 2, &objs[0]);
    assert_true(in->nsocks >= 100000);
    assert_ptr_equal(in->socks[99999], &objs[0]);
    tern_inst_sock_set(in, 100000, 0, NULL);
    assert_null(in->socks[99999]);
    assert_null(in->socks[99998]);
    tern_inst_sock_set(in, 0, 1, &objs[0]); /* id 0 is never a socket */
    tern_inst_free(in, 0);
    free(in);
    tern_cfg_global_free(&root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sock_table_grows_by_doubling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
