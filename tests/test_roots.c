/*
 * test_roots.c — what the collector scans as roots (gc/proc.c, gc/roots.c):
 * the stack ranges and spilled registers gmi_proc_for_each reports for
 * every attached thread, gmi_scan_words, and the root ranges of
 * gm_root_add / gm_root_remove, with their misuse.
 *
 * Threads never call ck_assert: they count what went wrong, and the main
 * thread asserts once on the counts (proc_util.h's waits are bounded).
 */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gc/proc.h"
#include "gc/roots.h"
#include "gomem.h"
#include "proc_util.h"

/* ---- what the collector scans -------------------------------------------------- */

typedef struct find_word {
	uintptr_t want;
	int found;
} find_word;

static void find_word_cb(uintptr_t w, void *ctx)
{
	find_word *f = ctx;
	f->found += w == f->want;
}

static bool range_has_word(uintptr_t lo, uintptr_t hi, uintptr_t want)
{
	find_word f = { .want = want };
	gmi_scan_words(lo, hi, find_word_cb, &f);
	return f.found > 0;
}

typedef struct stack_check {
	spinner *s;
	int n;
	const gmi_thread *self;
	uintptr_t self_local;
	int seen, self_seen, bad_range, no_secret, bad_regs;
} stack_check;

static void stack_check_one(gmi_thread *t, void *ctx)
{
	stack_check *c = ctx;
	uintptr_t lo, hi, rlo, rhi;
	gmi_thread_stack_range(t, &lo, &hi);
	gmi_thread_regs_range(t, &rlo, &rhi);
	/* every spilled word is scanned, nothing outside the record */
	c->bad_regs += !(t->regs.nframe > 0 && rlo <= (uintptr_t)&t->regs.frame[0] &&
			 (uintptr_t)&t->regs.frame[t->regs.nframe] <= rhi &&
			 rhi <= (uintptr_t)&t->regs + sizeof t->regs);
	if (t == c->self) {
		c->self_seen++;
		c->bad_range += !(lo <= c->self_local && c->self_local < hi);
		return;
	}
	for (int i = 0; i < c->n; i++) {
		if (atomic_load(&c->s[i].self) != t)
			continue;
		c->seen++;
		uintptr_t a = atomic_load(&c->s[i].local_addr);
		c->bad_range += !(lo <= a && a < hi);
		c->no_secret += !range_has_word(lo, hi, c->s[i].secret);
	}
}

START_TEST(for_each_reports_stacks_with_their_locals)
{
	enum { N = 3 };
	spinner s[N];
	spinners_start(s, N);
	volatile int main_local = 1;
	stack_check c = { .s = s, .n = N, .self = gmi_thread_current(),
			  .self_local = (uintptr_t)&main_local };
	gmi_stw_stop();
	size_t count = gmi_proc_count();
	gmi_proc_for_each(stack_check_one, &c);
	gmi_stw_start();
	spinners_stop(s, N, true);
	ck_assert_uint_eq(count, N + 1);
	ck_assert_int_eq(c.seen, N);
	ck_assert_int_eq(c.self_seen, 1);
	ck_assert_int_eq(c.bad_range, 0);
	ck_assert_int_eq(c.no_secret, 0);
	ck_assert_int_eq(c.bad_regs, 0);
}
END_TEST

START_TEST(scan_words_reads_aligned_words_inside)
{
	uintptr_t buf[8];
	for (int i = 0; i < 8; i++)
		buf[i] = (uintptr_t)i + 1;
	uintptr_t b = (uintptr_t)buf;
	find_word f = { .want = 0 };
	uintptr_t sum = 0;
	for (int want = 1; want <= 8; want++) {
		f.want = (uintptr_t)want;
		f.found = 0;
		gmi_scan_words(b + 1, b + sizeof buf - 1, find_word_cb, &f);
		sum += (uintptr_t)f.found << want; /* bits 2..7: words 1..6 */
	}
	ck_assert_uint_eq(sum, 0xfcu);
	ck_assert(!range_has_word(b, b + 7, 1)); /* no whole word inside */
	ck_assert(!range_has_word(b, b, 1));
	ck_assert(range_has_word(b, b + 8, 1));
}
END_TEST

/* ---- registers (x86-64): values held only in callee-saved registers --------- */

#if defined(__x86_64__)
#define MAGIC(k) (0x6d61676963000000ULL + (k))
#define MAGIC_STR(k) "0x6d6167696300000" #k

