package scalar

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/store"
)

// The enumerations of performance reviews.
var (
	reviewCycleStatus = newEnum("ReviewCycleStatus", store.EnumLabels.ReviewCycleStatus)
	reviewStatus      = newEnum("ReviewStatus", store.EnumLabels.ReviewStatus)
)

func MarshalReviewCycleStatus(v store.ReviewCycleStatus) graphql.Marshaler {
	return reviewCycleStatus.marshal(v)
}
func UnmarshalReviewCycleStatus(v any) (store.ReviewCycleStatus, error) {
	return reviewCycleStatus.unmarshal(v)
}
func MarshalReviewStatus(v store.ReviewStatus) graphql.Marshaler { return reviewStatus.marshal(v) }
func UnmarshalReviewStatus(v any) (store.ReviewStatus, error)    { return reviewStatus.unmarshal(v) }
