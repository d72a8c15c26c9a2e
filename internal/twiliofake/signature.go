package twiliofake

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Signature computes the X-Twilio-Signature Twilio sends with a webhook
// POST to webhookURL with form: HMAC-SHA1, keyed by the auth token, over the full
// URL followed by every form key and value concatenated with no separator,
// keys in byte order (a key with several values contributes each, in
// order), base64-encoded.
func Signature(authToken, webhookURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(webhookURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedRequest builds the POST Twilio would make to webhookURL:
// form-encoded body and an X-Twilio-Signature signed with authToken.
func SignedRequest(ctx context.Context, authToken, webhookURL string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("twiliofake: signed request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", Signature(authToken, webhookURL, form))
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	return req, nil
}
