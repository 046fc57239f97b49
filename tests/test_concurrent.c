/*
 * test_concurrent.c — the concurrent collector keeps every reachable object
 * while mutators run inside the mark phase: the lost-object races that each
 * write barrier prevents, stacks scanned by their owner or by a worker while
 * the thread is blocked, threads that attach and detach mid-mark, and
 * gm_memmove (Go's typedmemmove), which copies pointers under the barrier.
 *
 *   hidden_object_*          a pointer moves heap -> stack -> black object
 *                            (deletion shade, or Dijkstra's insertion);
 *                            *_in_black_stack keeps it on a scanned stack
 *                            until the cycle ends (deletion shade, or
 *                            Dijkstra's re-scan)
 *   stack_object_published_* a stack-only object goes into a black object
 *                            (insertion shade, or Yuasa's snapshot)
 *   object_held_by_blocked_thread   a blocked thread's stack is scanned
 *   attach_detach_during_mark       a detaching thread hands over its greys
 *   checkmark_ignores_words_gained_after_the_scan   a dead word a stack
 *                            gains after its scan is no lost object
 *   memmove_*                gm_memmove == memmove, barrier off and on
 * The stress test, threads rewriting one shared graph while cycles run,
 * is test_concurrent_graph.c; the helpers both use, concurrent_util.h.
 *
 * tests/CMakeLists.txt runs this suite once per collector (GOMEM_COLLECTOR=
 * hybrid, stw, dijkstra, yuasa; read by gm_config_default) with
 * GODEBUG=gccheckmark=1; setup also asks for checkmark and turns on the
 * heap verifier (gmi_heapcheck_enabled), so every mark termination throws
 * on a reachable white object.  That throw is the main way these tests
 * fail; the checksums read afterwards catch a lost object whose slot was
 * reused, and the counts catch one that vanished from the graph.
 *
 * The mark phase is held open with gmi_gc_hold_mark and
 * gmi_gc_start_async.  Under GM_STW (and while the concurrent modes still
 * run the stop-the-world cycle) start_async returns after a whole cycle and
 * the phase is already OFF: the same steps then run with no cycle marking,
 * so the "during marking" precondition is vacuous but the code paths are
 * the same.  Nothing is asserted that only holds when marking is open.
 *
 * Not a benchmark: fixed seeds, fixed work.  Node work happens in noinline
 * helpers so that dead pointers fall below the stack pointer (stacks are
 * scanned conservatively; see test_gc.c).  Objects are reachable only
 * through gomem roots (attached stacks, gm_root_add ranges, heap objects).
 * Attached threads wrap every blocking call in gm_blocking_enter/leave.
 */
#include "concurrent_util.h"

/* ---- (b) the hidden object --------------------------------------------- */

enum { NHIDE = 2048, CHAIN = 20000 };

/* Roots of the hidden-object tests: [0] the destination array (a root
 * range is scanned among the first jobs: it turns black early), [1] the
 * head of a long chain whose tail holds the source array (reached late),
 * [2] a node whose kid[0] receives the single hidden object. */
static void *hide_roots[3];

/* a chain of n nodes ending in a node whose kid[1] holds tail_obj */
static NOINLINE node *make_chain(int n, void *tail_obj)
{
	node *head = node_new(0), *prev = head;
	for (int i = 1; i < n; i++) {
		node *x = node_new((uint64_t)i);
		gm_write((void **)&prev->kid[0], x);
		prev = x;
	}
	gm_write((void **)&prev->kid[1], tail_obj);
	return head;
}

static NOINLINE node **make_sources(void)
{
	node **src = gm_new_array(ptr_t, NHIDE + 1); /* [NHIDE]: the single one */
	for (int i = 0; i <= NHIDE; i++)
		gm_write((void **)&src[i], node_new(5000000 + (uint64_t)i));
	return src;
}

