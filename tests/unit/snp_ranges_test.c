/* tern_ranges against a brute-force bitmap over a small domain: every random
 * add/remove/trim must leave the same set as the bitmap, in canonical form
 * (sorted, disjoint, non-empty, never touching), and every query must agree
 * with the bitmap. */
#include <stdlib.h>
#include <string.h>

#include "snp/ranges.h"
#include "testutil.h"

#define DOM 200 /* domain [0, DOM); operations may poke a little outside it */
#define LO  (-8)
#define HI  (DOM + 8)

/* --- an allocator that counts, and can be told to fail ---------------------- */

typedef struct cmem {
    tern_mem mem;
    long live;
    long fail_in; /* the n-th allocation from now fails; 0 = never */
} cmem;

static void *c_malloc(size_t n, void *u)
{
    cmem *c = u;
    if (c->fail_in && --c->fail_in == 0) return NULL;
    void *p = malloc(n ? n : 1);
    if (p) c->live++;
    return p;
}
static void c_free(void *p, void *u)
{
    cmem *c = u;
    if (p) c->live--;
    free(p);
}
static void *c_calloc(size_t k, size_t n, void *u)
{
    void *p = c_malloc(k * n, u);
    if (p) memset(p, 0, k * n);
    return p;
}
static void *c_realloc(void *p, size_t n, void *u)
{
    cmem *c = u;
    if (c->fail_in && --c->fail_in == 0) return NULL;
    void *q = realloc(p, n ? n : 1);
    if (q && !p) c->live++;
    return q;
}

static void cmem_init(cmem *c)
{
    memset(c, 0, sizeof *c);
    c->mem = (tern_mem){c, c_malloc, c_free, c_calloc, c_realloc};
}

/* --- the model ------------------------------------------------------------- */

typedef struct model {
    bool bit[HI - LO];
} model;

static bool m_get(const model *m, int64_t x)
{
    return x >= LO && x < HI && m->bit[x - LO];
}

static void m_set(model *m, int64_t b, int64_t e, bool v)
{
    for (int64_t x = b; x < e; x++) m->bit[x - LO] = v;
}

static void check_same(const tern_ranges *s, const model *m)
{
    /* canonical form */
    for (size_t i = 0; i < s->n; i++) {
        assert_true(s->r[i].begin < s->r[i].end);
        if (i) assert_true(s->r[i - 1].end < s->r[i].begin);
        assert_true(s->r[i].begin >= LO && s->r[i].end <= HI);
    }
    /* same members; rebuild the ranges from the bitmap and compare */
    size_t k = 0;
    uint64_t total = 0;
    for (int64_t x = LO; x < HI; x++) {
        if (!m_get(m, x)) continue;
        int64_t b = x;
        while (x < HI && m_get(m, x)) x++;
        assert_true(k < s->n);
        assert_true(s->r[k].begin == b);
        assert_true(s->r[k].end == x);
        total += (uint64_t)(x - b);
        k++;
    }
    assert_int_equal(k, s->n);
    assert_true(tern_ranges_total(s) == total);
}

static void check_queries(const tern_ranges *s, const model *m, tt_rng *r)
{
    for (int64_t x = LO - 2; x < HI + 2; x++) {
        assert_int_equal(tern_ranges_contains(s, x), m_get(m, x));
        size_t want = 0;
        while (want < s->n && s->r[want].end <= x) want++;
        assert_int_equal(tern_ranges_lower(s, x), want);
    }
    for (int i = 0; i < 20; i++) {
        int64_t b = LO - 2 + (int64_t)tt_rng_below(r, HI - LO + 4);
        int64_t e = b + (int64_t)tt_rng_below(r, 60) - 5; /* sometimes empty or reversed */
        uint64_t want = 0;
        for (int64_t x = b; x < e; x++) want += m_get(m, x);
        assert_true(tern_ranges_overlap(s, b, e) == want);
    }
}

static void random_op(tern_ranges *s, model *m, const tern_mem *mem, tt_rng *r)
{
    int64_t b = (int64_t)tt_rng_below(r, DOM);
    /* mostly short ranges (many small pieces), sometimes long ones */
    int64_t len = tt_rng_below(r, 4) ? (int64_t)tt_rng_below(r, 8) : (int64_t)tt_rng_below(r, DOM);
    int64_t e = b + len > DOM ? DOM : b + len;
    switch (tt_rng_below(r, 10)) {
    case 0: /* trim */
        tern_ranges_trim_below(s, b);
        m_set(m, LO, b, false);
        break;
    case 1:
    case 2:
    case 3:
    case 4:
        assert_int_equal(tern_ranges_remove(s, mem, b, e), TERN_OK);
        m_set(m, b, e, false);
        break;
    default:
        assert_int_equal(tern_ranges_add(s, mem, b, e), TERN_OK);
        m_set(m, b, e, true);
        break;
    }
}

