#include "textflag.h"

// func wbEnabled() bool: the byte the compiler's barrier check loads
TEXT ·wbEnabled(SB), NOSPLIT, $0-1
	MOVBLZX	runtime·writeBarrier(SB), AX
	MOVB	AX, ret+0(FP)
	RET
