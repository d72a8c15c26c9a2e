package eval

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"clinicsms/intents"
)

// labels lists the confusion matrix's rows and columns: the labels of
// intents.Labels that occur as gold or prediction, in that order, then any
// other name (an unknown gold label, "(none)") sorted.
func (r Report) labels() []string {
	seen := map[string]bool{}
	for gold, row := range r.Confusion {
		seen[gold] = true
		for pred := range row {
			seen[pred] = true
		}
	}
	var out []string
	for _, l := range intents.Labels {
		if seen[string(l)] {
			out = append(out, string(l))
			delete(seen, string(l))
		}
	}
	var rest []string
	for l := range seen {
		rest = append(rest, l)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// languages lists PerLanguage's keys sorted.
func (r Report) languages() []string {
	out := make([]string, 0, len(r.PerLanguage))
	for l := range r.PerLanguage {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// intentRows lists PerIntent's keys in intents.Labels order.
func (r Report) intentRows() []string {
	var out []string
	for _, l := range intents.Labels {
		if _, ok := r.PerIntent[string(l)]; ok {
			out = append(out, string(l))
		}
	}
	return out
}

// WriteTable writes the report as plain-text tables: the overall scores,
// then per language, per intent and the confusion matrix (rows gold,
// columns predicted, "." for zero).
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }

	p("examples\taccuracy\tmacro-F1\tlanguage\tp50 µs\tp99 µs\n")
	p("%d\t%.4f\t%.4f\t%.4f\t%.1f\t%.1f\n\n", r.N, r.Accuracy, r.MacroF1, r.LangAccuracy, r.Latency.P50, r.Latency.P99)

	p("language\tn\taccuracy\tmacro-F1\n")
	for _, l := range r.languages() {
		s := r.PerLanguage[l]
		p("%s\t%d\t%.4f\t%.4f\n", l, s.N, s.Accuracy, s.MacroF1)
	}
	p("\n")

	p("intent\tn\tprecision\trecall\tF1\n")
	for _, l := range r.intentRows() {
		s := r.PerIntent[l]
		p("%s\t%d\t%.4f\t%.4f\t%.4f\n", l, s.N, s.Precision, s.Recall, s.F1)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	labels := r.labels()
	width := len("gold")
	for _, l := range labels {
		width = max(width, len(l))
	}
	// Right-aligned counts; row names padded to one width read left-aligned.
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "\nconfusion: rows gold, columns predicted\n")
	fmt.Fprintf(tw, "%-*s\t%s\t\n", width, "gold", strings.Join(labels, "\t"))
	for _, gold := range labels {
		row, ok := r.Confusion[gold]
		if !ok {
			continue
		}
		cells := make([]string, len(labels))
		for i, pred := range labels {
			cells[i] = "."
			if n := row[pred]; n > 0 {
				cells[i] = fmt.Sprint(n)
			}
		}
		fmt.Fprintf(tw, "%-*s\t%s\t\n", width, gold, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// htmlCell is one cell of the heat map.
type htmlCell struct {
	N     int
	Style template.CSS
	Title string
}

type htmlRow struct {
	Gold  string
	Total int
	Cells []htmlCell
}

type htmlLang struct {
	Lang string
	LangScore
}

type htmlIntent struct {
	Label string
	IntentScore
}

// WriteHTML writes the report as one self-contained HTML page (inline CSS,
// no scripts, no external resources). The confusion matrix is a heat map
// shaded by the share of the gold row: green on the diagonal, red off it.
func (r Report) WriteHTML(w io.Writer) error {
	labels := r.labels()
	var rows []htmlRow
	for _, gold := range labels {
		row, ok := r.Confusion[gold]
		if !ok {
			continue
		}
		total := 0
		for _, n := range row {
			total += n
		}
		hr := htmlRow{Gold: gold, Total: total}
		for _, pred := range labels {
			n := row[pred]
			share := ratio(n, total)
			hue := 0 // red: confused
			if pred == gold {
				hue = 140 // green: right
			}
			light := 100 - 55*share
			c := htmlCell{
				N:     n,
				Style: template.CSS(fmt.Sprintf("background:hsl(%d,65%%,%.1f%%)", hue, light)),
				Title: fmt.Sprintf("%s → %s: %d of %d (%.1f%%)", gold, pred, n, total, 100*share),
			}
			if light < 60 {
				c.Style += ";color:#fff"
			}
			hr.Cells = append(hr.Cells, c)
		}
		rows = append(rows, hr)
	}
	var langs []htmlLang
	for _, l := range r.languages() {
		langs = append(langs, htmlLang{l, r.PerLanguage[l]})
	}
	var ints []htmlIntent
	for _, l := range r.intentRows() {
		ints = append(ints, htmlIntent{l, r.PerIntent[l]})
	}
	return htmlTemplate.Execute(w, map[string]any{
		"R":         r,
		"Labels":    labels,
		"Rows":      rows,
		"Languages": langs,
		"Intents":   ints,
	})
}
