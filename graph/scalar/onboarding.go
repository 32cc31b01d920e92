package scalar

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/store"
)

// The enumerations of the onboarding workflow.
var (
	onboardingStatus    = newEnum("OnboardingStatus", store.EnumLabels.OnboardingStatus)
	onboardingTaskOwner = newEnum("OnboardingTaskOwner", store.EnumLabels.OnboardingTaskOwner)
)

func MarshalOnboardingStatus(v store.OnboardingStatus) graphql.Marshaler {
	return onboardingStatus.marshal(v)
}
func UnmarshalOnboardingStatus(v any) (store.OnboardingStatus, error) {
	return onboardingStatus.unmarshal(v)
}
func MarshalOnboardingTaskOwner(v store.OnboardingTaskOwner) graphql.Marshaler {
	return onboardingTaskOwner.marshal(v)
}
func UnmarshalOnboardingTaskOwner(v any) (store.OnboardingTaskOwner, error) {
	return onboardingTaskOwner.unmarshal(v)
}