/* Call fns[0..2] in turn with a distinctive value in each callee-saved
 * register (rbx, rbp, r12..r15), as a caller that keeps pointers only in
 * registers does.  The jmp_buf alone would miss rbp (glibc mangles it). */
static void call_with_magic_registers(void (*const *fns)(void))
{
	__asm__ volatile(
		"mov %%rsp, %%rax\n\t"
		"sub $128, %%rsp\n\t" /* step over the red zone */
		"and $-16, %%rsp\n\t"
		"push %%rax\n\t"
		"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\t"
		"push %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"push %%rdi\n\t" /* 8 pushes: aligned for the calls */
		"movabs $" MAGIC_STR(1) ", %%rbx\n\t"
		"movabs $" MAGIC_STR(2) ", %%rbp\n\t"
		"movabs $" MAGIC_STR(3) ", %%r12\n\t"
		"movabs $" MAGIC_STR(4) ", %%r13\n\t"
		"movabs $" MAGIC_STR(5) ", %%r14\n\t"
		"movabs $" MAGIC_STR(6) ", %%r15\n\t"
		"mov (%%rsp), %%rax\n\tcall *(%%rax)\n\t"
		"mov (%%rsp), %%rax\n\tcall *8(%%rax)\n\t"
		"mov (%%rsp), %%rax\n\tcall *16(%%rax)\n\t"
		"pop %%rdi\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\t"
		"pop %%r12\n\tpop %%rbp\n\tpop %%rbx\n\t"
		"pop %%rsp\n\t"
		: "+D"(fns)
		:
		: "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc",
		  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

typedef struct regs_thread {
	atomic_int ready, holding, release;
	_Atomic(gmi_thread *) self;
	bool blocked; /* blocking region, or a safepoint */
} regs_thread;

static regs_thread *regs_current; /* one such test at a time */

static void regs_noop(void)
{
}

static void regs_hold(void)
{
	atomic_store(&regs_current->holding, 1);
	int64_t deadline = gmi_nanotime() + WAIT_NS;
	while (!atomic_load(&regs_current->release) && gmi_nanotime() < deadline)
		usleep(100);
}

static void *regs_thread_main(void *arg)
{
	regs_thread *r = arg;
	if (gm_thread_attach() != GM_OK)
		return NULL;
	atomic_store(&r->self, gmi_thread_current());
	atomic_store(&r->ready, 1);
	if (r->blocked) {
		void (*const fns[3])(void) = { gm_blocking_enter, regs_hold, gm_blocking_leave };
		call_with_magic_registers(fns);
	} else {
		/* wait for the stop request without polling, then park from
		 * the registers' owner */
		while (!__atomic_load_n(&gm_safepoint_pending_, __ATOMIC_SEQ_CST))
			sched_yield();
		void (*const fns[3])(void) = { regs_noop, gm_safepoint_slow_, regs_noop };
		call_with_magic_registers(fns);
	}
	gm_thread_detach();
	return NULL;
}

/* bit k set when MAGIC(k) is in t's spilled registers */
static unsigned magic_in_regs(const gmi_thread *t)
{
	uintptr_t lo, hi;
	gmi_thread_regs_range(t, &lo, &hi);
	unsigned bits = 0;
	for (int k = 1; k <= 6; k++)
		bits |= range_has_word(lo, hi, MAGIC(k)) ? 1u << k : 0;
	return bits;
}

static unsigned regs_scan_case(bool blocked)
{
	static regs_thread r;
	memset(&r, 0, sizeof r);
	r.blocked = blocked;
	regs_current = &r;
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, regs_thread_main, &r), 0);
	ck_assert(await_flag(&r.ready, 1));
	if (blocked)
		ck_assert(await_flag(&r.holding, 1));
	gmi_stw_stop();
	gmi_thread *t = atomic_load(&r.self);
	int st = gmi_thread_status(t);
	unsigned bits = magic_in_regs(t);
	gmi_stw_start();
	atomic_store(&r.release, 1);
	join_blocking(th);
	ck_assert_int_eq(st, blocked ? GMI_THREAD_BLOCKED : GMI_THREAD_PARKED);
	return bits;
}

START_TEST(registers_of_a_parked_thread_are_spilled)
{
	ck_assert_uint_eq(regs_scan_case(false), 0x7eu);
}
END_TEST

START_TEST(registers_of_a_blocked_thread_are_spilled)
{
	ck_assert_uint_eq(regs_scan_case(true), 0x7eu);
}
END_TEST
#endif

/* ---- root ranges ------------------------------------------------------------------ */

