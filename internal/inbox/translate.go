package inbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"clinicsms/intents"
)

// Translator translates a patient's text for staff. names are the known
// names of the patients on the number, for PHI redaction. When the inbox
// has none (no LLM_BASE_URL) the feature is simply absent.
type Translator interface {
	Translate(ctx context.Context, text, from, to string, names []string) (string, error)
}

// LLMTranslator asks an OpenAI-compatible chat model for a translation,
// after redacting names, phone numbers, emails, dates of birth, addresses
// and record numbers the way the intent fallback does.
type LLMTranslator struct {
	client  *openai.Client
	model   string
	timeout time.Duration
}

// NewLLMTranslator returns a translator over the chat completions API at
// baseURL (ending in /v1).
func NewLLMTranslator(baseURL, apiKey, model string) *LLMTranslator {
	oc := openai.DefaultConfig(apiKey)
	oc.BaseURL = strings.TrimRight(baseURL, "/")
	oc.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	return &LLMTranslator{client: openai.NewClientWithConfig(oc), model: model, timeout: 5 * time.Second}
}

// Translate returns text (redacted) in the language to.
func (l *LLMTranslator) Translate(ctx context.Context, text, from, to string, names []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := l.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       l.model,
		Temperature: 0,
		MaxTokens:   400,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: fmt.Sprintf(
				"You translate SMS messages from patients for clinic staff. Translate the user's message from language %q into language %q. "+
					"Answer with the translation only. Keep placeholders in square brackets as they are.", from, to)},
			{Role: openai.ChatMessageRoleUser, Content: intents.Redact(text, names)},
		},
	})
	if err != nil {
		return "", fmt.Errorf("translate: %w", err)
	}
	if len(resp.Choices) == 0 || strings.TrimSpace(resp.Choices[0].Message.Content) == "" {
		return "", errors.New("translate: empty answer")
	}
	return strings.TrimSpace(resp.Choices[0].Message.Content), nil
}
