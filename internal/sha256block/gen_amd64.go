//go:build ignore

// gen_amd64.go holds the writer of block_amd64.s; gen.go runs it
// (`go generate` in this directory).
package main

import "fmt"

// shaniLane names the registers one message stream uses on SHA-NI: the state
// as ABEF and CDGH, and the four registers of the message schedule.
type shaniLane struct {
	abef, cdgh string
	sched      [4]string
	src        string // register holding the address of the next block
	mask       string // byte-swap mask: a register, or a memory operand
}

// shaniGroup returns the instructions of rounds 4g..4g+3 for one lane: X0
// carries message words plus constants (SHA256RNDS2's implicit operand) and
// X7 is scratch, both free again when the group ends, so two lanes can share
// them group by group.
func shaniGroup(l shaniLane, g int) []string {
	var s []string
	e := func(format string, args ...any) { s = append(s, fmt.Sprintf(format, args...)) }
	cur, prev, next := l.sched[g%4], l.sched[(g+3)%4], l.sched[(g+1)%4]
	if g < 4 {
		e("MOVOU %d(%s), X0", 16*g, l.src)
		e("PSHUFB %s, X0", l.mask)
		e("MOVO X0, %s", cur)
	} else {
		e("MOVO %s, X0", cur)
	}
	e("PADDL %d(AX), X0", 16*g)
	e("SHA256RNDS2 X0, %s, %s", l.abef, l.cdgh)
	if g >= 3 && g <= 14 { // schedule words for rounds 4g+4 on
		e("MOVO %s, X7", cur)
		e("PALIGNR $4, %s, X7", prev)
		e("PADDL X7, %s", next)
		e("SHA256MSG2 %s, %s", cur, next)
	}
	e("PSHUFD $0x0e, X0, X0")
	e("SHA256RNDS2 X0, %s, %s", l.cdgh, l.abef)
	if g >= 1 && g <= 12 { // first half of the schedule for rounds 4g+12 on
		e("SHA256MSG1 %s, %s", cur, prev)
	}
	return s
}

// toABEF loads the state at h (DCBA, HGFE in memory) into abef and cdgh
// through X7.
func toABEF(w func(string, ...any), h, abef, cdgh string) {
	w("\tMOVOU (%s), %s", h, abef)
	w("\tMOVOU 16(%s), %s", h, cdgh)
	w("\tPSHUFD $0xb1, %s, %s", abef, abef)
	w("\tPSHUFD $0x1b, %s, %s", cdgh, cdgh)
	w("\tMOVO %s, X7", abef)
	w("\tPALIGNR $8, %s, %s", cdgh, abef)
	w("\tPBLENDW $0xf0, X7, %s", cdgh)
}

// fromABEF stores abef and cdgh back to h as DCBA, HGFE, through X7.
func fromABEF(w func(string, ...any), h, abef, cdgh string) {
	w("\tPSHUFD $0x1b, %s, %s", abef, abef)
	w("\tPSHUFD $0xb1, %s, %s", cdgh, cdgh)
	w("\tMOVO %s, X7", abef)
	w("\tPBLENDW $0xf0, %s, %s", cdgh, abef)
	w("\tPALIGNR $8, X7, %s", cdgh)
	w("\tMOVOU %s, (%s)", abef, h)
	w("\tMOVOU %s, 16(%s)", cdgh, h)
}

func genAMD64() {
	a := newAsm("amd64")
	w := a.w
	w("// blockSHANI(h *[8]uint32, p []byte): the SHA-256 compression function on")
	w("// the SHA extensions, structured as in Intel's description of them (\"Intel")
	w("// SHA Extensions\", 2013): the state is held as ABEF and CDGH in two")
	w("// registers, each SHA256RNDS2 does two rounds with message words plus")
	w("// constants in X0, and SHA256MSG1/MSG2 extend the schedule four words at a")
	w("// time.")
	w("//")
	w("// Registers: X0 message words + K (implicit operand of SHA256RNDS2),")
	w("// X1 ABEF, X2 CDGH, X3-X6 message schedule, X7 temporary, X8 byte-swap")
	w("// mask, X9/X10 the state at the start of the block.")
	w("TEXT ·blockSHANI(SB), NOSPLIT, $0-32")
	w("\tMOVQ h+0(FP), DI")
	w("\tMOVQ p_base+8(FP), SI")
	w("\tMOVQ p_len+16(FP), DX")
	w("\tSHRQ $6, DX")
	w("\tSHLQ $6, DX")
	w("\tJEQ done")
	w("\tADDQ SI, DX")
	w("\tLEAQ kTable<>(SB), AX")
	w("\tMOVOU flipMask<>(SB), X8")
	w("\t// DCBA, HGFE -> ABEF, CDGH")
	toABEF(w, "DI", "X1", "X2")
	w("")
	w("loop:")
	w("\tMOVO X1, X9")
	w("\tMOVO X2, X10")
	one := shaniLane{abef: "X1", cdgh: "X2", sched: [4]string{"X3", "X4", "X5", "X6"}, src: "SI", mask: "X8"}
	for g := range 16 {
		w("\t// rounds %d-%d", 4*g, 4*g+3)
		for _, ins := range shaniGroup(one, g) {
			w("\t%s", ins)
		}
	}
	w("\tPADDL X9, X1")
	w("\tPADDL X10, X2")
	w("\tADDQ $64, SI")
	w("\tCMPQ SI, DX")
	w("\tJNE loop")
	w("")
	w("\t// ABEF, CDGH -> DCBA, HGFE")
	fromABEF(w, "DI", "X1", "X2")
	w("")
	w("done:")
	w("\tRET")
	w("")
	genAMD64x2(a)
	a.kTable()
	w("")
	w("// PSHUFB mask that turns each big-endian message word little-endian.")
	w("DATA flipMask<>+0(SB)/8, $0x0405060700010203")
	w("DATA flipMask<>+8(SB)/8, $0x0c0d0e0f08090a0b")
	w("GLOBL flipMask<>(SB), RODATA|NOPTR, $16")
	a.write("block_amd64.s")
}