/* The lost-object race.  With marking open, every pointer of src moves to
 * this frame (the only references), src is cleared (through gm_write, or
 * gm_memmove from an array of NULLs), the thread allocates and passes
 * safepoints while the workers turn dst black, then the pointers go into
 * dst and this frame forgets them.  No barrier: dst is black and never
 * rescanned, src no longer holds them, the stack may have been scanned
 * before the load (hybrid) or is rescanned after the frame forgot them
 * (Dijkstra): they are freed while reachable.  The hybrid and Yuasa
 * barriers shade them at the delete, Dijkstra's at the insert.
 * With through_cycle, the thread first passes a safepoint (the hybrid
 * collector has it scan its own stack there: black from then on) and keeps
 * the pointers in this frame until the cycle has ended: only the deletion
 * shade (hybrid, Yuasa) or the re-scan at mark termination (Dijkstra)
 * keeps them. */
static NOINLINE void hide_and_publish(node **src, node **dst, node *single_dst,
				      const void *nulls, bool via_memmove,
				      bool through_cycle)
{
	node *hidden[NHIDE];
	node *volatile *vh = hidden;
	if (through_cycle)
		gm_safepoint();
	node *one = src[NHIDE]; /* a register or stack slot across the churn */
	for (int i = 0; i < NHIDE; i++)
		vh[i] = src[i];
	gm_write((void **)&src[NHIDE], NULL);
	if (via_memmove)
		gm_memmove(ptr_t, src, nulls, NHIDE);
	else
		for (int i = 0; i < NHIDE; i++)
			gm_write((void **)&src[i], NULL);
	churn(30000);
	if (through_cycle)
		mark_close();
	if (via_memmove)
		gm_memmove(ptr_t, dst, hidden, NHIDE);
	else
		for (int i = 0; i < NHIDE; i++)
			gm_write((void **)&dst[i], vh[i]);
	gm_write((void **)&single_dst->kid[0], one);
	for (int i = 0; i < NHIDE; i++)
		vh[i] = NULL;
}

static NOINLINE long count_hidden_bad(node **src, node **dst, const node *single_dst)
{
	long bad = 0;
	for (int i = 0; i < NHIDE; i++)
		bad += src[i] != NULL || !node_is(dst[i], 5000000 + (uint64_t)i);
	bad += src[NHIDE] != NULL || !node_is(single_dst->kid[0], 5000000 + NHIDE);
	return bad;
}

/* src's address, masked so that no stack or register holds it as a
 * pointer: src stays reachable through the chain only, and is reached late
 * (a plain copy here would make it a root, scanned with the stack) */
#define SRC_MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

/* builds dst, single_dst, the sources and the chain under hide_roots */
static NOINLINE uintptr_t make_hidden_graph(void)
{
	hide_roots[0] = gm_new_array(ptr_t, NHIDE);
	hide_roots[2] = node_new(1);
	node **src = make_sources();
	hide_roots[1] = make_chain(CHAIN, src);
	return (uintptr_t)src ^ SRC_MASK;
}

static void hidden_object(bool via_memmove, bool through_cycle)
{
	gm_root_add(hide_roots, sizeof hide_roots);
	void *volatile nulls = gm_new_array(ptr_t, NHIDE);
	uintptr_t src_masked = make_hidden_graph();

	uint32_t gc0 = num_gc();
	mark_open(); /* under GM_STW the race below runs with no cycle marking */
	hide_and_publish((node **)(src_masked ^ SRC_MASK), hide_roots[0], hide_roots[2],
			 nulls, via_memmove, through_cycle);
	churn(30000);
	mark_close(); /* through_cycle: closed already */
	gm_gc();
	churn(60000); /* reuse whatever was freed */
	gm_gc();
	ck_assert_uint_ge(num_gc(), gc0 + 2);

	long bad = count_hidden_bad((node **)(src_masked ^ SRC_MASK), hide_roots[0],
				    hide_roots[2]);
	ck_assert_int_eq(bad, 0);
}

START_TEST(hidden_object_survives_write)
{
	hidden_object(false, false);
}
END_TEST

START_TEST(hidden_object_survives_memmove)
{
	hidden_object(true, false);
}
END_TEST

START_TEST(hidden_object_survives_cycle_in_black_stack)
{
	hidden_object(false, true);
}
END_TEST

START_TEST(hidden_object_survives_cycle_in_black_stack_memmove)
{
	hidden_object(true, true);
}
END_TEST

