package write

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

var (
	customers = &spec{table: "customers", typ: "Customer", noun: "customer", versioned: true, stamped: true,
		refs: map[string]string{"account_manager_id": "Employee"}}
	contacts = &spec{table: "contacts", typ: "Contact", noun: "contact",
		refs: map[string]string{"customer_id": "Customer"}}
)

// CreateCustomer adds a customer and answers its key.
func (w *Writer) CreateCustomer(ctx context.Context, in store.CreateCustomerInput) (int64, error) {
	s := newSet("input")
	req(s, "name", "name", in.Name, name)
	opt(s, "legalName", "legal_name", in.LegalName, true, name)
	opt(s, "industry", "industry", in.Industry, true, short)
	req(s, "country", "country", in.Country, country)
	req(s, "segment", "segment", in.Segment)
	optOr(s, "status", "status", in.Status, "prospect")
	s.optRef("accountManagerId", "account_manager_id", in.AccountManagerID, "Employee")
	opt(s, "website", "website", in.Website, true, short)
	opt(s, "annualContractValue", "annual_contract_value", in.AnnualContractValue, true, money)
	return w.create(ctx, creation{sp: customers, s: s, event: events.CustomerCreated})
}

// UpdateCustomer changes the customer the input names.
func (w *Writer) UpdateCustomer(ctx context.Context, in store.UpdateCustomerInput) (int64, error) {
	k, err := target(in.ID, "Customer")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	opt(s, "name", "name", in.Name, false, name)
	opt(s, "legalName", "legal_name", in.LegalName, true, name)
	opt(s, "industry", "industry", in.Industry, true, short)
	opt(s, "country", "country", in.Country, false, country)
	opt(s, "segment", "segment", in.Segment, false)
	opt(s, "status", "status", in.Status, false)
	s.optRef("accountManagerId", "account_manager_id", in.AccountManagerID, "Employee")
	opt(s, "website", "website", in.Website, true, short)
	opt(s, "annualContractValue", "annual_contract_value", in.AnnualContractValue, true, money)
	return w.alter(ctx, alteration{sp: customers, key: k, version: &in.Version, s: s, event: events.CustomerUpdated,
		facts: by(func(before row) *policy.Facts {
			return &policy.Facts{AccountManager: before.int("account_manager_id")}
		})})
}

// contactCustomer is the facts of a contact of the customer with key: its
// account manager keeps it.
func contactFacts(ctx context.Context, tx *database.DB, customer int64) (*policy.Facts, error) {
	var am *int64
	if err := tx.WithContext(ctx).Raw(`SELECT account_manager_id FROM customers WHERE id = ?`, customer).Scan(&am).Error; err != nil {
		return nil, err
	}
	f := &policy.Facts{}
	if am != nil {
		f.AccountManager = *am
	}
	return f, nil
}

// CreateContact adds a contact to a customer.
func (w *Writer) CreateContact(ctx context.Context, in store.CreateContactInput) (int64, error) {
	s := newSet("input")
	s.ref("customerId", "customer_id", in.CustomerID, "Customer")
	req(s, "name", "name", in.Name, name)
	opt(s, "email", "email", in.Email, true, email)
	opt(s, "phone", "phone", in.Phone, true, short)
	opt(s, "role", "role", in.Role, true, short)
	opt(s, "isPrimary", "is_primary", in.IsPrimary, false)
	customer, _ := s.has("customer_id")
	c, _ := customer.(int64)
	return w.create(ctx, creation{sp: contacts, s: s, event: events.ContactCreated,
		facts: func(ctx context.Context, tx *database.DB) (*policy.Facts, error) { return contactFacts(ctx, tx, c) }})
}

// UpdateContact changes a contact; it stays with its customer.
func (w *Writer) UpdateContact(ctx context.Context, in store.UpdateContactInput) (int64, error) {
	k, err := target(in.ID, "Contact")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	opt(s, "name", "name", in.Name, false, name)
	opt(s, "email", "email", in.Email, true, email)
	opt(s, "phone", "phone", in.Phone, true, short)
	opt(s, "role", "role", in.Role, true, short)
	opt(s, "isPrimary", "is_primary", in.IsPrimary, false)
	return w.alter(ctx, alteration{sp: contacts, key: k, s: s, event: events.ContactUpdated,
		facts: func(ctx context.Context, tx *database.DB, before row) (*policy.Facts, error) {
			return contactFacts(ctx, tx, before.int("customer_id"))
		}})
}

