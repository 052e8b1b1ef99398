//go:build ignore

// gen_arm64.go holds the writer of block_arm64.s; gen.go runs it
// (`go generate` in this directory).
package main

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
	a.kTable()
	a.write("block_arm64.s")
}
