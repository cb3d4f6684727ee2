package main

import "syscall"

// childProcAttr makes a server or holder process die with the benchmark, so
// an interrupted run leaves nothing listening.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
