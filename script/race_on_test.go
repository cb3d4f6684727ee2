//go:build race

package script

// raceEnabled reports whether the tests run under the race detector, which
// makes socket-heavy loops several times slower: such tests scale down.
const raceEnabled = true