static void test_random_vs_bitmap(void **state)
{
    (void)state;
    cmem cm;
    cmem_init(&cm);
    for (unsigned seed = 0; seed < tt_seeds(300); seed++) {
        tt_rng r;
        tt_rng_seed(&r, 0x5a11 + seed);
        tern_ranges s;
        tern_ranges_init(&s);
        model m;
        memset(&m, 0, sizeof m);
        for (int op = 0; op < 300; op++) {
            random_op(&s, &m, &cm.mem, &r);
            check_same(&s, &m);
            if (op % 16 == 0) check_queries(&s, &m, &r);
        }
        check_queries(&s, &m, &r);
        tern_ranges_free(&s, &cm.mem);
        assert_int_equal(s.n, 0);
        assert_null(s.r);
    }
    assert_int_equal(cm.live, 0);
}

static void expect(const tern_ranges *s, const int64_t *pairs, size_t n)
{
    assert_int_equal(s->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(s->r[i].begin == pairs[2 * i]);
        assert_true(s->r[i].end == pairs[2 * i + 1]);
    }
}

static void test_edges(void **state)
{
    (void)state;
    cmem cm;
    cmem_init(&cm);
    const tern_mem *mem = &cm.mem;
    tern_ranges s;
    tern_ranges_init(&s);
    /* empty and reversed ranges are no-ops */
    assert_int_equal(tern_ranges_add(&s, mem, 5, 5), TERN_OK);
    assert_int_equal(tern_ranges_add(&s, mem, 6, 5), TERN_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(tern_ranges_remove(&s, mem, 0, 10), TERN_OK);
    assert_false(tern_ranges_contains(&s, 0));
    assert_int_equal(tern_ranges_lower(&s, 0), 0);

    /* touching ranges merge: [10,20) + [20,30) is one range */
    tern_ranges_add(&s, mem, 10, 20);
    tern_ranges_add(&s, mem, 20, 30);
    expect(&s, (const int64_t[]){10, 30}, 1);
    tern_ranges_add(&s, mem, 5, 10);
    expect(&s, (const int64_t[]){5, 30}, 1);
    /* a gap of one stays a gap */
    tern_ranges_add(&s, mem, 31, 40);
    expect(&s, (const int64_t[]){5, 30, 31, 40}, 2);
    /* one add swallowing several */
    tern_ranges_add(&s, mem, 50, 60);
    tern_ranges_add(&s, mem, 0, 55);
    expect(&s, (const int64_t[]){0, 60}, 1);

    /* a split in the middle */
    assert_int_equal(tern_ranges_remove(&s, mem, 20, 25), TERN_OK);
    expect(&s, (const int64_t[]){0, 20, 25, 60}, 2);
    assert_true(tern_ranges_overlap(&s, 15, 30) == 10);
    assert_true(tern_ranges_total(&s) == 55);
    /* removing exactly a range, and trimming edges */
    tern_ranges_remove(&s, mem, 0, 20);
    expect(&s, (const int64_t[]){25, 60}, 1);
    tern_ranges_remove(&s, mem, 20, 26);
    tern_ranges_remove(&s, mem, 59, 70);
    expect(&s, (const int64_t[]){26, 59}, 1);
    /* trim in the middle of a range and past everything */
    tern_ranges_trim_below(&s, 30);
    expect(&s, (const int64_t[]){30, 59}, 1);
    tern_ranges_trim_below(&s, 59);
    assert_int_equal(s.n, 0);

    /* values far from zero (stream positions are 64-bit) */
    int64_t big = INT64_C(1) << 48;
    tern_ranges_add(&s, mem, big, big + 10);
    tern_ranges_add(&s, mem, -big, -big + 10);
    assert_true(tern_ranges_contains(&s, big + 9));
    assert_false(tern_ranges_contains(&s, big + 10));
    assert_true(tern_ranges_contains(&s, -big));
    assert_true(tern_ranges_total(&s) == 20);
    tern_ranges_free(&s, mem);
    assert_int_equal(cm.live, 0);
}

/* Out of memory leaves the set exactly as it was. */
static void test_nomem_unchanged(void **state)
{
    (void)state;
    cmem cm;
    cmem_init(&cm);
    tern_ranges s;
    tern_ranges_init(&s);
    /* fill to capacity so that the next insert must grow */
    int64_t i = 0;
    do {
        assert_int_equal(tern_ranges_add(&s, &cm.mem, 10 * i, 10 * i + 5), TERN_OK);
        i++;
    } while (s.n < s.cap);
    size_t n = s.n;
    tern_range *copy = malloc(n * sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, s.r, n * sizeof *copy);

    cm.fail_in = 1;
    assert_int_equal(tern_ranges_add(&s, &cm.mem, 1000, 1005), TERN_NOMEM);
    assert_int_equal(s.n, n);
    assert_memory_equal(s.r, copy, n * sizeof *copy);
    cm.fail_in = 1;
    assert_int_equal(tern_ranges_remove(&s, &cm.mem, 11, 13), TERN_NOMEM); /* split */
    assert_int_equal(s.n, n);
    assert_memory_equal(s.r, copy, n * sizeof *copy);
    cm.fail_in = 0;
    /* a merge or a shrink needs no memory */
    assert_int_equal(tern_ranges_add(&s, &cm.mem, 5, 10), TERN_OK);
    assert_int_equal(s.n, n - 1);
    free(copy);
    tern_ranges_free(&s, &cm.mem);
    assert_int_equal(cm.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_vs_bitmap),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_nomem_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
