package testservers

import "syscall"

// sysProcAttr makes the kernel kill the server if the test binary dies
// without running its cleanups (a panic in another goroutine, a -timeout
// kill, SIGKILL), so that no server outlives its test. (Linux sends the
// signal when the OS thread that forked the child exits; the Go runtime only
// retires a thread when a goroutine exits while locked to it, which the
// helpers never do.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
