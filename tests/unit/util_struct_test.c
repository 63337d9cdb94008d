/* handles, heap, siphash, addrmap */
#include <string.h>

#include "testutil.h"
#include "util/addrmap.h"
#include "util/handles.h"
#include "util/heap.h"
#include "util/mem.h"
#include "util/siphash.h"

static void test_siphash_reference(void **state)
{
    (void)state;
    /* The reference vector of the SipHash paper: key 00..0f, message 00..0e. */
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++) msg[i] = (uint8_t)i;
    assert_true(tern_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
    /* the empty message (first line of the reference vectors.h) */
    assert_true(tern_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
}

static void test_handles(void **state)
{
    (void)state;
    const tern_mem *mem = tern_mem_default();
    tern_handles h;
    tern_handles_init(&h, 0);
    int objs[100];
    uint32_t hs[100];
    for (int i = 0; i < 100; i++) {
        hs[i] = tern_handles_add(&h, mem, &objs[i]);
        assert_int_not_equal(hs[i], 0);
        assert_int_equal(hs[i] & 0x80000000u, 0);
    }
    for (int i = 0; i < 100; i++) assert_ptr_equal(tern_handles_get(&h, hs[i]), &objs[i]);
    assert_null(tern_handles_get(&h, 0));
    tern_handles_remove(&h, hs[5]);
    assert_null(tern_handles_get(&h, hs[5])); /* stale */
    uint32_t again = tern_handles_add(&h, mem, &objs[5]);
    assert_int_not_equal(again, hs[5]); /* same slot, new generation */
    assert_null(tern_handles_get(&h, hs[5]));
    assert_ptr_equal(tern_handles_get(&h, again), &objs[5]);
    /* iteration visits every live handle once */
    int n = 0;
    for (uint32_t x = tern_handles_next(&h, 0); x; x = tern_handles_next(&h, x)) n++;
    assert_int_equal(n, 100);
    /* a tagged table rejects untagged handles and vice versa */
    tern_handles g;
    tern_handles_init(&g, 0x80000000u);
    uint32_t gh = tern_handles_add(&g, mem, &objs[0]);
    assert_true(gh & 0x80000000u);
    assert_null(tern_handles_get(&h, gh));
    assert_null(tern_handles_get(&g, hs[0]));
    /* many reuses of one slot never produce handle 0 or a stale match */
    for (int i = 0; i < 5000; i++) {
        uint32_t t = tern_handles_add(&g, mem, &objs[1]);
        assert_int_not_equal(t, 0);
        tern_handles_remove(&g, t);
        assert_null(tern_handles_get(&g, t));
    }
    tern_handles_free(&h, mem);
    tern_handles_free(&g, mem);
}

typedef struct item {
    tern_heap_node n;
} item;

static void test_heap(void **state)
{
    (void)state;
    const tern_mem *mem = tern_mem_default();
    tern_heap h;
    tern_heap_init(&h);
    item it[500];
    tt_rng r;
    tt_rng_seed(&r, 7);
    memset(it, 0, sizeof it);
    for (int i = 0; i < 500; i++)
        assert_int_equal(tern_heap_set(&h, mem, &it[i].n, (int64_t)tt_rng_below(&r, 1000)),
                         TERN_OK);
    /* moves and removals keep the order */
    for (int i = 0; i < 200; i++)
        tern_heap_set(&h, mem, &it[tt_rng_below(&r, 500)].n, (int64_t)tt_rng_below(&r, 1000));
    for (int i = 0; i < 100; i++) tern_heap_remove(&h, &it[i * 5].n);
    int64_t last = -1;
    size_t count = 0;
    while (tern_heap_top(&h)) {
        tern_heap_node *t = tern_heap_top(&h);
        assert_true(t->key >= last);
        last = t->key;
        tern_heap_remove(&h, t);
        assert_int_equal(t->idx, 0);
        count++;
    }
    assert_int_equal(count, 400);
    tern_heap_free(&h, mem);
}

static void test_addrmap(void **state)
{
    (void)state;
    const tern_mem *mem = tern_mem_default();
    uint8_t key[16] = {1, 2, 3};
    tern_addrmap m;
    tern_addrmap_init(&m, key);
    tern_addr a[2000];
    for (int i = 0; i < 2000; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].ipv6[15] = (uint8_t)i;
        a[i].ipv6[14] = (uint8_t)(i >> 8);
        a[i].port = (uint16_t)(i * 7);
        assert_int_equal(tern_addrmap_put(&m, mem, &a[i], &a[i]), TERN_OK);
    }
    for (int i = 0; i < 2000; i++) assert_ptr_equal(tern_addrmap_get(&m, &a[i]), &a[i]);
    for (int i = 0; i < 2000; i += 2) tern_addrmap_del(&m, &a[i]);
    for (int i = 0; i < 2000; i++)
        assert_ptr_equal(tern_addrmap_get(&m, &a[i]), i % 2 ? &a[i] : NULL);
    /* tombstones do not break later inserts and lookups */
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < 2000; i += 2) {
            tern_addrmap_put(&m, mem, &a[i], &a[i]);
            tern_addrmap_del(&m, &a[i]);
        }
    for (int i = 1; i < 2000; i += 2) assert_ptr_equal(tern_addrmap_get(&m, &a[i]), &a[i]);
    tern_addr other = a[1];
    other.port++;
    assert_null(tern_addrmap_get(&m, &other) == &a[1] ? (void *)1 : NULL);
    tern_addrmap_free(&m, mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_reference),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_heap),
        cmocka_unit_test(test_addrmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
