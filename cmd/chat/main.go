// Command chat lets a person play the patient in a terminal against the real
// dialogue engine, on an embedded store seeded with the demo clinic. Each
// turn shows the detected language, intent and confidence, and the reply.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/internal/demo"
	"clinicsms/internal/store"
	"clinicsms/locales"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, func(low bool) (dialogue.Reader, error) {
		return intents.Default(low)
	}); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// phoneScreen is the patient's phone: it prints what the clinic sends.
type phoneScreen struct {
	mu  sync.Mutex
	out io.Writer
	n   int
}

func (p *phoneScreen) Send(_ context.Context, _, body string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	fmt.Fprintf(p.out, "  clinic> %s\n", strings.ReplaceAll(body, "\n", "\n          "))
	return fmt.Sprintf("chat-%d", p.n), nil
}

func run(ctx context.Context, args []string, in io.Reader, out io.Writer, newReader func(low bool) (dialogue.Reader, error)) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(out)
	as := fs.String("as", "maria", "demo patient to play: maria (es) or john (en), or a new number like +15550109999 (unknown to the clinic)")
	reminder := fs.Bool("reminder", true, "start with the appointment reminder")
	low := fs.Bool("low", true, "lingua low-accuracy mode, as the gateway runs by default (-low=false for high accuracy)")
	zoneName := fs.String("tz", "America/New_York", "clinic time zone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	zone, err := time.LoadLocation(*zoneName)
	if err != nil {
		return fmt.Errorf("-tz: %w", err)
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return err
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	st := store.New(rdb, "chat")
	if err := demo.Seed(ctx, st, time.Now(), zone); err != nil {
		return err
	}
	texts, err := locales.New()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "loading language detection and the intent model ...")
	reader, err := newReader(*low)
	if err != nil {
		return err
	}
	screen := &phoneScreen{out: out}
	eng := dialogue.NewEngine(st, st, screen, reader, texts, dialogue.Config{
		Clinic: dialogue.Clinic{Name: "Sunrise Clinic", Phone: "+1 555 0100", Zone: zone},
	}, nil)

	phone, appt := *as, ""
	switch *as {
	case "maria":
		phone, appt = demo.MariaPhone, "demo-appt-1"
	case "john":
		phone, appt = demo.JohnPhone, "demo-appt-2"
	}
	fmt.Fprintf(out, "You are texting from %s. Type a reply; an empty line or Ctrl-D ends.\n", phone)
	if *reminder && appt != "" {
		if _, err := eng.SendReminder(ctx, appt); err != nil {
			return err
		}
	}
	sc := bufio.NewScanner(in)
	for n := 1; ; n++ {
		fmt.Fprint(out, "patient> ")
		if !sc.Scan() || strings.TrimSpace(sc.Text()) == "" {
			fmt.Fprintln(out)
			return sc.Err()
		}
		o, err := eng.Receive(ctx, dialogue.Inbound{SID: fmt.Sprintf("chat-in-%d", n), From: phone, Body: sc.Text(), At: time.Now()})
		if err != nil {
			return err
		}
		r := o.Reading
		fmt.Fprintf(out, "  [lang=%s intent=%s confidence=%.2f sure=%v via=%s -> state %s]\n", r.Lang, r.Intent, r.Confidence, r.Sure, r.Source, o.State)
		if len(o.Replies) == 0 {
			fmt.Fprintln(out, "  (no reply)")
		}
	}
}
