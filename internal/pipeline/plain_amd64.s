//go:build amd64 && !purego

#include "textflag.h"

// func plainBlocks(s string) int
//
// A byte is plain when, as a signed byte, it is not below 0x20 (which
// catches both the control characters and every byte from 0x80 up) and is
// neither '"' nor '\\'. Each 16-byte half of a block is tested with
// PCMPGTB against 0x20 and two PCMPEQB, the three masks ORed; PMOVMSKB of
// both halves ORed is zero exactly when the block is plain.
TEXT ·plainBlocks(SB), NOSPLIT, $0-24
	MOVQ s_base+0(FP), SI
	MOVQ s_len+8(FP), CX
	XORQ AX, AX
	MOVQ $0x2020202020202020, DX
	MOVQ DX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x2222222222222222, DX
	MOVQ DX, X2
	PUNPCKLQDQ X2, X2
	MOVQ $0x5c5c5c5c5c5c5c5c, DX
	MOVQ DX, X3
	PUNPCKLQDQ X3, X3

loop:
	LEAQ 32(AX), DX
	CMPQ DX, CX
	JHI  done
	MOVOU (SI)(AX*1), X0
	MOVOU 16(SI)(AX*1), X7
	MOVO X1, X4
	PCMPGTB X0, X4 // 0x20 > byte, signed
	MOVO X0, X5
	PCMPEQB X2, X5
	PCMPEQB X3, X0
	POR X5, X4
	POR X0, X4
	MOVO X1, X8
	PCMPGTB X7, X8
	MOVO X7, X9
	PCMPEQB X2, X9
	PCMPEQB X3, X7
	POR X9, X8
	POR X7, X8
	POR X8, X4
	PMOVMSKB X4, BX
	TESTL BX, BX
	JNZ  done
	MOVQ DX, AX
	JMP  loop

done:
	MOVQ AX, ret+16(FP)
	RET
