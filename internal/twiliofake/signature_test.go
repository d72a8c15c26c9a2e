package twiliofake

import (
	"context"
	"io"
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// Twilio's published test vector, as used by twilio-go's own tests.
const (
	vectorToken = "12345"
	vectorURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vectorSig   = "vOEb5UThFn24KEfnOFLQY2AE5FY="
)

var vectorForm = url.Values{
	"Digits":                {"1234"},
	"CallSid":               {"CA1234567890ABCDE"},
	"To":                    {"+18005551212"},
	"Caller":                {"+14158675309"},
	"From":                  {"+14158675309"},
	"ReasonConferenceEnded": {"test"},
	"Reason":                {"Participant"},
}

func flat(form url.Values) map[string]string {
	m := map[string]string{}
	for k, v := range form {
		m[k] = v[0]
	}
	return m
}

func TestSignatureVector(t *testing.T) {
	if got := Signature(vectorToken, vectorURL, vectorForm); got != vectorSig {
		t.Errorf("Signature(Twilio's vector) = %q, want %q", got, vectorSig)
	}
}

func TestSignatureAcceptedByTwilioGo(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	const hook = "http://localhost:8080/v1/twilio/sms"
	form := url.Values{
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"},
		"AccountSid": {testSID},
		"From":       {"+15551234567"},
		"To":         {"+15550000000"},
		"Body":       {"sí, allí estaré 👍"},
		"NumMedia":   {"0"},
	}
	sig := Signature(token, hook, form)
	v := client.NewRequestValidator(token)
	if !v.Validate(hook, flat(form), sig) {
		t.Errorf("twilio-go Validate(Signature(...)) = false, want true")
	}

	tampered := url.Values{}
	for k, vs := range form {
		tampered[k] = append([]string(nil), vs...)
	}
	tampered.Set("Body", "no")
	tests := []struct {
		name, token, url string
		params           map[string]string
		sig              string
	}{
		{"tampered body", token, hook, flat(tampered), sig},
		{"other URL", token, "http://localhost:8080/v1/twilio/status", flat(form), sig},
		{"other token", "ffffffffffffffffffffffffffffffff", hook, flat(form), sig},
		{"garbled signature", token, hook, flat(form), "x" + sig[1:]},
	}
	for _, tt := range tests {
		if v := client.NewRequestValidator(tt.token); v.Validate(tt.url, tt.params, tt.sig) {
			t.Errorf("twilio-go Validate with %s = true, want false", tt.name)
		}
	}
}

func TestSignedRequest(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	const hook = "http://localhost:8080/v1/twilio/sms"
	form := url.Values{"From": {"+15551234567"}, "Body": {"C"}, "MessageSid": {"SM1"}}
	req, err := SignedRequest(context.Background(), token, hook, form)
	if err != nil {
		t.Fatalf("SignedRequest: %v", err)
	}
	if req.Method != "POST" || req.URL.String() != hook {
		t.Errorf("SignedRequest: %s %s, want POST %s", req.Method, req.URL, hook)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("SignedRequest: Content-Type %q", ct)
	}
	body, _ := io.ReadAll(req.Body)
	got, err := url.ParseQuery(string(body))
	if err != nil || got.Encode() != form.Encode() {
		t.Errorf("SignedRequest: body %q, want %q", body, form.Encode())
	}
	v := client.NewRequestValidator(token)
	if !v.ValidateBody(hook, body, req.Header.Get("X-Twilio-Signature")) {
		t.Errorf("twilio-go ValidateBody(SignedRequest) = false, want true")
	}
	if _, err := SignedRequest(context.Background(), token, "://bad", form); err == nil {
		t.Errorf("SignedRequest(bad URL) = nil error, want one")
	}
}
