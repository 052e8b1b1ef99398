package sigcore

// Header names, query parameter names and policy fields compare without
// case, in ASCII only: strings.EqualFold would also fold Unicode (the Kelvin
// sign 'K' would equal "k"), which no wire format here does.

// lowerASCII returns c in lower case if it is an ASCII capital letter.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// EqualFoldASCII reports whether a and b are equal when ASCII letters are
// compared without case.
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// HasPrefixFoldASCII reports whether s begins with prefix, ASCII letters
// compared without case.
func HasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && EqualFoldASCII(s[:len(prefix)], prefix)
}

// CompareFoldASCII orders a and b as their ASCII lower-case forms order:
// negative, zero or positive, as strings.Compare.
func CompareFoldASCII(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := lowerASCII(a[i]), lowerASCII(b[i]); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}
