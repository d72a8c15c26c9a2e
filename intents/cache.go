package intents

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"clinicsms/corpus"
)

// The trained weights are a pure function of the training examples, the
// options and this package's code (Train is deterministic). TrainCached
// keeps them in a file named by a hash of all three, so a restart on the
// same corpus and build loads them instead of training again; any change
// to the corpus, the options or the code makes a new name, and a missing,
// short or corrupt file only means training as before. (The code hashed is
// the package's non-test sources; go:embed cannot leave the tests out.)

//go:embed *.go
var source embed.FS

// cacheMagic starts every weights file; the trailing digit is the format.
const cacheMagic = "clinicsms-intents-weights-1\n"

// CacheDir is where TrainCached keeps weights by default: $INTENTS_CACHE_DIR
// when set ("off" disables the cache), else the user's cache directory.
func CacheDir() string {
	if d := os.Getenv("INTENTS_CACHE_DIR"); d != "" {
		if d == "off" {
			return ""
		}
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "clinicsms")
}

// TrainCached is Train with the weights kept in dir ("" trains without a
// cache). The language model is rebuilt from ex every time (it is a count,
// not a fit). It reports whether the weights came from the cache; a cache
// that cannot be read or written is not an error.
func TrainCached(ex []corpus.Example, opts TrainOptions, dir string) (*Model, bool, error) {
	if dir == "" {
		m, err := Train(ex, opts)
		return m, false, err
	}
	path := filepath.Join(dir, "intents-"+trainKey(ex, opts)+".bin")
	if m, err := loadWeights(path, ex, opts); err == nil {
		now := time.Now()
		_ = os.Chtimes(path, now, now) // recently used: kept by pruneCache
		return m, true, nil
	}
	m, err := Train(ex, opts)
	if err != nil {
		return nil, false, err
	}
	if saveWeights(path, m) == nil { // best effort: the next start trains again
		pruneCache(dir, cacheKeep)
	}
	return m, false, nil
}

// cacheKeep is how many weights files pruneCache leaves (about 7 MB each):
// the service's and a few other corpora's (tests, intent-eval -train).
const cacheKeep = 6

// pruneCache removes all but the keep most recently used weights files.
func pruneCache(dir string, keep int) {
	paths, _ := filepath.Glob(filepath.Join(dir, "intents-*.bin"))
	if len(paths) <= keep {
		return
	}
	mtime := make(map[string]time.Time, len(paths))
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			mtime[p] = st.ModTime()
		}
	}
	sort.Slice(paths, func(i, j int) bool { return mtime[paths[i]].After(mtime[paths[j]]) })
	for _, p := range paths[keep:] {
		_ = os.Remove(p)
	}
}

// trainKey hashes what the weights depend on.
func trainKey(ex []corpus.Example, opts TrainOptions) string {
	h := sha256.New()
	io.WriteString(h, cacheMagic)
	names, _ := fs.Glob(source, "*.go")
	sort.Strings(names)
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue // tests do not change what Train computes
		}
		b, _ := source.ReadFile(n)
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	o := opts.withDefaults()
	fmt.Fprintf(h, "%d %d %g %g %d %d %g %+v\n", o.Bits, o.Epochs, o.LearningRate, o.L2, o.Seed, o.Ensemble, o.HoldOut, o.features)
	for _, e := range ex {
		fmt.Fprintf(h, "%d:%s%d:%s%d:%s", len(e.Text), e.Text, len(e.Lang), e.Lang, len(e.Intent), e.Intent)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// saveWeights writes m's weights: magic, bits, temperature, biases, then
// every row with a non-zero weight as (row index, K weights). It writes a
// temporary file and renames it, so readers never see half a file.
func saveWeights(path string, m *Model) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".intents-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	K := len(Labels)
	put := func(v any) { binary.Write(w, binary.LittleEndian, v) }
	w.WriteString(cacheMagic)
	put(uint32(m.x.bits))
	put(uint32(K))
	put(m.temp)
	put(m.b)
	rows := len(m.w) / K
	var nz uint32
	for r := 0; r < rows; r++ {
		if !zeroRow(m.w[r*K : r*K+K]) {
			nz++
		}
	}
	put(nz)
	for r := 0; r < rows; r++ {
		if row := m.w[r*K : r*K+K]; !zeroRow(row) {
			put(uint32(r))
			put(row)
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func zeroRow(row []float32) bool {
	for _, v := range row {
		if v != 0 {
			return false
		}
	}
	return true
}

var errCacheFormat = errors.New("intents cache: bad weights file")

// loadWeights reads a file of saveWeights into a Model for ex and opts.
func loadWeights(path string, ex []corpus.Example, opts TrainOptions) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != cacheMagic {
		return nil, errCacheFormat
	}
	get := func(v any) error { return binary.Read(r, binary.LittleEndian, v) }
	o := opts.withDefaults()
	var bits, k, nz uint32
	m := &Model{x: o.extractor()}
	if err := get(&bits); err != nil || uint(bits) != o.Bits {
		return nil, errCacheFormat
	}
	if err := get(&k); err != nil || int(k) != len(Labels) {
		return nil, errCacheFormat
	}
	K := int(k)
	if err := get(&m.temp); err != nil || !(m.temp > 0) || math.IsInf(m.temp, 0) {
		return nil, errCacheFormat
	}
	m.b = make([]float32, K)
	if err := get(m.b); err != nil {
		return nil, errCacheFormat
	}
	rows := 1 << bits
	if err := get(&nz); err != nil || int(nz) > rows {
		return nil, errCacheFormat
	}
	m.w = make([]float32, rows*K)
	for i := uint32(0); i < nz; i++ {
		var row uint32
		if err := get(&row); err != nil || int(row) >= rows {
			return nil, errCacheFormat
		}
		if err := get(m.w[int(row)*K : int(row)*K+K]); err != nil {
			return nil, errCacheFormat
		}
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errCacheFormat // trailing bytes: not a file we wrote
	}
	data, err := labelExamples(ex)
	if err != nil {
		return nil, err
	}
	m.lang = trainLangModel(data)
	return m, nil
}
