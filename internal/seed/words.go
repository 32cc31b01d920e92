package seed

import (
	"fmt"
	"math/rand/v2"
)

// The vocabularies the generator draws from. They are fixed lists so that a
// seed always yields the same data; changing a list changes every seeded
// database, so treat edits here like a schema change for the demo data.

// firmDomain is the firm's e-mail domain. Every generated domain ends in
// .example (RFC 2606) so that no address in a seeded database can reach a
// real mailbox.
const firmDomain = "meridianpartners.example"

// firstNames and lastNames mix the firm's offices' cultures; a few carry
// accents so that the API's text handling is exercised.
var firstNames = []string{
	"Anna", "Lukas", "Sophie", "Jonas", "Emma", "Felix", "Mia", "Leon", "Hannah", "Paul",
	"Lena", "Maximilian", "Clara", "Elias", "Marie", "Finn", "Laura", "Noah", "Julia", "Ben",
	"Olivia", "James", "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Grace", "Jack",
	"Emily", "William", "Charlotte", "Thomas", "Lucy", "Daniel", "Chloe", "Samuel", "Ella", "Henry",
	"Liam", "Sofia", "Ethan", "Zoë", "Mason", "Aria", "Lucas", "Mila", "Logan", "Harper",
	"Sem", "Fleur", "Daan", "Saar", "Bram", "Noor", "Jesse", "Tess", "Ruben", "Lotte",
	"Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Inès", "Gabriel", "Manon", "Arthur",
	"Priya", "Arjun", "Ananya", "Rohan", "Aisha", "Vikram", "Meera", "Rahul", "Kavya", "Aditya",
	"Wei", "Mei", "Jun", "Xin", "Hao", "Lin", "Yuki", "Haruto", "Sakura", "Ren",
	"Sofía", "Mateo", "Valentina", "Santiago", "Lucía", "Diego", "Camila", "Javier", "Elena", "Pablo",
	"João", "Beatriz", "Tiago", "Inês", "Rafael", "Marta", "Ahmed", "Fatima", "Omar", "Layla",
	"Olga", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Erik", "Ingrid", "Lars", "Astrid", "Nils",
}

var lastNames = []string{
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger",
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
	"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
	"Miller", "Davis", "Garcia", "Rodriguez", "Martinez", "Anderson", "Thomas", "Moore", "Martin", "Lee",
	"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
	"Dubois", "Lefebvre", "Moreau", "Laurent", "Girard", "Roux", "Fournier", "Bonnet", "Lambert", "Fontaine",
	"Patel", "Sharma", "Singh", "Kumar", "Gupta", "Iyer", "Reddy", "Nair", "Mehta", "Rao",
	"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Tanaka", "Sato",
	"Fernández", "González", "López", "Sánchez", "Pérez", "Gómez", "Díaz", "Silva", "Santos", "Oliveira",
	"Kowalski", "Nowak", "Wiśniewski", "Andersson", "Johansson", "Larsson", "Nilsson", "Hansen", "Jensen", "Olsen",
	"O'Brien", "Murphy", "Kelly", "Walsh", "Byrne", "Khan", "Hassan", "Ali", "Novak", "Horvat",
}

// asciiFold maps the accented letters used above onto what a mail system
// would put in an address.
var asciiFold = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'é': "e", 'è': "e", 'ë': "e", 'á': "a",
	'à': "a", 'ã': "a", 'í': "i", 'ó': "o", 'ú': "u", 'ç': "c", 'ñ': "n", 'ś': "s",
	'Ä': "ae", 'Ö': "oe", 'Ü': "ue", 'É': "e", 'Í': "i", 'Ó': "o", 'Ú': "u", 'Ñ': "n",
}

// office is a location the firm employs people in; it decides the currency
// salaries are paid in and how addresses and phone numbers look.
type office struct {
	city, country, currency string
	weight                  int    // share of the workforce
	payPercent              int64  // local pay level against the firm's USD pay bands
	fullTimeHours           int64  // weekly, in hundredths
	phone                   string // see phoneNumber
	streets                 []string
	address                 string // fmt: number, street, postcode
	postcodeLo, postcodeHi  int
}

