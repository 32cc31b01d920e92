package seed

import (
	"math/rand/v2"
	"strings"
	"time"
)

// The firm's market: customers and the people the firm talks to there.

// customer is one account; its id is its index + 1.
type customer struct {
	name, legalName, industry string
	domain, prefix            string // web/mail domain; prefix of its project codes
	website                   string
	country                   int
	segment, status           string
	accountManager            int64
	acv                       int64 // annual contract value in cents, -1 when there is no contract yet
	created                   day   // set once its projects are known: a customer predates its projects
	createdAt, updatedAt      time.Time
	version                   int32
	projects, contacts        int64
}

// segment describes a customer segment's contracts, in USD (whole units).
type segment struct {
	name               string
	weight             int // share of customers
	acvLo, acvHi       int
	budgetLo, budgetHi int   // one project's budget
	projectsFactor     int64 // larger customers buy more projects
}

var segments = []segment{
	{"smb", 55, 5_000, 60_000, 10_000, 150_000, 1},
	{"mid_market", 32, 60_000, 400_000, 50_000, 600_000, 2},
	{"enterprise", 13, 400_000, 5_000_000, 200_000, 5_000_000, 3},
}

var countryWeights = weightsOf(countries, func(c country) int { return c.weight })

// planCustomers draws the accounts. created is provisional until
// datedCustomers knows their first projects.
func planCustomers(r *rand.Rand, n int64, p pools) []customer {
	custs := make([]customer, n)
	segmentWeights := []int{segments[0].weight, segments[1].weight, segments[2].weight}
	for i := range custs {
		c := &custs[i]
		brand, biz := pick(r, brandHeads)+pick(r, brandTails), pick(r, businesses)
		c.name, c.industry = brand+" "+biz.word, biz.industry
		c.domain, c.prefix = strings.ToLower(brand)+".example", strings.ToUpper(brand[:4])
		c.country = pickWeighted(r, countryWeights)
		if !chance(r, 6) {
			c.legalName = c.name + " " + countries[c.country].legalSuffix
		}
		if !chance(r, 4) {
			c.website = "https://www." + c.domain
		}
		seg := segments[pickWeighted(r, segmentWeights)]
		c.segment = seg.name
		c.status = []string{"active", "prospect", "churned"}[pickWeighted(r, []int{68, 14, 18})]
		c.acv = -1
		if c.status != "prospect" {
			c.acv = toCents(int64(between(r, seg.acvLo, seg.acvHi)), countries[c.country].currency, 100)
		}
		// Prospects are often not yet owned by anyone in sales.
		if !(c.status == "prospect" && chance(r, 35)) && !chance(r, 4) {
			c.accountManager = pick(r, p.accounts)
		}
		c.created = dayBetween(r, founded+180, asOf-30)
	}
	return custs
}

func segmentOf(c *customer) *segment {
	for i := range segments {
		if segments[i].name == c.segment {
			return &segments[i]
		}
	}
	panic("seed: unknown segment " + c.segment)
}

// toCents converts a USD amount into cents of currency, rounded to whole
// multiples of unit (in the local currency) as a sales team would quote it.
func toCents(usd int64, currency string, unit int64) int64 {
	local := usd * currencyPer100USD[currency] / 100
	return local / unit * unit * 100
}

// datedCustomers moves each customer's creation before its first project and
// draws its timestamps.
func datedCustomers(r *rand.Rand, custs []customer, firstProject []day) {
	for i := range custs {
		c := &custs[i]
		if firstProject[i] != noDay {
			c.created = min(c.created, firstProject[i]-day(between(r, 14, 180)))
		}
		c.createdAt = c.created.at(between(r, 8*60, 18*60))
		c.updatedAt = timestampAfter(r, c.created, asOf)
		c.version = int32(between(r, 1, 5))
	}
}

// contactCounts gives each customer one to five contacts, about three on
// average, adding up to exactly total.
func contactCounts(r *rand.Rand, custs []customer, total int64) {
	weights := make([]int64, len(custs))
	for i := range weights {
		weights[i] = int64(between(r, 1, 5))
	}
	for i, n := range apportion(total, weights) {
		custs[i].contacts = n
	}
}

var (
	customerColumns = []string{"id", "name", "legal_name", "industry", "country", "segment", "status",
		"account_manager_id", "website", "annual_contract_value", "created_at", "updated_at", "version"}
	contactColumns = []string{"id", "customer_id", "name", "email", "phone", "role", "is_primary", "created_at"}
)

func customerRow(custs []customer) func(int, []any) {
	return func(i int, row []any) {
		c := &custs[i]
		acv := any(nil)
		if c.acv >= 0 {
			acv = decimal(c.acv)
		}
		row[0], row[1], row[2], row[3], row[4] = int64(i+1), c.name, nullText(c.legalName), c.industry, countries[c.country].code
		row[5], row[6], row[7], row[8], row[9] = c.segment, c.status, nullID(c.accountManager), nullText(c.website), acv
		row[10], row[11], row[12] = c.createdAt, c.updatedAt, c.version
	}
}

// contactRows streams every customer's contacts, grouped by customer as a
// CRM import would create them; the first is the primary contact.
func contactRows(r *rand.Rand, custs []customer) func([]any) bool {
	var id, k int64
	ci := 0
	return func(row []any) bool {
		for ci < len(custs) && k >= custs[ci].contacts {
			ci, k = ci+1, 0
		}
		if ci == len(custs) {
			return false
		}
		c := &custs[ci]
		id++
		first, last := pick(r, firstNames), pick(r, lastNames)
		email, phone, role := any(nil), any(nil), any(nil)
		if !chance(r, 3) {
			email = mailLocal(first) + "." + mailLocal(last) + "@" + c.domain
		}
		if chance(r, 80) {
			phone = phoneNumber(r, countries[c.country].phone)
		}
		if chance(r, 90) {
			role = pick(r, contactRoles)
		}
		row[0], row[1], row[2], row[3], row[4] = id, int64(ci+1), first+" "+last, email, phone
		row[5], row[6], row[7] = role, k == 0, timestampAfter(r, c.created, asOf)
		k++
		return true
	}
}
