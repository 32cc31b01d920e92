package policy

// Webhooks out (issue 18): the endpoints that receive the firm's events,
// their secrets and their deliveries are an admin's business alone. An
// endpoint's deliveries carry events' data, so reading them is seeing
// every change of the firm; its secret forges messages to its receiver.
func init() {
	for _, t := range []string{"webhook_endpoints", "webhook_deliveries"} {
		Firm[t] = Table{Rows: &admin, Create: admin, Update: admin, Delete: admin}
	}
}
