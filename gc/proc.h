/*
 * proc.h — threads (Go's Ms holding Ps): attach, detach, and what the
 * collector will add (safepoints, stopping the world).
 */
#ifndef GOMEM_GC_PROC_H
#define GOMEM_GC_PROC_H

#include <stdbool.h>

#include "gomem.h"

extern gm_config gmi_config;
bool gmi_is_inited(void);
/* at gm_shutdown: detach the caller; any other attached thread is misuse */
void gmi_proc_shutdown(void);

#endif