// genAMD64x2 writes blockSHANI2, two messages in one pass: the rounds of the
// two lanes alternate group by group, so that while one lane's SHA256RNDS2
// waits for the previous one (each depends on the last), the other lane's
// can issue.
func genAMD64x2(a *asmFile) {
	w := a.w
	w("// blockSHANI2(h0, h1 *[8]uint32, p0, p1 []byte): blockSHANI on two")
	w("// independent streams at once, len(p0) == len(p1) (the caller checks).")
	w("// SHA256RNDS2 is latency-bound and each depends on the one before it in")
	w("// the same stream, so the groups of four rounds of the two streams")
	w("// alternate and the core overlaps them. Both lanes use X0 (the implicit")
	w("// operand) and X7 (scratch) in turn: each group leaves them free.")
	w("//")
	w("// Registers: X1/X2 lane 0's ABEF/CDGH, X3-X6 its schedule; X9/X10 and")
	w("// X11-X14 the same for lane 1; X8 the byte-swap mask. The states at the")
	w("// start of the block are saved on the stack (no register is left).")
	w("TEXT ·blockSHANI2(SB), NOSPLIT, $64-64")
	w("\tMOVQ h0+0(FP), DI")
	w("\tMOVQ h1+8(FP), R8")
	w("\tMOVQ p0_base+16(FP), SI")
	w("\tMOVQ p0_len+24(FP), DX")
	w("\tMOVQ p1_base+40(FP), BX")
	w("\tSHRQ $6, DX")
	w("\tSHLQ $6, DX")
	w("\tJEQ done2")
	w("\tADDQ SI, DX")
	w("\tLEAQ kTable<>(SB), AX")
	w("\tMOVOU flipMask<>(SB), X8")
	w("\t// DCBA, HGFE -> ABEF, CDGH")
	toABEF(w, "DI", "X1", "X2")
	toABEF(w, "R8", "X9", "X10")
	w("")
	w("loop2:")
	w("\tMOVOU X1, 0(SP)")
	w("\tMOVOU X2, 16(SP)")
	w("\tMOVOU X9, 32(SP)")
	w("\tMOVOU X10, 48(SP)")
	l0 := shaniLane{abef: "X1", cdgh: "X2", sched: [4]string{"X3", "X4", "X5", "X6"}, src: "SI", mask: "X8"}
	l1 := shaniLane{abef: "X9", cdgh: "X10", sched: [4]string{"X11", "X12", "X13", "X14"}, src: "BX", mask: "X8"}
	for g := range 16 {
		w("\t// rounds %d-%d, lane 0 then lane 1", 4*g, 4*g+3)
		for _, ins := range shaniGroup(l0, g) {
			w("\t%s", ins)
		}
		for _, ins := range shaniGroup(l1, g) {
			w("\t%s", ins)
		}
	}
	w("\tMOVOU 0(SP), X7")
	w("\tPADDL X7, X1")
	w("\tMOVOU 16(SP), X7")
	w("\tPADDL X7, X2")
	w("\tMOVOU 32(SP), X7")
	w("\tPADDL X7, X9")
	w("\tMOVOU 48(SP), X7")
	w("\tPADDL X7, X10")
	w("\tADDQ $64, SI")
	w("\tADDQ $64, BX")
	w("\tCMPQ SI, DX")
	w("\tJNE loop2")
	w("")
	w("\t// ABEF, CDGH -> DCBA, HGFE")
	fromABEF(w, "DI", "X1", "X2")
	fromABEF(w, "R8", "X9", "X10")
	w("")
	w("done2:")
	w("\tRET")
	w("")
}