static uintptr_t root_a[4];
static uintptr_t root_b[8];

typedef struct root_list {
	uintptr_t lo[4], hi[4];
	int n;
} root_list;

static void root_list_add(uintptr_t lo, uintptr_t hi, void *ctx)
{
	root_list *l = ctx;
	if (l->n < 4) {
		l->lo[l->n] = lo;
		l->hi[l->n] = hi;
	}
	l->n++;
}

static root_list roots_now(void)
{
	root_list l = { .n = 0 };
	gmi_stw_stop();
	gmi_roots_for_each(root_list_add, &l);
	gmi_stw_start();
	return l;
}

START_TEST(root_ranges_add_report_remove)
{
	uintptr_t a = (uintptr_t)root_a, b = (uintptr_t)root_b;
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
	gm_root_add(root_b, sizeof root_b);
	gm_root_add(root_a, sizeof root_a);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof root_a + sizeof root_b);
	__atomic_store_n(&root_a[2], (uintptr_t)0x0123456789abcdefULL, __ATOMIC_RELAXED);
	root_list l = roots_now();
	ck_assert_int_eq(l.n, 2);
	/* in address order */
	int ia = a < b ? 0 : 1, ib = 1 - ia;
	ck_assert(l.lo[ia] == a && l.hi[ia] == a + sizeof root_a);
	ck_assert(l.lo[ib] == b && l.hi[ib] == b + sizeof root_b);
	ck_assert(range_has_word(l.lo[ia], l.hi[ia], 0x0123456789abcdefULL));
	gm_root_remove(root_a);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof root_b);
	l = roots_now();
	ck_assert_int_eq(l.n, 1);
	ck_assert(l.lo[0] == b && l.hi[0] == b + sizeof root_b);
	gm_root_add(root_a, 0); /* empty ranges are allowed, and removable */
	ck_assert_int_eq(roots_now().n, 2);
	gm_root_remove(root_a);
	gm_root_remove(root_b);
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
	ck_assert_int_eq(roots_now().n, 0);
}
END_TEST

START_TEST(root_ranges_many_and_adjacent)
{
	static uintptr_t table[64];
	/* adjacent ranges of one word each, added out of order */
	for (int i = 0; i < 64; i++)
		gm_root_add(&table[(i * 37) % 64], sizeof(uintptr_t));
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof table);
	for (int i = 0; i < 64; i += 2)
		gm_root_remove(&table[i]);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof table / 2);
	for (int i = 1; i < 64; i += 2)
		gm_root_remove(&table[i]);
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
}
END_TEST

/* roots registered before gm_init stay; gm_shutdown forgets them */
START_TEST(root_ranges_before_init_and_after_shutdown)
{
	gm_root_add(root_a, sizeof root_a);
	ck_assert_int_eq(gm_init(NULL), GM_OK);
	ck_assert_uint_eq(gmi_roots_bytes(), sizeof root_a);
	gm_shutdown();
	ck_assert_uint_eq(gmi_roots_bytes(), 0);
}
END_TEST

START_TEST(root_overlap_aborts)
{
	gm_root_add(root_b, sizeof root_b);
	gm_root_add(&root_b[7], 2 * sizeof(uintptr_t));
}
END_TEST

START_TEST(root_same_start_aborts)
{
	gm_root_add(root_a, 0);
	gm_root_add(root_a, sizeof root_a);
}
END_TEST

START_TEST(root_remove_unknown_aborts)
{
	gm_root_add(root_b, sizeof root_b);
	gm_root_remove(&root_b[1]);
}
END_TEST

static Suite *roots_suite(void)
{
	Suite *s = suite_create("roots");
	TCase *tc = tcase_create("roots");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, for_each_reports_stacks_with_their_locals);
	tcase_add_test(tc, scan_words_reads_aligned_words_inside);
#if defined(__x86_64__)
	tcase_add_test(tc, registers_of_a_parked_thread_are_spilled);
	tcase_add_test(tc, registers_of_a_blocked_thread_are_spilled);
#endif
	tcase_add_test(tc, root_ranges_add_report_remove);
	tcase_add_test(tc, root_ranges_many_and_adjacent);
	tcase_add_test_raise_signal(tc, root_overlap_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, root_same_start_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, root_remove_unknown_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	TCase *bare = tcase_create("no_fixture");
	tcase_set_timeout(bare, 120);
	tcase_add_test(bare, root_ranges_before_init_and_after_shutdown);
	suite_add_tcase(s, bare);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(roots_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
