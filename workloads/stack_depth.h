/* stack_depth.h — deep mutator stacks under collection, for the workload
 * and its test. */
#ifndef GOMEM_WORKLOADS_STACK_DEPTH_H
#define GOMEM_WORKLOADS_STACK_DEPTH_H

#include <stddef.h>
#include <stdint.h>

/* Most frames a thread recurses: 1e6 frames of at most
 * GMB_STACK_FRAME_MAX bytes is a 256 MiB stack per thread. */
#define GMB_STACK_DEPTH_MAX 1000000
/* Bytes of stack to reserve per frame: the frames are under 100 bytes at
 * -O2 and under 200 at -O0; the rest is margin. */
#define GMB_STACK_FRAME_MAX 256
/* Most threads per run. */
#define GMB_STACK_THREADS_MAX 64

/* One run's work. */
typedef struct gmb_stack_depth {
	int threads;          /* mutator threads, 1 .. GMB_STACK_THREADS_MAX */
	long depth;           /* frames each recurses, 0 .. GMB_STACK_DEPTH_MAX */
	size_t garbage_bytes; /* each allocates this much at the bottom, in
			       * 64-byte objects, so that cycles run */
} gmb_stack_depth;

/* Check w: NULL when it is well formed, else a message naming the field,
 * its value and what is accepted. */
const char *gmb_stack_depth_invalid(const gmb_stack_depth *w, char *buf,
				    size_t n);

/* Run w once, from any thread (an attached caller waits for the threads
 * inside gm_blocking_enter/leave): start w->threads threads with stacks big enough,
 * each attaches, recurses w->depth frames (each frame holding gomem
 * pointers in locals: its own object and its caller's), allocates the
 * garbage, and checks every frame's object on the way back up.  Returns
 * the number of frames whose object was overwritten or lost (0 when the
 * collector kept every stack root), or -1 with a message in err when a
 * thread could not be started. */
long gmb_stack_depth_run(const gmb_stack_depth *w, char *err, size_t errlen);

#endif
