package scalar

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/store"
)

// The enumerations of payroll.
var (
	payrollRunStatus = newEnum("PayrollRunStatus", store.EnumLabels.PayrollRunStatus)
	payBasis         = newEnum("PayBasis", store.EnumLabels.PayBasis)
)

func MarshalPayrollRunStatus(v store.PayrollRunStatus) graphql.Marshaler {
	return payrollRunStatus.marshal(v)
}
func UnmarshalPayrollRunStatus(v any) (store.PayrollRunStatus, error) {
	return payrollRunStatus.unmarshal(v)
}
func MarshalPayBasis(v store.PayBasis) graphql.Marshaler { return payBasis.marshal(v) }
func UnmarshalPayBasis(v any) (store.PayBasis, error)    { return payBasis.unmarshal(v) }
