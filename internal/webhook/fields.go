package webhook

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The GraphQL face of the admin's types (schema.graphqls, "Webhooks out").

// SecretPayload is an endpoint with its secret, shown only when created or
// rotated.
type SecretPayload struct {
	Endpoint *Endpoint
	Secret   string
}

// ReplayPayload says how many events a replay sends again.
type ReplayPayload struct{ Deliveries int }

// The global ids' type names.
const (
	EndpointType = "WebhookEndpoint"
	DeliveryType = "WebhookDelivery"
)

// GlobalID is the endpoint's id in the API.
func (e *Endpoint) GlobalID() string { return store.GlobalID(EndpointType, e.ID) }

// State is ACTIVE, PAUSED or DISABLED (disabled by the server wins).
func (e *Endpoint) State() string {
	switch {
	case e.DisabledAt != nil:
		return "DISABLED"
	case e.Paused:
		return "PAUSED"
	}
	return "ACTIVE"
}

// GlobalID is the delivery's id in the API.
func (d *Delivery) GlobalID() string { return store.GlobalID(DeliveryType, d.ID) }

// EventGlobalID is the event's id as Event.id and webhook-id give it.
func (d *Delivery) EventGlobalID() string { return strconv.FormatInt(d.EventID, 10) }

// EntityType is the GraphQL type of the event's entity.
func (d *Delivery) EntityType() string {
	t, _, _ := strings.Cut(d.Entity, ":")
	return t
}

// EntityID is the global id of the event's entity.
func (d *Delivery) EntityID() string {
	_, id, _ := strings.Cut(d.Entity, ":")
	return id
}

// State is PENDING, DELIVERED or FAILED.
func (d *Delivery) State() string { return strings.ToUpper(d.Status) }

// EndpointKey is the key of an endpoint's global id. (store.ParseID
// knows the store's tables only.)
func EndpointKey(id string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	typ, num, _ := strings.Cut(string(raw), ":")
	key, perr := strconv.ParseInt(num, 10, 64)
	if len(id) > 64 || err != nil || perr != nil || typ != EndpointType || store.GlobalID(typ, key) != id {
		return 0, apperr.Invalid("id", "%.40q is not a webhook endpoint's id", id)
	}
	return key, nil
}

// EventKey is the key of an event's id (Event.id, webhook-id).
func EventKey(id string) (int64, error) {
	key, err := strconv.ParseInt(id, 10, 64)
	if err != nil || key < 1 {
		return 0, apperr.Invalid("event", "%.40q is not an event's id", id)
	}
	return key, nil
}
