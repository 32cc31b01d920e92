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
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
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
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := w.allow(id, policy.Create, customers, &policy.Facts{}, s.cols); err != nil {
			return err
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, customers, s)
		if err != nil {
			return err
		}
		k = rows[0].int("id")
		return w.record(ctx, tx, id, customers, events.CustomerCreated, change{after: rows[0]})
	})
	return k, err
}

// UpdateCustomer changes the customer the input names.
func (w *Writer) UpdateCustomer(ctx context.Context, in store.UpdateCustomerInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
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
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, customers, k)
		if err != nil {
			return err
		}
		if err := w.allow(id, policy.Update, customers, &policy.Facts{AccountManager: before.int("account_manager_id")}, s.cols); err != nil {
			return err
		}
		if err := checkVersion(customers, before, in.Version); err != nil {
			return err
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		after, err := w.update(ctx, tx, customers, k, s)
		if err != nil {
			return err
		}
		return w.record(ctx, tx, id, customers, events.CustomerUpdated, change{before, after})
	})
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
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	s.ref("customerId", "customer_id", in.CustomerID, "Customer")
	req(s, "name", "name", in.Name, name)
	opt(s, "email", "email", in.Email, true, email)
	opt(s, "phone", "phone", in.Phone, true, short)
	opt(s, "role", "role", in.Role, true, short)
	opt(s, "isPrimary", "is_primary", in.IsPrimary, false)
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		customer, _ := s.has("customer_id")
		c, _ := customer.(int64)
		facts, err := contactFacts(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := w.allow(id, policy.Create, contacts, facts, s.cols); err != nil {
			return err
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, contacts, s)
		if err != nil {
			return err
		}
		k = rows[0].int("id")
		return w.record(ctx, tx, id, contacts, events.ContactCreated, change{after: rows[0]})
	})
	return k, err
}

// UpdateContact changes a contact; it stays with its customer.
func (w *Writer) UpdateContact(ctx context.Context, in store.UpdateContactInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
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
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, contacts, k)
		if err != nil {
			return err
		}
		facts, err := contactFacts(ctx, tx, before.int("customer_id"))
		if err != nil {
			return err
		}
		if err := w.allow(id, policy.Update, contacts, facts, s.cols); err != nil {
			return err
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		after, err := w.update(ctx, tx, contacts, k, s)
		if err != nil {
			return err
		}
		return w.record(ctx, tx, id, contacts, events.ContactUpdated, change{before, after})
	})
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
