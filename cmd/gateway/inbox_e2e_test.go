package main

import (
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"clinicsms/internal/twiliofake"
)

// inboxClient is a staff member's browser without the browser: a cookie
// jar that does not follow redirects.
type inboxClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newInboxClient(t *testing.T, base string) *inboxClient {
	jar, _ := cookiejar.New(nil)
	return &inboxClient{t: t, base: base, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *inboxClient) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *inboxClient) post(path string, form url.Values) int {
	c.t.Helper()
	resp, err := c.hc.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var inboxCSRF = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func (c *inboxClient) csrf() string {
	c.t.Helper()
	_, body := c.get("/inbox")
	m := inboxCSRF.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on /inbox")
	}
	return m[1]
}

// TestInboxCorrectionsAndCommands: a correction made in the inbox comes out
// of `gateway export-corrections` in the corpus format; ADMIN_EMAIL creates
// the first admin once; the binary's logs hold no phone or text.
func TestInboxCorrectionsAndCommands(t *testing.T) {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is unset: this test needs a real Redis (.ci/run sets it)")
	}
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	prefix := "inbox-cmd-" + hex.EncodeToString([]byte(time.Now().Format("150405.000")))
	env := gatewayEnv(tw, map[string]string{"REDIS_URL": redisURL, "REDIS_KEY_PREFIX": prefix,
		"ADMIN_EMAIL": "Admin@Clinic.example", "ADMIN_PASSWORD": inboxPassword, "DEMO_DATA": "false"})
	g := startGateway(t, env)
	g.twilio = tw
	_, _, phone := g.seedPatient("vera", "", 51, 4)
	g.text(phone, "Здравствуйте, где у вас можно припарковаться?")

	c := newInboxClient(t, g.base)
	if code := c.post("/login", url.Values{"email": {"admin@clinic.example"}, "password": {inboxPassword}}); code != http.StatusSeeOther {
		t.Fatalf("admin login = %d, want 303", code)
	}
	conv := "/inbox/c/" + url.PathEscape(phone)
	if code := c.post(conv+"/correct", url.Values{"index": {"0"}, "intent": {"reschedule"}}); code != http.StatusForbidden {
		t.Errorf("correction without CSRF = %d, want 403", code)
	}
	if code := c.post(conv+"/correct", url.Values{"csrf": {c.csrf()}, "index": {"0"}, "intent": {"waitlist"}}); code != http.StatusSeeOther {
		t.Fatalf("correction = %d, want 303", code)
	}

	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(gatewayBin, args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "REDIS_URL=" + redisURL, "REDIS_KEY_PREFIX=" + prefix}
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gateway %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	out := strings.TrimSpace(run("", "export-corrections"))
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil || strings.Contains(out, "\n") {
		t.Fatalf("export-corrections = %q (%v), want one JSON line", out, err)
	}
	want := map[string]string{"text": "Здравствуйте, где у вас можно припарковаться?", "lang": "ru", "intent": "waitlist"}
	if len(got) != 3 || got["text"] != want["text"] || got["lang"] != want["lang"] || got["intent"] != want["intent"] {
		t.Errorf("export-corrections = %v, want exactly %v", got, want)
	}

	// user add: a staff account that logs in, and cannot read the audit log.
	run("a staff password 123\n", "user", "add", "--email", "nurse@clinic.example", "--role", "staff")
	n := newInboxClient(t, g.base)
	if code := n.post("/login", url.Values{"email": {"nurse@clinic.example"}, "password": {"a staff password 123"}}); code != http.StatusSeeOther {
		t.Errorf("login of the added user = %d, want 303", code)
	}
	if code, _ := n.get("/inbox/audit"); code != http.StatusForbidden {
		t.Errorf("staff GET /inbox/audit = %d, want 403", code)
	}
	cmd := exec.Command(gatewayBin, "user", "add", "--email", "nurse@clinic.example")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "REDIS_URL=" + redisURL, "REDIS_KEY_PREFIX=" + prefix}
	cmd.Stdin = strings.NewReader("another password 1\n")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "--replace") {
		t.Errorf("user add of an existing user: err=%v out=%q, want a refusal naming --replace", err, out)
	}

	// The audit log names the correction, by whom, on which conversation.
	_, jsonl := c.get("/inbox/audit/export.jsonl")
	if !strings.Contains(jsonl, `"action":"correct"`) || !strings.Contains(jsonl, `"who":"admin@clinic.example"`) || strings.Contains(jsonl, "припарковаться") {
		t.Errorf("audit export = %s, want the correction by the admin without the text", jsonl)
	}
}
