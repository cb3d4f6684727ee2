// Package sock is sockrun's socket layer: OS sockets with the semantics PHP's
// ext/sockets gives them, one readiness engine per script (epoll on Linux,
// kqueue on the BSDs and macOS), its timers, addresses and name lookups,
// errno numbers and texts, the network policy, and TLS connections.
//
// It imports no Lua. The Lua bindings (package script) sit above it and turn
// its results into Lua values; the scheduler (package sched) runs the
// script's tasks and waits on its Engine.
//
// # The goroutine rule
//
// One goroutine runs a script: it owns the Lua state, the scheduler, the
// Engine and every Socket, and it is the only goroutine that calls their
// methods. Nothing in this package touches Lua, and nothing outside the
// script's goroutine touches this package's values, with two exceptions,
// both safe from any goroutine:
//
//   - Engine.Stop, which the signal handler and the --timeout timer call;
//   - the goroutine of a TLS call (crypto/tls needs one, see tls.go), which
//     touches only its own connection and hands its outcome back through
//     the Engine's posted queue, to be finished on the script's goroutine.
//
// Because this package cannot import Lua, the compiler enforces the first
// half of the rule: no goroutine started here can reach the Lua state.
// This is the one place the rule is written down; ARCHITECTURE.md and the
// README point here.
package sock
