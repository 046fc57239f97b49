/*
 * workbuf.h — grey-object work queues (Go's mgcwork.go and lfstack.go).
 *
 * A workbuf holds pointers to grey objects (or oblets of large ones).  Each
 * marking thread owns a gmi_gcwork, a pair of workbufs, so that most puts
 * and gets touch no shared memory; full buffers go to a global lock-free
 * list (work.full) for other marking threads to steal, empty ones to
 * another (work.empty).
 */
#ifndef GOMEM_GC_WORKBUF_H
#define GOMEM_GC_WORKBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2048 bytes: _WorkbufSize (mgcwork.go). */
#define GMI_WORKBUF_BYTES 2048

typedef struct gmi_workbuf {
	struct gmi_workbuf *next;  /* lfstack link (Go's lfnode.next) */
	uintptr_t pushcnt;         /* lfstack ABA counter (Go's lfnode.pushcnt) */
	size_t nobj;
	uintptr_t obj[(GMI_WORKBUF_BYTES - 3 * sizeof(uintptr_t)) / sizeof(uintptr_t)];
} gmi_workbuf;

#define GMI_WORKBUF_OBJS (sizeof(((gmi_workbuf *)0)->obj) / sizeof(uintptr_t))

/* Go's gcWork: owned by one thread.
 * inv:gcw-pair wbuf1 and wbuf2 are both NULL or both non-NULL */
typedef struct gmi_gcwork {
	gmi_workbuf *wbuf1, *wbuf2;
	uint64_t bytes_marked;     /* bytes of objects this gcWork blackened */
	uint64_t heap_scan_work;   /* bytes of heap scanned */
	bool flushed;              /* put buffers on the global list since reset */
} gmi_gcwork;

/* 512: wbBufEntries (mwbbuf.go, Go 1.21+): pointers per thread buffer. */
#define GMI_WBUF_ENTRIES 512

/* Go's wbBuf: a thread's write-barrier buffer of pointers to shade, filled
 * by gm_write's slow path and flushed in a batch (barrier.c).
 * inv:wbuf-range buf <= next <= buf + GMI_WBUF_ENTRIES; next == NULL
 *                before first use (treated as empty) */
typedef struct gmi_wbuf {
	uintptr_t *next;
	uintptr_t buf[GMI_WBUF_ENTRIES];
} gmi_wbuf;

/* Set up and tear down the global lists (gm_init / gm_shutdown). */
bool gmi_workbuf_init(void);
void gmi_workbuf_shutdown(void);

/* Go's gcWork.put: push a grey object.  Never fails (gets a new buffer from
 * the OS when no empty one is left; aborts with a clear message if the OS
 * refuses). */
void gmi_gcwork_put(gmi_gcwork *w, uintptr_t obj);
/* Go's gcWork.tryGet: a grey object, stealing a full buffer from the global
 * list when the pair is empty; 0 when there is no work anywhere. */
uintptr_t gmi_gcwork_tryget(gmi_gcwork *w);
/* Go's gcWork.tryGetFast: from wbuf1 only; 0 when it is empty. */
uintptr_t gmi_gcwork_tryget_fast(gmi_gcwork *w);
/* Go's gcWork.dispose: hand both buffers back (non-empty ones to the full
 * list, empty ones to the empty list). */
void gmi_gcwork_dispose(gmi_gcwork *w);
/* Go's gcWork.balance: if the global full list is empty, move some of this
 * thread's work there for idle markers. */
void gmi_gcwork_balance(gmi_gcwork *w);
/* true when wbuf1 and wbuf2 hold no objects */
bool gmi_gcwork_empty(const gmi_gcwork *w);
/* true when the global full list holds no buffer (Go's work.full == 0) */
bool gmi_work_full_empty(void);
/* number of full buffers on the global list (tests, debugging) */
size_t gmi_work_full_len(void);
/* bytes obtained from the OS for workbufs (MemStats gc_sys) */
size_t gmi_workbuf_sys_bytes(void);

#endif
