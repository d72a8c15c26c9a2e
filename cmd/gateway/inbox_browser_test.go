package main

// The staff inbox in a real browser: Debian's Chromium, driven by chromedp,
// against the built gateway binary. Two staff members in two separate
// browsers (separate profiles, so separate sessions) watch a Russian
// question escalate live, work it and hand it back to the bot.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"clinicsms/internal/twiliofake"
)

// chromiumPath is where Debian's chromium package puts the browser;
// .ci/run installs it when it is missing.
const chromiumPath = "/usr/bin/chromium"

const inboxPassword = "correct horse battery staple"

// tab is one browser (its own profile and cookies) with one page.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func newTab(t *testing.T, name string) *tab {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium not found at %s (%v): install it with `apt-get install -y chromium` (.ci/run does this in CI)", chromiumPath, err)
	}
	profile, err := os.MkdirTemp("", "inbox-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1000, 1400),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		// Chromium's children can write to the profile for a moment after it stops.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("%s: start Chromium: %v", name, err)
	}
	return &tab{t: t, name: name, ctx: ctx}
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// until waits (without reloading) for a JavaScript condition to hold. It
// polls on a timer: an idle headless page may draw no animation frames.
func (b *tab) until(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(25*time.Second))); err != nil {
		text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		b.t.Fatalf("%s: %s: %v\npage text:\n%s", b.name, what, err, text)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, sel)))
	if err != nil {
		b.t.Fatalf("%s: read %s: %v", b.name, sel, err)
	}
	return s
}

// fill sets a field's value (any script, no keyboard layout needed).
func (b *tab) fill(sel, value string) chromedp.Action[chromedp.Void] {
	v, _ := json.Marshal(value)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = %s`, sel, v))
}

// markPage tags the live page; a reload would drop the tag.
func (b *tab) markPage() {
	b.t.Helper()
	b.do("mark page", chromedp.Evaluate[chromedp.Void](`window.inboxTestMark = 42`))
}

func (b *tab) checkNotReloaded(when string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.inboxTestMark || 0`))
	if err != nil || v != 42 {
		b.t.Errorf("%s: the page reloaded %s (mark %d, %v); want a live update", b.name, when, v, err)
	}
}

func (b *tab) login(base, email string) {
	b.t.Helper()
	b.do("log in",
		chromedp.Navigate(base+"/inbox"),
		chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", email),
		chromedp.SendKeys("#password", inboxPassword),
		chromedp.Click("#login"),
		chromedp.WaitVisible("#live"),
	)
	// The event stream is open before anything is expected to arrive.
	b.until("event stream opens", `document.body.dataset.live === "on"`)
}

func (b *tab) screenshot(path string) {
	b.t.Helper()
	// Headless Chromium captures from the compositor and can wait for a
	// frame that an idle page never draws: change something first, and
	// try again if a capture stalls.
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
		err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.body.style.minHeight = (document.body.style.minHeight === "100vh" ? "101vh" : "100vh")`),
			chromedp.Evaluate[chromedp.Void](`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise),
		)
		if err == nil {
			var shot []byte
			shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err == nil {
				cancel()
				if err := os.WriteFile(path, shot, 0o644); err != nil {
					b.t.Fatal(err)
				}
				return
			}
		}
		cancel()
		lastErr = err
	}
	b.t.Fatalf("%s: screenshot: %v", b.name, lastErr)
}

// screensDir is where the screenshots go: $INBOX_SCREENS_DIR or
// $TMPDIR/inbox-screens.
func screensDir(t *testing.T) string {
	dir := os.Getenv("INBOX_SCREENS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "inbox-screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("inbox screenshots: %s", dir)
	return dir
}

// addUser runs `gateway user add` as an administrator would.
func addUser(t *testing.T, env map[string]string, email, role string) {
	t.Helper()
	cmd := exec.Command(gatewayBin, "user", "add", "--email", email, "--role", role)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "REDIS_URL=" + env["REDIS_URL"], "REDIS_KEY_PREFIX=" + env["REDIS_KEY_PREFIX"]}
	cmd.Stdin = strings.NewReader(inboxPassword + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "saved") {
		t.Fatalf("gateway user add --email %s: %v\n%s", email, err, out)
	}
	if strings.Contains(string(out), inboxPassword) {
		t.Errorf("user add echoed the password")
	}
}

