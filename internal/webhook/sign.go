package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// newSecret is a fresh signing secret in Standard Webhooks' form: whsec_
// and 32 random bytes in base64.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// headers are a message's Standard Webhooks 1.0 headers: its id (the
// receiver's deduplication key), when it was sent, and one v1 signature per
// secret in force, space-separated (during a rotation's overlap both the
// new and the old secret sign, so a receiver holding either verifies).
func headers(id string, at time.Time, body []byte, secrets []string) (map[string]string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			return nil, fmt.Errorf("sign message %s: %w", id, err)
		}
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			return nil, fmt.Errorf("sign message %s: %w", id, err)
		}
		sigs = append(sigs, sig)
	}
	return map[string]string{
		standardwebhooks.HeaderWebhookID:        id,
		standardwebhooks.HeaderWebhookTimestamp: strconv.FormatInt(at.Unix(), 10),
		standardwebhooks.HeaderWebhookSignature: strings.Join(sigs, " "),
	}, nil
}
