//go:build !linux

package testservers

import "syscall"

// sysProcAttr has nothing to add outside Linux: there is no parent-death
// signal, and Stop in the test's cleanup is the only way a server ends.
func sysProcAttr() *syscall.SysProcAttr { return nil }