// DeleteContact deletes a contact and answers its global id.
func (w *Writer) DeleteContact(ctx context.Context, in store.DeleteInput) (string, error) {
	id, err := caller(ctx)
	if err != nil {
		return "", err
	}
	k, err := target(in.ID, "Contact")
	if err != nil {
		return "", err
	}
	return in.ID, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, contacts, k)
		if err != nil {
			return err
		}
		facts, err := contactFacts(ctx, tx, before.int("customer_id"))
		if err != nil {
			return err
		}
		if err := w.allow(id, policy.Delete, contacts, facts, nil); err != nil {
			return err
		}
		if err := w.remove(ctx, tx, contacts, k); err != nil {
			return err
		}
		return w.record(ctx, tx, id, contacts, events.ContactDeleted, change{before: before})
	})
}

// UpsertCustomers creates or updates the customers a source (a CRM)
// sends, by its ids (sync.go), and answers what became of each.
func (w *Writer) UpsertCustomers(ctx context.Context, in store.UpsertCustomersInput) ([]*store.SyncResult, error) {
	return w.sync(ctx, syncing{sp: customers, source: in.Source, externals: externalsOf(in.Items, func(it *store.CustomerSyncItem) string { return it.ExternalID }),
		created: events.CustomerCreated, updated: events.CustomerUpdated,
		build: func(i int, s *set, before row) {
			it := in.Items[i]
			must(s, before, "name", "name", it.Name, name)
			may(s, before, "legalName", "legal_name", it.LegalName, name)
			may(s, before, "industry", "industry", it.Industry, short)
			must(s, before, "country", "country", it.Country, country)
			must(s, before, "segment", "segment", it.Segment)
			mayOr(s, before, "status", "status", it.Status, "prospect")
			may(s, before, "website", "website", it.Website, short)
			may(s, before, "annualContractValue", "annual_contract_value", it.AnnualContractValue, money)
		}})
}

// UpsertContacts creates or updates the contacts a source sends, by its
// ids, each of a customer the same source synced; a contact stays with
// its customer.
func (w *Writer) UpsertContacts(ctx context.Context, in store.UpsertContactsInput) ([]*store.SyncResult, error) {
	var customerOf map[string]int64
	return w.sync(ctx, syncing{sp: contacts, source: in.Source, externals: externalsOf(in.Items, func(it *store.ContactSyncItem) string { return it.ExternalID }),
		created: events.ContactCreated, updated: events.ContactUpdated,
		prepare: func(ctx context.Context, tx *database.DB) error {
			var named []string
			for _, it := range in.Items {
				if c, _ := it.CustomerExternalID.ValueOK(); c != nil {
					named = append(named, *c)
				}
			}
			var err error
			customerOf, err = synced(ctx, tx, in.Source, customers, named)
			return err
		},
		build: func(i int, s *set, before row) {
			it := in.Items[i]
			switch c, given := it.CustomerExternalID.ValueOK(); {
			case !given && before == nil:
				s.problem("customerExternalId", "is required for a new record")
			case given && c == nil:
				s.problem("customerExternalId", "cannot be null")
			case given:
				k, ok := customerOf[*c]
				switch {
				case !ok:
					s.problem("customerExternalId", "no customer %s synced has the externalId %.40q", in.Source, *c)
				case before != nil && before.int("customer_id") != k:
					s.problem("customerExternalId", "a contact stays with its customer, %s", store.GlobalID(customers.typ, before.int("customer_id")))
				default:
					s.put("customer_id", k)
					s.exists("customerExternalId", "Customer", k)
				}
			}
			must(s, before, "name", "name", it.Name, name)
			may(s, before, "email", "email", it.Email, email)
			may(s, before, "phone", "phone", it.Phone, short)
			may(s, before, "role", "role", it.Role, short)
			mayOr(s, before, "isPrimary", "is_primary", it.IsPrimary, false)
		}})
}
