//go:build ignore

// gen_arm64.go holds the writer of block_arm64.s; gen.go runs it
// (`go generate` in this directory).
package main

import "fmt"

func genARM64() {
	a := newAsm("arm64")
	w := a.w
	w("// blockARM(h *[8]uint32, p []byte): the SHA-256 compression function on")
	w("// the ARMv8 SHA2 extension. The state words are in h in the order the")
	w("// instructions want them (lane 0 of ABCD is a), so they load and store")
	w("// as they are. Each group of four rounds adds four message words to")
	w("// their constants, then SHA256H advances ABCD and SHA256H2 EFGH, the")
	w("// latter from ABCD as it was before the former. SHA256SU0/SU1 turn the")
	w("// four words a group has just used into the words sixteen rounds on.")
	w("//")
	w("// The Go assembler lists operands destination last, so ARM's")
	w("// SHA256H Qd, Qn, Vm.4S is written SHA256H Vm.S4, Vn, Vd here, and")
	w("// likewise SHA256H2, SHA256SU0 Vd, Vn as SHA256SU0 Vn, Vd and")
	w("// SHA256SU1 Vd, Vn, Vm as SHA256SU1 Vm, Vn, Vd.")
	w("//")
	w("// Registers: R0 h, R1 the next block, R2 the end of the last whole")
	w("// block, R3 the constants; V0/V1 ABCD/EFGH at the start of the block,")
	w("// V2/V3 ABCD/EFGH during it, V4-V7 the message schedule, V8 ABCD before")
	w("// the current SHA256H, V9 message words + K, V16-V31 the constants.")
	w("TEXT ·blockARM(SB), NOSPLIT, $0-32")
	w("\tMOVD h+0(FP), R0")
	w("\tMOVD p_base+8(FP), R1")
	w("\tMOVD p_len+16(FP), R2")
	w("\tAND $~63, R2")
	w("\tCBZ R2, done")
	w("\tADD R1, R2")
	w("\tMOVD $kTable<>(SB), R3")
	w("\tVLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]")
	w("\tVLD1.P 64(R3), [V20.S4, V21.S4, V22.S4, V23.S4]")
	w("\tVLD1.P 64(R3), [V24.S4, V25.S4, V26.S4, V27.S4]")
	w("\tVLD1 (R3), [V28.S4, V29.S4, V30.S4, V31.S4]")
	w("\tVLD1 (R0), [V0.S4, V1.S4]")
	w("")
	w("loop:")
	w("\tVLD1.P 64(R1), [V4.B16, V5.B16, V6.B16, V7.B16]")
	w("\t// Message words are big-endian.")
	for i := 4; i < 8; i++ {
		w("\tVREV32 V%d.B16, V%d.B16", i, i)
	}
	w("\tVMOV V0.B16, V2.B16")
	w("\tVMOV V1.B16, V3.B16")
	for g := range 16 {
		// At group g, schedule register g%4 holds words 4g..4g+3, and the
		// next three hold the words up to 4g+15.
		cur := 4 + g%4
		next, nn, nnn := 4+(g+1)%4, 4+(g+2)%4, 4+(g+3)%4
		w("\t// rounds %d-%d", 4*g, 4*g+3)
		w("\tVADD V%d.S4, V%d.S4, V9.S4", 16+g, cur)
		if g < 12 { // words 4g+16..4g+19 replace words 4g..4g+3
			w("\tSHA256SU0 V%d.S4, V%d.S4", next, cur)
			w("\tSHA256SU1 V%d.S4, V%d.S4, V%d.S4", nnn, nn, cur)
		}
		w("\tVMOV V2.B16, V8.B16")
		w("\tSHA256H V9.S4, V3, V2")
		w("\tSHA256H2 V9.S4, V8, V3")
	}
	w("\tVADD V2.S4, V0.S4, V0.S4")
	w("\tVADD V3.S4, V1.S4, V1.S4")
	w("\tCMP R1, R2")
	w("\tBNE loop")
	w("")
	w("\tVST1 [V0.S4, V1.S4], (R0)")
	w("")
	w("done:")
	w("\tRET")
	w("")
	genARM64x2(a)
	a.kTable()
	a.write("block_arm64.s")
}

// armLane names the registers of one message stream on ARMv8 SHA2: ABCD,
// EFGH, the four of the message schedule, ABCD before the current SHA256H,
// and message words + K.
type armLane struct {
	abcd, efgh int
	sched      [4]int
	prev, wk   int
}

