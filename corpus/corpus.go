// Package corpus holds the labelled patient replies the intent model learns
// from (train/) and is measured on (dev/), and loads them. Only train/ is
// embedded in binaries: dev data is never trained on.
package corpus

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Example is one labelled reply, one JSON object a line in a .jsonl file.
type Example struct {
	Text   string `json:"text"`
	Lang   string `json:"lang"`
	Intent string `json:"intent"`
}

//go:embed train/*.jsonl
var trainFS embed.FS

// Train returns every embedded training example, files in name order.
func Train() ([]Example, error) {
	return loadFS(trainFS, "train")
}

func loadFS(fsys fs.FS, dir string) ([]Example, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []Example
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ex, err := Decode(bytes.NewReader(b), e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, ex...)
	}
	return out, nil
}

// Load reads examples from .jsonl files or folders of them (not recursive
// beyond one level of folders given), in path order.
func Load(paths ...string) ([]Example, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(path, ".jsonl") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	var out []Example
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		ex, err := Decode(fh, f)
		fh.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, ex...)
	}
	return out, nil
}

// Decode reads JSON Lines; name is used in errors. Blank lines are skipped;
// a line without text, lang or intent is an error naming the line.
func Decode(r io.Reader, name string) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e Example
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if e.Text == "" || e.Lang == "" || e.Intent == "" {
			return nil, fmt.Errorf("%s:%d: text, lang and intent are required", name, line)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
