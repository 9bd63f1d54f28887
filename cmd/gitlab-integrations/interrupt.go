package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interruption follows SIGINT and SIGTERM in two steps. The first signal
// cancels the commands' context, so that reading commands stop at once,
// and closes stop, so that apply starts no new change but lets the
// changes in flight finish. The second cancels hard, the context apply
// sends its changes with: the requests in flight are cancelled too.
type interruption struct {
	stop chan struct{}
	hard context.Context

	mu    sync.Mutex
	first os.Signal
}

// listen starts following SIGINT and SIGTERM; soft is cancelled by the
// first signal, the interruption's hard context by the second. release
// stops following them.
func listen() (soft context.Context, in *interruption, release func()) {
	soft, cancelSoft := context.WithCancel(context.Background())
	hard, cancelHard := context.WithCancel(context.Background())
	in = &interruption{stop: make(chan struct{}), hard: hard}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			in.mu.Lock()
			in.first = s
			in.mu.Unlock()
			close(in.stop)
			cancelSoft()
		case <-done:
			return
		}
		select {
		case <-sigs:
			cancelHard()
		case <-done:
		}
	}()
	return soft, in, func() {
		signal.Stop(sigs)
		close(done)
		cancelSoft()
		cancelHard()
	}
}

// signal returns the first signal received, nil when none was. A nil
// interruption has received none.
func (in *interruption) signal() os.Signal {
	if in == nil {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.first
}

// exitCode is the exit code of a command ended by sig, as shells report
// it: 128 and the signal's number (130 for SIGINT, 143 for SIGTERM).
func exitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitError
}

// signalName names a signal as people know it: SIGINT, SIGTERM.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
