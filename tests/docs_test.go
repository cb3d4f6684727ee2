package tests

// The documentation's promises: every relative link of README.md,
// CONTRIBUTING.md, CHANGELOG.md and docs/*.md leads to a file of the tree
// (and to a heading of it when it names one), and every command they show
// (`sockrun ...`, `go run . ...`, `go test ./x ...`) names flags sockrun has
// and packages, directories and scripts that exist.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docFiles are the Markdown pages the test reads, relative to the root.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CONTRIBUTING.md", "CHANGELOG.md"}
	more, err := filepath.Glob(filepath.Join(rootDir, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range more {
		rel, _ := filepath.Rel(rootDir, f)
		files = append(files, rel)
	}
	return files
}

var (
	mdLink      = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdFence     = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	mdCodeSpan  = regexp.MustCompile("`([^`\n]+)`")
	mdHeading   = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	slugDropper = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)
)

// headingSlugs are the anchors GitHub gives a page's headings: lower case,
// punctuation dropped, spaces made dashes.
func headingSlugs(text string) map[string]bool {
	slugs := map[string]bool{}
	for _, m := range mdHeading.FindAllStringSubmatch(text, -1) {
		s := strings.ToLower(slugDropper.ReplaceAllString(m[1], ""))
		slugs[strings.ReplaceAll(s, " ", "-")] = true
	}
	return slugs
}

// TestDocsLinks checks every relative link of the documentation.
func TestDocsLinks(t *testing.T) {
	t.Parallel()
	for _, page := range docFiles(t) {
		b, err := os.ReadFile(filepath.Join(rootDir, page))
		if err != nil {
			if os.IsNotExist(err) && page != "README.md" {
				continue
			}
			t.Fatal(err)
		}
		text := mdFence.ReplaceAllString(string(b), "")
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(link, "#")
			path := page
			if target != "" {
				path = filepath.Join(filepath.Dir(page), target)
			}
			full := filepath.Join(rootDir, path)
			if _, err := os.Stat(full); err != nil {
				t.Errorf("%s: link %q: %s does not exist", page, link, path)
				continue
			}
			if anchor != "" && strings.HasSuffix(path, ".md") {
				target, _ := os.ReadFile(full)
				if !headingSlugs(string(target))[anchor] {
					t.Errorf("%s: link %q: %s has no heading #%s", page, link, path, anchor)
				}
			}
		}
	}
}

// sockrunFlags reads the flags sockrun has from its --help, with whether
// each takes a value.
func sockrunFlags(t *testing.T) map[string]bool {
	t.Helper()
	r := runSockrun(t, "--help")
	help := r.stdout + r.stderr
	flags := map[string]bool{}
	line := regexp.MustCompile(`(?m)^\s+(?:(-\w), )?(--[\w-]+)(\[=[^\]]*\])?(?: ([A-Z][A-Z0-9:\[\]]*))?`)
	for _, m := range line.FindAllStringSubmatch(help, -1) {
		takes := m[4] != ""
		if m[1] != "" {
			flags[m[1]] = takes
		}
		flags[m[2]] = takes
	}
	if len(flags) < 10 {
		t.Fatalf("read only %d flags from sockrun --help:\n%s", len(flags), help)
	}
	return flags
}

// docCommands are the command lines a page shows: the lines of its fenced
// code blocks and its code spans, each cut at a comment.
func docCommands(text string) []string {
	var cmds []string
	for _, m := range mdFence.FindAllStringSubmatch(text, -1) {
		cmds = append(cmds, strings.Split(m[1], "\n")...)
	}
	for _, m := range mdCodeSpan.FindAllStringSubmatch(mdFence.ReplaceAllString(text, ""), -1) {
		cmds = append(cmds, m[1])
	}
	for i, c := range cmds {
		if j := strings.Index(c, " #"); j >= 0 {
			c = c[:j]
		}
		cmds[i] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c), "$ "))
	}
	return cmds
}

// TestDocsCommands checks the sockrun and go commands the documentation
// shows: sockrun's flags exist, and so do the packages, directories and
// scripts they name.
func TestDocsCommands(t *testing.T) {
	t.Parallel()
	flags := sockrunFlags(t)
	envVar := regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=\S*$`)
	checked := 0
	for _, page := range docFiles(t) {
		b, err := os.ReadFile(filepath.Join(rootDir, page))
		if err != nil {
			continue
		}
		for _, cmd := range docCommands(string(b)) {
			words := strings.Fields(cmd)
			for len(words) > 0 && envVar.MatchString(words[0]) {
				words = words[1:]
			}
			if len(words) == 0 {
				continue
			}
			var args []string
			switch {
			case words[0] == "sockrun" || words[0] == "./sockrun":
				args = words[1:]
			case words[0] == "go" && len(words) > 2 && words[1] == "run" && words[2] == ".":
				args = words[3:]
			case words[0] == "go" && len(words) > 1:
				checked++
				docCheckGoCommand(t, page, cmd, words[1:])
				continue
			default:
				continue
			}
			checked++
			docCheckSockrunArgs(t, page, cmd, args, flags)
		}
	}
	if checked < 20 {
		t.Errorf("only %d commands found in the documentation; is the extraction broken?", checked)
	}
}

// docCheckSockrunArgs checks the flags before the script and the script's
// path when it is one of the tree's (it has a slash and ends in .lua).
func docCheckSockrunArgs(t *testing.T, page, cmd string, args []string, flags map[string]bool) {
	t.Helper()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-" || a == "--" || !strings.HasPrefix(a, "-") || strings.ContainsAny(a, "[]|") {
			if strings.Contains(a, "/") && strings.HasSuffix(a, ".lua") && !strings.ContainsAny(a, "[]<>") {
				if _, err := os.Stat(filepath.Join(rootDir, a)); err != nil {
					t.Errorf("%s: `%s`: no script %s", page, cmd, a)
				}
			}
			return
		}
		name, _, hasValue := strings.Cut(a, "=")
		takes, ok := flags[name]
		if !ok {
			t.Errorf("%s: `%s`: sockrun has no flag %s", page, cmd, name)
			return
		}
		if takes && !hasValue {
			i++ // the flag's value
		}
	}
}

// docCheckGoCommand checks that the packages and directories a go command
// names (./x, ./x/..., .) exist.
func docCheckGoCommand(t *testing.T, page, cmd string, args []string) {
	t.Helper()
	switch args[0] {
	case "run", "test", "build", "install", "vet", "list", "get", "mod", "generate", "env", "tool", "version":
	default:
		t.Errorf("%s: `%s`: go has no command %q", page, cmd, args[0])
		return
	}
	for _, a := range args[1:] {
		if a != "." && !strings.HasPrefix(a, "./") {
			continue
		}
		dir := strings.TrimSuffix(strings.TrimSuffix(a, "..."), "/")
		if dir == "" {
			dir = "."
		}
		if st, err := os.Stat(filepath.Join(rootDir, dir)); err != nil || !st.IsDir() {
			t.Errorf("%s: `%s`: no package directory %s", page, cmd, a)
		}
	}
}
