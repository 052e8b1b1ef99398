//go:build ignore

// gen_amd64.go holds the writer of block_amd64.s; gen.go runs it
// (`go generate` in this directory).
package main

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
	w("\tMOVOU (DI), X1")
	w("\tMOVOU 16(DI), X2")
	w("\tPSHUFD $0xb1, X1, X1")
	w("\tPSHUFD $0x1b, X2, X2")
	w("\tMOVO X1, X7")
	w("\tPALIGNR $8, X2, X1")
	w("\tPBLENDW $0xf0, X7, X2")
	w("")
	w("loop:")
	w("\tMOVO X1, X9")
	w("\tMOVO X2, X10")
	t := []string{"X3", "X4", "X5", "X6"}
	for g := range 16 {
		cur, prev, next := t[g%4], t[(g+3)%4], t[(g+1)%4]
		w("\t// rounds %d-%d", 4*g, 4*g+3)
		if g < 4 {
			w("\tMOVOU %d(SI), X0", 16*g)
			w("\tPSHUFB X8, X0")
			w("\tMOVO X0, %s", cur)
		} else {
			w("\tMOVO %s, X0", cur)
		}
		w("\tPADDL %d(AX), X0", 16*g)
		w("\tSHA256RNDS2 X0, X1, X2")
		if g >= 3 && g <= 14 { // schedule words for rounds 4g+4 on
			w("\tMOVO %s, X7", cur)
			w("\tPALIGNR $4, %s, X7", prev)
			w("\tPADDL X7, %s", next)
			w("\tSHA256MSG2 %s, %s", cur, next)
		}
		w("\tPSHUFD $0x0e, X0, X0")
		w("\tSHA256RNDS2 X0, X2, X1")
		if g >= 1 && g <= 12 { // first half of the schedule for rounds 4g+12 on
			w("\tSHA256MSG1 %s, %s", cur, prev)
		}
	}
	w("\tPADDL X9, X1")
	w("\tPADDL X10, X2")
	w("\tADDQ $64, SI")
	w("\tCMPQ SI, DX")
	w("\tJNE loop")
	w("")
	w("\t// ABEF, CDGH -> DCBA, HGFE")
	w("\tPSHUFD $0x1b, X1, X1")
	w("\tPSHUFD $0xb1, X2, X2")
	w("\tMOVO X1, X7")
	w("\tPBLENDW $0xf0, X2, X1")
	w("\tPALIGNR $8, X7, X2")
	w("\tMOVOU X1, (DI)")
	w("\tMOVOU X2, 16(DI)")
	w("")
	w("done:")
	w("\tRET")
	w("")
	a.kTable()
	w("")
	w("// PSHUFB mask that turns each big-endian message word little-endian.")
	w("DATA flipMask<>+0(SB)/8, $0x0405060700010203")
	w("DATA flipMask<>+8(SB)/8, $0x0c0d0e0f08090a0b")
	w("GLOBL flipMask<>(SB), RODATA|NOPTR, $16")
	a.write("block_amd64.s")
}