var offices = []office{
	{"Berlin", "DE", "EUR", 22, 85, 4000, "+49 30 %03[2]d%04[3]d", []string{"Lindenstraße", "Hauptstraße", "Schönhauser Allee", "Kastanienallee", "Bergmannstraße", "Oranienstraße"}, "%[2]s %[1]d, %05[3]d Berlin", 10115, 14199},
	{"London", "GB", "GBP", 16, 95, 3750, "+44 20 7%03[2]d %04[3]d", []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Road"}, "%[1]d %[2]s, London E%[3]d", 1, 18},
	{"New York", "US", "USD", 18, 115, 4000, "+1 212 555 01%02[4]d", []string{"Main Street", "Park Avenue", "Broadway", "Maple Avenue", "Oak Street", "Hudson Street"}, "%[1]d %[2]s, New York, NY %05[3]d", 10001, 10282},
	{"Austin", "US", "USD", 12, 100, 4000, "+1 512 555 01%02[4]d", []string{"Congress Avenue", "Lamar Boulevard", "Cedar Street", "Elm Street", "Riverside Drive"}, "%[1]d %[2]s, Austin, TX %05[3]d", 78701, 78759},
	{"Amsterdam", "NL", "EUR", 10, 90, 4000, "+31 20 %03[2]d %04[3]d", []string{"Prinsengracht", "Kerkstraat", "Overtoom", "Ferdinand Bolstraat", "Javastraat"}, "%[2]s %[1]d, %04[3]d AB Amsterdam", 1011, 1109},
	{"Toronto", "CA", "CAD", 10, 95, 4000, "+1 416 555 01%02[4]d", []string{"Queen Street West", "King Street East", "Bloor Street", "Spadina Avenue", "Dundas Street"}, "%[1]d %[2]s, Toronto, ON M%[3]dV 2T6", 4, 6},
	{"Lisbon", "PT", "EUR", 6, 60, 4000, "+351 21 %03[2]d %04[3]d", []string{"Rua Augusta", "Avenida da Liberdade", "Rua do Ouro", "Rua da Prata"}, "%[2]s %[1]d, %04[3]d-001 Lisboa", 1100, 1990},
}

// currencyPer100USD converts the generator's USD reference amounts into
// local ones, in integers so amounts are exact.
var currencyPer100USD = map[string]int64{
	"USD": 100, "EUR": 92, "GBP": 79, "CAD": 136, "CHF": 88, "SEK": 1050,
	"DKK": 686, "NOK": 1070, "PLN": 400, "AUD": 150, "SGD": 134,
}

// country is a customer's home market.
type country struct {
	code, currency, legalSuffix string
	phone                       string // see phoneNumber
	weight                      int
}

var countries = []country{
	{"US", "USD", "Inc.", "+1 %03[1]d 555 01%02[4]d", 30}, {"DE", "EUR", "GmbH", "+49 %[1]d %03[2]d%04[3]d", 14},
	{"GB", "GBP", "Ltd", "+44 %[1]d %03[2]d%04[3]d", 12}, {"FR", "EUR", "SAS", "+33 %[1]d %03[2]d%04[3]d", 7},
	{"NL", "EUR", "B.V.", "+31 %[1]d %03[2]d%04[3]d", 6}, {"CA", "CAD", "Corp.", "+1 %03[1]d 555 01%02[4]d", 6},
	{"CH", "CHF", "AG", "+41 %[1]d %03[2]d%04[3]d", 3}, {"SE", "SEK", "AB", "+46 %[1]d %03[2]d%04[3]d", 3},
	{"ES", "EUR", "S.L.", "+34 %[1]d %03[2]d%04[3]d", 3}, {"IT", "EUR", "S.p.A.", "+39 %[1]d %03[2]d%04[3]d", 3},
	{"AU", "AUD", "Pty Ltd", "+61 %[1]d %03[2]d%04[3]d", 3}, {"AT", "EUR", "GmbH", "+43 %[1]d %03[2]d%04[3]d", 2},
	{"BE", "EUR", "NV", "+32 %[1]d %03[2]d%04[3]d", 2}, {"IE", "EUR", "Ltd", "+353 %[1]d %03[2]d%04[3]d", 2},
	{"DK", "DKK", "A/S", "+45 %[1]d %03[2]d%04[3]d", 2}, {"PL", "PLN", "Sp. z o.o.", "+48 %[1]d %03[2]d%04[3]d", 2},
	{"NO", "NOK", "AS", "+47 %[1]d %03[2]d%04[3]d", 1}, {"FI", "EUR", "Oy", "+358 %[1]d %03[2]d%04[3]d", 1},
	{"SG", "SGD", "Pte. Ltd.", "+65 %[1]d %03[2]d%04[3]d", 1},
}

// Customer names are a brand (two syllables) and what the business does.
var (
	brandHeads = []string{
		"North", "Blue", "Silver", "Iron", "Bright", "Cedar", "Clear", "Crest", "Summit", "Harbor",
		"Stone", "Red", "Green", "Oak", "Pine", "River", "Sun", "Star", "Eagle", "Falcon",
		"Golden", "Maple", "Ocean", "Prime", "Swift", "True", "Vista", "West", "East", "Alder",
		"Amber", "Apex", "Arc", "Atlas", "Aurora", "Beacon", "Birch", "Cobalt", "Copper", "Delta",
		"Ember", "Fern", "Granite", "Hawk", "Helio", "Juniper", "Lumen", "Marble", "Nova", "Orbit",
		"Pioneer", "Quartz", "Raven", "Sage", "Sterling", "Terra", "Titan", "Union", "Vertex", "Willow",
	}
	brandTails = []string{
		"wind", "stone", "field", "bridge", "point", "gate", "wave", "line", "works", "path",
		"forge", "light", "brook", "ridge", "mark", "way", "port", "view", "crest", "core",
		"peak", "vale", "dale", "haven", "shore", "wood", "well", "ton", "ford", "land",
	}
)

// business pairs the word in a customer's name with its industry.
type business struct{ word, industry string }

var businesses = []business{
	{"Logistics", "Transportation & Logistics"}, {"Freight", "Transportation & Logistics"},
	{"Health", "Healthcare"}, {"Clinics", "Healthcare"}, {"Pharma", "Life Sciences"}, {"Biotech", "Life Sciences"},
	{"Foods", "Food & Beverage"}, {"Brewing", "Food & Beverage"}, {"Capital", "Financial Services"},
	{"Bank", "Financial Services"}, {"Insurance", "Insurance"}, {"Assurance", "Insurance"},
	{"Energy", "Energy & Utilities"}, {"Power", "Energy & Utilities"}, {"Retail", "Retail"},
	{"Outfitters", "Retail"}, {"Systems", "Software"}, {"Software", "Software"}, {"Labs", "Technology"},
	{"Networks", "Telecommunications"}, {"Telecom", "Telecommunications"}, {"Manufacturing", "Manufacturing"},
	{"Industries", "Manufacturing"}, {"Motors", "Automotive"}, {"Mobility", "Automotive"},
	{"Media", "Media & Entertainment"}, {"Studios", "Media & Entertainment"}, {"Properties", "Real Estate"},
	{"Homes", "Real Estate"}, {"Travel", "Travel & Hospitality"}, {"Hotels", "Travel & Hospitality"},
	{"Learning", "Education"}, {"Chemicals", "Chemicals"}, {"Aerospace", "Aerospace & Defense"},
}

var contactRoles = []string{
	"Chief Technology Officer", "Chief Information Officer", "Head of Procurement", "IT Director",
	"Project Sponsor", "Finance Manager", "Product Owner", "Head of Operations", "Chief Digital Officer",
	"Program Manager", "Head of Data", "Marketing Director", "Legal Counsel", "Accounts Payable",
}

// Project names are an area of the customer's business and the kind of work.
var (
	projectAreas = []string{
		"Customer Portal", "Data Warehouse", "ERP", "Mobile App", "Billing Platform", "CRM",
		"Supply Chain", "Analytics", "Payments", "Identity", "E-Commerce", "Claims Processing",
		"Field Service", "Pricing Engine", "HR System", "Document Management", "Call Center",
		"Inventory", "Reporting", "Cloud Infrastructure", "Loyalty Program", "Onboarding",
		"Forecasting", "Search", "Compliance", "Website", "Partner Portal", "Data Lake",
	}
	projectKinds = []string{
		"Redesign", "Migration", "Modernization", "Integration", "Rollout", "Assessment",
		"Implementation", "Optimization", "Replatforming", "Discovery", "Upgrade", "Rebuild",
		"Automation", "Audit", "Strategy", "Support",
	}
	projectGoals = []string{
		"cut operating costs", "shorten time to market", "retire legacy systems",
		"meet new regulatory requirements", "improve customer satisfaction", "scale to new markets",
		"consolidate tooling after a merger", "reduce manual work", "improve data quality",
		"harden security", "support a product launch", "lower cloud spend",
	}
)

var timeNotes = []string{
	"Sprint planning", "Code review", "Workshop with client stakeholders", "Requirements analysis",
	"Bug fixing", "Deployment to staging", "Production release", "Status meeting", "Architecture review",
	"Data modelling", "Test automation", "Documentation", "Performance tuning", "User interviews",
	"Design review", "Backlog refinement", "Incident follow-up", "Migration dry run",
	"Estimation", "Training session", "Pairing session", "Steering committee", "Prototype",
	"Report preparation", "Travel to client site",
}

// phoneNumber fills in a phone format from offices or countries: %[1]d is
// an area code, %[2]d, %[3]d and %[4]d are up to three, four and two digits.
// North American numbers use 555-0100 to 555-0199, the range reserved for
// fiction.
func phoneNumber(r *rand.Rand, format string) string {
	return fmt.Sprintf(format, between(r, 201, 989), r.IntN(1000), r.IntN(10000), r.IntN(100))
}

// mailProviders hold employees' private addresses.
var mailProviders = []string{"mail.example", "post.example", "inbox.example", "webmail.example"}