/* The converse race: objects allocated before the cycle, held only by this
 * frame, go into dst (black by now, if the workers got to it while this
 * thread spun without a safepoint, its own stack still unscanned) and the
 * frame forgets them before its stack is scanned.  Dijkstra's barrier and
 * the hybrid's insertion half shade them at the insert; Yuasa scanned every
 * stack in the first stop. */
static NOINLINE void publish_from_stack(node **dst, bool via_memmove)
{
	node *held[NHIDE];
	node *volatile *vh = held;
	for (int i = 0; i < NHIDE; i++)
		vh[i] = node_new(6000000 + (uint64_t)i);
	mark_open(); /* under GM_STW: no cycle marking from here on */
	for (volatile int spin = 0; spin < 2000000; spin = spin + 1)
		; /* no safepoint: let the workers blacken dst first */
	if (via_memmove)
		gm_memmove(ptr_t, dst, held, NHIDE);
	else
		for (int i = 0; i < NHIDE; i++)
			gm_write((void **)&dst[i], vh[i]);
	for (int i = 0; i < NHIDE; i++)
		vh[i] = NULL;
}

static void stack_object_published(bool via_memmove)
{
	gm_root_add(hide_roots, sizeof hide_roots);
	hide_roots[0] = gm_new_array(ptr_t, NHIDE);
	uint32_t gc0 = num_gc();
	publish_from_stack(hide_roots[0], via_memmove);
	churn(30000);
	mark_close();
	gm_gc();
	churn(60000); /* reuse whatever was freed */
	gm_gc();
	ck_assert_uint_ge(num_gc(), gc0 + 2);
	node **dst = hide_roots[0];
	long bad = 0;
	for (int i = 0; i < NHIDE; i++)
		bad += !node_is(dst[i], 6000000 + (uint64_t)i);
	ck_assert_int_eq(bad, 0);
}

START_TEST(stack_object_published_by_write)
{
	stack_object_published(false);
}
END_TEST

START_TEST(stack_object_published_by_memmove)
{
	stack_object_published(true);
}
END_TEST

/* ---- (c) an object held only by a blocked thread ----------------------- */

enum { TREE_DEPTH = 7 }; /* 127 nodes */

static NOINLINE node *make_tree(int depth, uint64_t *id)
{
	node *n = node_new((*id)++);
	if (depth > 1) {
		gm_write((void **)&n->kid[0], make_tree(depth - 1, id));
		gm_write((void **)&n->kid[1], make_tree(depth - 1, id));
	}
	return n;
}

/* nodes under n that are intact and numbered in make_tree's order */
static NOINLINE long tree_ok(const node *n, int depth, uint64_t *id)
{
	if (n == NULL || !node_is(n, (*id)++))
		return 0;
	long ok = 1;
	if (depth > 1) {
		ok += tree_ok(n->kid[0], depth - 1, id);
		ok += tree_ok(n->kid[1], depth - 1, id);
	}
	return ok;
}

typedef struct blocked_ctx {
	node *box;            /* heap object that receives the tree: kid[0] */
	atomic_int blocked;   /* the thread is in its blocking region */
	atomic_int go;        /* main: leave the region and publish */
	atomic_int published;
} blocked_ctx;

static NOINLINE void publish_tree(blocked_ctx *c, node *tree)
{
	gm_write((void **)&c->box->kid[0], tree);
}