// armGroup returns the instructions of rounds 4g..4g+3 for one lane, with
// the constants of the group in V16+g.
func armGroup(l armLane, g int) []string {
	var s []string
	e := func(format string, args ...any) { s = append(s, fmt.Sprintf(format, args...)) }
	cur := l.sched[g%4]
	next, nn, nnn := l.sched[(g+1)%4], l.sched[(g+2)%4], l.sched[(g+3)%4]
	e("VADD V%d.S4, V%d.S4, V%d.S4", 16+g, cur, l.wk)
	if g < 12 { // words 4g+16..4g+19 replace words 4g..4g+3
		e("SHA256SU0 V%d.S4, V%d.S4", next, cur)
		e("SHA256SU1 V%d.S4, V%d.S4, V%d.S4", nnn, nn, cur)
	}
	e("VMOV V%d.B16, V%d.B16", l.abcd, l.prev)
	e("SHA256H V%d.S4, V%d, V%d", l.wk, l.efgh, l.abcd)
	e("SHA256H2 V%d.S4, V%d, V%d", l.wk, l.prev, l.efgh)
	return s
}

// genARM64x2 writes blockARM2, two messages in one pass with their groups of
// rounds alternating, as blockSHANI2 does on x86-64.
func genARM64x2(a *asmFile) {
	w := a.w
	w("// blockARM2(h0, h1 *[8]uint32, p0, p1 []byte): blockARM on two")
	w("// independent streams at once, len(p0) == len(p1) (the caller checks).")
	w("// SHA256H and SHA256H2 are latency-bound and each group of rounds")
	w("// depends on the one before it, so the groups of the two streams")
	w("// alternate and the core overlaps them.")
	w("//")
	w("// Registers: R0/R4 h0/h1, R1/R5 their next blocks, R2 the end of lane")
	w("// 0's last whole block, R3 the constants; lane 0 has V0/V1 ABCD/EFGH,")
	w("// V2-V5 the message schedule, V6 ABCD before the current SHA256H, V7")
	w("// message words + K; lane 1 the same in V8-V15; V16-V31 the constants.")
	w("// With no register left for the states at the start of a block, they")
	w("// are stored to h0 and h1 after every block and read back from there.")
	w("TEXT ·blockARM2(SB), NOSPLIT, $0-64")
	w("\tMOVD h0+0(FP), R0")
	w("\tMOVD h1+8(FP), R4")
	w("\tMOVD p0_base+16(FP), R1")
	w("\tMOVD p0_len+24(FP), R2")
	w("\tMOVD p1_base+40(FP), R5")
	w("\tAND $~63, R2")
	w("\tCBZ R2, done2")
	w("\tADD R1, R2")
	w("\tMOVD $kTable<>(SB), R3")
	w("\tVLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]")
	w("\tVLD1.P 64(R3), [V20.S4, V21.S4, V22.S4, V23.S4]")
	w("\tVLD1.P 64(R3), [V24.S4, V25.S4, V26.S4, V27.S4]")
	w("\tVLD1 (R3), [V28.S4, V29.S4, V30.S4, V31.S4]")
	w("\tVLD1 (R0), [V0.S4, V1.S4]")
	w("\tVLD1 (R4), [V8.S4, V9.S4]")
	w("")
	w("loop2:")
	w("\tVLD1.P 64(R1), [V2.B16, V3.B16, V4.B16, V5.B16]")
	w("\tVLD1.P 64(R5), [V10.B16, V11.B16, V12.B16, V13.B16]")
	w("\t// Message words are big-endian.")
	for _, i := range []int{2, 3, 4, 5, 10, 11, 12, 13} {
		w("\tVREV32 V%d.B16, V%d.B16", i, i)
	}
	l0 := armLane{abcd: 0, efgh: 1, sched: [4]int{2, 3, 4, 5}, prev: 6, wk: 7}
	l1 := armLane{abcd: 8, efgh: 9, sched: [4]int{10, 11, 12, 13}, prev: 14, wk: 15}
	for g := range 16 {
		w("\t// rounds %d-%d, lane 0 then lane 1", 4*g, 4*g+3)
		for _, ins := range armGroup(l0, g) {
			w("\t%s", ins)
		}
		for _, ins := range armGroup(l1, g) {
			w("\t%s", ins)
		}
	}
	w("\t// Add the states at the start of the block, saved in h0 and h1.")
	w("\tVLD1 (R0), [V2.S4, V3.S4]")
	w("\tVLD1 (R4), [V10.S4, V11.S4]")
	w("\tVADD V2.S4, V0.S4, V0.S4")
	w("\tVADD V3.S4, V1.S4, V1.S4")
	w("\tVADD V10.S4, V8.S4, V8.S4")
	w("\tVADD V11.S4, V9.S4, V9.S4")
	w("\tVST1 [V0.S4, V1.S4], (R0)")
	w("\tVST1 [V8.S4, V9.S4], (R4)")
	w("\tCMP R1, R2")
	w("\tBNE loop2")
	w("")
	w("done2:")
	w("\tRET")
	w("")
}
