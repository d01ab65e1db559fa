package nlp

import (
	"syscall"
	"time"
)

// rusageThread is Linux's RUSAGE_THREAD (not in package syscall).
const rusageThread = 1

// threadCPU returns the CPU time the calling OS thread has used (user and
// system), ok false when the system cannot say. Benchmarks lock their
// goroutine to its thread and compare CPU times: on a shared machine the wall
// time also counts the minutes other jobs held the core.
func threadCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