static void *blocked_main(void *arg)
{
	blocked_ctx *c = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	uint64_t id = 7000000;
	node *volatile tree = make_tree(TREE_DEPTH, &id); /* white: before the cycle */
	gm_blocking_enter();
	atomic_store_explicit(&c->blocked, 1, memory_order_release);
	while (!atomic_load_explicit(&c->go, memory_order_acquire)) {
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	gm_blocking_leave();
	publish_tree(c, tree);
	tree = NULL;
	atomic_store_explicit(&c->published, 1, memory_order_release);
	churn(2000);
	gm_thread_detach();
	return NULL;
}

/* A thread holds a fresh tree only in its stack and blocks.  A whole cycle
 * marks and completes meanwhile (a worker, or the stop, must scan the
 * blocked thread's stack; gm_blocking_enter may also scan it itself).
 * Then, inside a second cycle's mark phase, the thread leaves its region
 * and publishes the tree into a heap object. */
START_TEST(object_held_by_blocked_thread_survives)
{
	/* on this (scanned) stack: c.box is a root */
	blocked_ctx ctx = { .box = node_new(1) }, *c = &ctx;
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, blocked_main, c), 0);
	wait_flag(&c->blocked);

	uint32_t gc0 = num_gc();
	mark_open();
	churn(20000);
	mark_close();
	gm_gc();
	churn(60000); /* reuse whatever was freed */
	ck_assert_uint_ge(num_gc(), gc0 + 2);

	mark_open(); /* the tree is published while this cycle marks */
	atomic_store_explicit(&c->go, 1, memory_order_release);
	wait_flag(&c->published);
	churn(20000);
	mark_close();
	join(th);
	gm_gc();
	churn(60000);
	gm_gc();

	uint64_t id = 7000000;
	ck_assert_int_eq(tree_ok(c->box->kid[0], TREE_DEPTH, &id), (1 << TREE_DEPTH) - 1);
}
END_TEST

/* ---- (d) threads that attach and detach mid-mark ----------------------- */

enum { NMOVE = 3072, MOVERS = 3, ROUNDS = 4 };

typedef struct mover {
	node **from, **to, **fresh; /* heap arrays of NMOVE slots */
	int lo, hi;
} mover;

/* move from[i] to to[i] (the only reference in a register between the
 * delete and the insert) and allocate fresh[i] */
static NOINLINE void move_range(mover *m, int lo, int hi)
{
	for (int i = lo; i < hi; i++) {
		node *h = m->from[i];
		gm_write((void **)&m->from[i], NULL);
		gm_write((void **)&m->fresh[i], node_new(8000000 + (uint64_t)i));
		gm_write((void **)&m->to[i], h);
		if (i % 32 == 0)
			gm_safepoint();
	}
}

/* attach, move a quarter, detach, ROUNDS times: a thread detaching right
 * after barrier writes must hand its grey objects to the collector */
static void *mover_main(void *arg)
{
	mover *m = arg;
	int step = (m->hi - m->lo + ROUNDS - 1) / ROUNDS;
	for (int lo = m->lo; lo < m->hi; lo += step) {
		if (gm_thread_attach() != GM_OK)
			return NULL;
		move_range(m, lo, lo + step < m->hi ? lo + step : m->hi);
		gm_thread_detach();
	}
	return NULL;
}

static NOINLINE void fill_from(node **from)
{
	for (int i = 0; i < NMOVE; i++)
		gm_write((void **)&from[i], node_new(9000000 + (uint64_t)i));
}