func TestInboxInBrowser(t *testing.T) {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is unset: the inbox browser test needs a real Redis (.ci/run sets it) for `gateway user add`")
	}
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	env := gatewayEnv(tw, map[string]string{
		"REDIS_URL": redisURL, "REDIS_KEY_PREFIX": "inbox-e2e-" + hex.EncodeToString([]byte(time.Now().Format("150405.000"))),
		"ADMIN_EMAIL": "admin@clinic.example", "ADMIN_PASSWORD": inboxPassword, "DEMO_DATA": "false",
	})
	g := startGateway(t, env)
	g.twilio = tw
	addUser(t, env, "olga@clinic.example", "staff")
	_, aid, phone := g.seedPatient("ivan", "", 41, 5)
	dir := screensDir(t)

	admin, olga := newTab(t, "admin"), newTab(t, "olga")
	admin.login(g.base, "admin@clinic.example")
	olga.login(g.base, "olga@clinic.example")
	admin.markPage()
	olga.markPage()

	// A Russian question escalates; both queues show it without a reload.
	question := "Здравствуйте, где у вас можно припарковаться?"
	g.text(phone, question)
	row := "#c-" + phone[1:]
	for _, b := range []*tab{admin, olga} {
		b.until("escalated chat appears in the queue", fmt.Sprintf(`!!document.querySelector(%q)`, row))
		b.checkNotReloaded("when the chat escalated")
		if txt := b.text(row); !strings.Contains(txt, "ivan Tester") || !strings.Contains(txt, "Patient asked a question") || strings.Contains(txt, phone[1:]) {
			t.Errorf("%s: queue row = %q, want the name, the reason and a masked phone", b.name, txt)
		}
	}
	admin.screenshot(filepath.Join(dir, "queue.png"))

	// Both open it; the thread shows the reading of the inbound text.
	convURL := g.base + "/inbox/c/" + url.PathEscape(phone)
	admin.do("open the conversation", chromedp.Click(row+" a"), chromedp.WaitVisible("#thread"))
	olga.do("open the conversation", chromedp.Navigate(convURL), chromedp.WaitVisible("#thread"))
	olga.markPage()
	thread := admin.text("#thread")
	for _, want := range []string{question, "lang ru", "intent question", "confidence", "bot (handoff)"} {
		if !strings.Contains(thread, want) {
			t.Errorf("thread lacks %q:\n%s", want, thread)
		}
	}
	if p := admin.text(".patient"); !strings.Contains(p, "booked") || strings.Contains(p, phone[1:]) {
		t.Errorf("patient box = %q, want the booked appointment and a masked phone", p)
	}
	admin.do("reveal the phone", chromedp.Click("#reveal"), chromedp.WaitVisible("#phone-full"))
	if got := admin.text("#phone-full"); got != phone {
		t.Errorf("revealed phone = %q, want %q", got, phone)
	}

	// A private note mentioning olga: she sees it live, the patient never does.
	note := "@olga please call them about parking"
	admin.do("add a note", admin.fill("#note-text", note), chromedp.Click("#add-note"), chromedp.WaitVisible(".flash"))
	olga.until("note appears live", fmt.Sprintf(`document.getElementById("notes").innerText.includes(%q)`, note))

	// A reply by SMS: it reaches the patient and olga's open thread.
	reply := "Парковка за углом, бесплатно."
	admin.do("reply", admin.fill("#reply-body", reply), chromedp.Click("#send-reply"), chromedp.WaitVisible(".flash"))
	ms := g.waitOut(phone, 2)
	if ms[1].Body != reply {
		t.Errorf("second text to the patient = %q, want the staff reply", ms[1].Body)
	}
	for _, m := range ms {
		if strings.Contains(m.Body, "parking") {
			t.Errorf("a note reached the patient: %q", m.Body)
		}
	}
	olga.until("reply appears live", fmt.Sprintf(`document.getElementById("thread").innerText.includes(%q)`, reply))
	admin.screenshot(filepath.Join(dir, "conversation.png"))
	// On a phone: nothing wider than the screen.
	olga.do("phone-sized viewport", chromedp.EmulateViewport(390, 844))
	olga.until("page fits a phone", `document.documentElement.scrollWidth <= window.innerWidth`)
	olga.screenshot(filepath.Join(dir, "conversation-phone.png"))

	// Resolve: olga sees the bot take over, and the bot answers the next text.
	admin.do("resolve", chromedp.Click("#resolve"), chromedp.WaitVisible(".flash"))
	admin.until("live updates after the resolve", `document.body.dataset.live === "on"`)
	olga.until("resolution appears live", `document.getElementById("conv-state").innerText.includes("Bot is handling")`)
	olga.checkNotReloaded("while the chat was worked")
	if c := g.conv(phone); c.Escalated || c.State != "idle" {
		t.Errorf("after resolve: escalated=%v state=%s, want idle", c.Escalated, c.State)
	}
	if n := len(tw.MessagesTo(phone)); n != 2 {
		t.Errorf("resolve sent the patient a text (%d texts, want 2): the bot must stay silent until they write", n)
	}
	g.text(phone, "Да, я приду")
	g.waitOut(phone, 3)
	if out := g.conv(phone).lastOut(); out.Key != "confirm.done" || out.Lang != "ru" {
		t.Errorf("bot's answer after resolve = %s [%s], want confirm.done [ru]", out.Key, out.Lang)
	}
	if a := g.appt(aid); a.Status != "confirmed" {
		t.Errorf("appointment = %s, want confirmed by the bot", a.Status)
	}
	admin.until("patient's next text appears live", `document.getElementById("thread").innerText.includes("Да, я приду")`)

	// Mentions, and the admin-only audit log.
	olga.do("open mentions", chromedp.Navigate(g.base+"/inbox/mentions"), chromedp.WaitVisible("#live"))
	if m := olga.text("#live"); !strings.Contains(m, note) {
		t.Errorf("olga's mentions = %q, want the note", m)
	}
	olga.do("open the audit log", chromedp.Navigate(g.base+"/inbox/audit"), chromedp.WaitVisible("main"))
	if txt := olga.text("main"); !strings.Contains(txt, "Only administrators") {
		t.Errorf("staff opened the audit log: %q", txt)
	}
	admin.do("open the audit log", chromedp.Navigate(g.base+"/inbox/audit"), chromedp.WaitVisible("#audit"))
	audit := admin.text("#audit")
	for _, want := range []string{"view", "reveal_phone", "note", "reply", "resolve", "login"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	for _, text := range []string{question, reply, note} {
		if strings.Contains(audit, text) {
			t.Errorf("audit log holds message text %q", text)
		}
	}
	logs := g.stderr.String()
	for _, s := range []string{reply, "parking", "Да, я приду", inboxPassword} {
		if strings.Contains(logs, s) {
			t.Errorf("gateway logs contain %q", s)
		}
	}
}
