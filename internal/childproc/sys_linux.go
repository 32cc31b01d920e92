package childproc

import "syscall"

// sysProcAttr kills the child when this process dies, however it dies, so
// a crashed harness leaves no server behind.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