START_TEST(attach_detach_during_mark_keeps_objects)
{
	node **volatile from = gm_new_array(ptr_t, NMOVE);
	node **volatile to = gm_new_array(ptr_t, NMOVE);
	node **volatile fresh = gm_new_array(ptr_t, NMOVE);
	fill_from(from);
	mover m[MOVERS];
	pthread_t th[MOVERS];

	uint32_t gc0 = num_gc();
	mark_open(); /* under GM_STW the threads come and go with no cycle marking */
	for (int k = 0; k < MOVERS; k++) {
		m[k] = (mover){ from, to, fresh, k * NMOVE / MOVERS, (k + 1) * NMOVE / MOVERS };
		ck_assert_int_eq(pthread_create(&th[k], NULL, mover_main, &m[k]), 0);
	}
	for (int k = 0; k < MOVERS; k++)
		join(th[k]);
	churn(10000);
	mark_close();
	gm_gc();
	churn(60000);
	gm_gc();
	ck_assert_uint_ge(num_gc(), gc0 + 2);

	long bad = 0;
	for (int i = 0; i < NMOVE; i++)
		bad += from[i] != NULL || !node_is(to[i], 9000000 + (uint64_t)i) ||
		       !node_is(fresh[i], 8000000 + (uint64_t)i);
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---- (e) the checkmark's stack roots ---------------------------------- */

/* A conservative stack also gains, after its scan, words that are no
 * pointers the program holds: a slot of a frame pushed since, that nothing
 * wrote yet, keeps what earlier code left there (seen under
 * ThreadSanitizer at -O0: the address of a churned node, white and dead).
 * The checkmark holds the collector to the stack as its scan saw it
 * (heapcheck.c, check_thread), so such a word is no reachable white
 * object.  Here the word is made on purpose: the address of a dead node,
 * kept disguised through the scan, revealed into this frame after it, and
 * still there at mark termination (under GM_DIJKSTRA the re-scan at
 * termination marks it; under GM_STW no mark is open). */
#define DEAD_MASK ((uintptr_t)0xa5a5a5a5a5a5a5a5ull)

static NOINLINE uintptr_t dead_node_disguised(void)
{
	return (uintptr_t)node_new(77) ^ DEAD_MASK;
}

START_TEST(checkmark_ignores_words_gained_after_the_scan)
{
	uintptr_t disguised = dead_node_disguised(); /* white once the cycle starts */
	bool open = mark_open();
	gm_safepoint(); /* our own stack scan */
	if (open)
		ck_assert(!gmi_mark_wants_stack(gmi_thread_current()));
	volatile uintptr_t revealed = disguised ^ DEAD_MASK;
	mark_close(); /* the checkmark: before the fix it threw here */
	ck_assert_uint_ne(revealed, 0); /* the word stayed in the frame */
}
END_TEST

/* ---- (f) gm_memmove is memmove --------------------------------------- */

enum { NELEM = 64, NKEEP = 32, MOVES = 400 };

/* a type of `size` bytes with pointer slots at offs[0, nptrs) */
typedef struct mtype {
	const char *name;
	size_t size;
	size_t offs[2];
	size_t nptrs;
} mtype;

static const mtype mtypes[] = {
	{ "ptr", 8, { 0 }, 1 },
	{ "pair", 16, { 0 }, 1 },
	{ "trio", 24, { 0, 16 }, 2 },
	{ "big", 528, { 8, 520 }, 2 }, /* over 512 bytes: a header per object */
	{ "odd12", 12, { 0 }, 0 },      /* noscan, not a multiple of 8 */
	{ "byte", 1, { 0 }, 0 },
};

static bool mtype_is_ptr(const mtype *mt, size_t off)
{
	for (size_t i = 0; i < mt->nptrs; i++)
		if (mt->offs[i] == off)
			return true;
	return false;
}

/* fill arr (a gomem array) with random data and, in pointer slots, nodes
 * from keep or NULL */
static NOINLINE void mfill(const mtype *mt, char *arr, node **keep, uint64_t *seed)
{
	for (size_t off = 0; off < mt->size * NELEM; off++)
		if (!mtype_is_ptr(mt, (off % mt->size) & ~(size_t)7))
			arr[off] = (char)rnd(seed);
	for (size_t e = 0; e < NELEM; e++)
		for (size_t i = 0; i < mt->nptrs; i++) {
			uint64_t r = rnd(seed) % (NKEEP + 1);
			gm_write((void **)(arr + e * mt->size + mt->offs[i]),
				 r == NKEEP ? NULL : keep[r]);
		}
}

/* One copy of n elements from src to dst, both in arrays of NELEM; the
 * first moves are the edge cases, then random ones. */
static void mmove_pick(int k, uint64_t *seed, size_t *d, size_t *s, size_t *n)
{
	static const size_t edge[][3] = {
		{ 0, 0, NELEM },         /* onto itself */
		{ 1, 0, NELEM - 1 },     /* overlap, dst above src */
		{ 0, 1, NELEM - 1 },     /* overlap, dst below src */
		{ 3, 5, 0 },             /* nothing */
		{ 10, 7, 20 },           /* short overlaps */
		{ 7, 10, 20 },
		{ NELEM - 1, 0, 1 },
		{ 0, NELEM - 1, 1 },
	};
	int nedge = (int)(sizeof edge / sizeof edge[0]);
	if (k < nedge) {
		*d = edge[k][0], *s = edge[k][1], *n = edge[k][2];
		return;
	}
	*d = rnd(seed) % NELEM;
	*s = rnd(seed) % NELEM;
	size_t room = NELEM - (*d > *s ? *d : *s);
	*n = rnd(seed) % (room + 1);
}

/* MOVES copies within one array and from a second one, each checked
 * against memmove on a malloc'd mirror of the bytes; mismatching copies */
static NOINLINE long mmove_check(const mtype *mt, node **keep, uint64_t seed)
{
	const gm_type *t = gm_type_new(mt->name, mt->size, mt->offs, mt->nptrs);
	size_t bytes = mt->size * NELEM;
	char *a = gm_new_array(t, NELEM), *b = gm_new_array(t, NELEM);
	mfill(mt, a, keep, &seed);
	mfill(mt, b, keep, &seed);
	char *ma = malloc(bytes), *mb = malloc(bytes);
	memcpy(ma, a, bytes);
	memcpy(mb, b, bytes);
	long bad = 0;
	for (int k = 0; k < MOVES; k++) {
		size_t d, s, n;
		mmove_pick(k / 2, &seed, &d, &s, &n);
		const char *from = k % 2 ? b : a;
		gm_memmove(t, a + d * mt->size, from + s * mt->size, n);
		memmove(ma + d * mt->size, (k % 2 ? mb : ma) + s * mt->size, n * mt->size);
		bad += memcmp(a, ma, bytes) != 0 || memcmp(b, mb, bytes) != 0;
	}
	/* every pointer slot still holds a kept node or NULL */
	for (size_t e = 0; e < NELEM; e++)
		for (size_t off = 0; off < mt->size; off += 8)
			if (mtype_is_ptr(mt, off)) {
				node *p = *(node **)(a + e * mt->size + off);
				bad += p != NULL && !node_ok(p);
			}
	free(ma);
	free(mb);
	return bad;
}

static NOINLINE node **make_keep(void)
{
	node **keep = gm_new_array(ptr_t, NKEEP);
	for (int i = 0; i < NKEEP; i++)
		gm_write((void **)&keep[i], node_new(100 + (uint64_t)i));
	return keep;
}

static long mmove_all_types(node **keep)
{
	long bad = 0;
	for (size_t i = 0; i < sizeof mtypes / sizeof mtypes[0]; i++)
		bad += mmove_check(&mtypes[i], keep, 0x5eed0000u + i);
	return bad;
}

START_TEST(memmove_matches_memmove)
{
	gm_set_gc_percent(GM_GOGC_OFF); /* no cycle runs in this test */
	node **volatile keep = make_keep();
	ck_assert_int_eq(mmove_all_types(keep), 0);
	ck_assert_uint_eq(num_gc(), 0);
}
END_TEST

/* The same with the barrier on (under GM_STW: off, as above). */
START_TEST(memmove_during_mark_matches_memmove)
{
	node **volatile keep = make_keep();
	mark_open();
	long bad = mmove_all_types(keep);
	mark_close();
	gm_gc();
	for (int i = 0; i < NKEEP; i++)
		bad += !node_is(keep[i], 100 + (uint64_t)i);
	ck_assert_int_eq(bad, 0);
}
END_TEST

static Suite *concurrent_suite(void)
{
	Suite *s = suite_create("concurrent");
	TCase *tb = tcase_create("barriers");
	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_set_timeout(tb, 300);
	tcase_add_test(tb, hidden_object_survives_write);
	tcase_add_test(tb, hidden_object_survives_memmove);
	tcase_add_test(tb, hidden_object_survives_cycle_in_black_stack);
	tcase_add_test(tb, hidden_object_survives_cycle_in_black_stack_memmove);
	tcase_add_test(tb, stack_object_published_by_write);
	tcase_add_test(tb, stack_object_published_by_memmove);
	tcase_add_test(tb, object_held_by_blocked_thread_survives);
	tcase_add_test(tb, attach_detach_during_mark_keeps_objects);
	tcase_add_test(tb, checkmark_ignores_words_gained_after_the_scan);
	suite_add_tcase(s, tb);

	TCase *tm = tcase_create("memmove");
	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_set_timeout(tm, 300);
	tcase_add_test(tm, memmove_matches_memmove);
	tcase_add_test(tm, memmove_during_mark_matches_memmove);
	suite_add_tcase(s, tm);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(concurrent_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
