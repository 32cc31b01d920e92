package graph

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/store"
)

// The payloads of the onboarding steps, read back as writes.go's are.

func onboardingPayload(ctx context.Context, st *store.Store, k int64, err error) (*store.OnboardingPayload, error) {
	row, err := readBackOne[*store.Onboarding](ctx, st, "Onboarding", "onboarding", k, err)
	if row == nil {
		return nil, err
	}
	return &store.OnboardingPayload{Onboarding: row}, nil
}

// onboardingTaskPayload reads back the task completed and its onboarding,
// each with what its payload field selects.
func onboardingTaskPayload(ctx context.Context, st *store.Store, task, onboarding int64, err error) (*store.OnboardingTaskPayload, error) {
	t, err := readBackOne[*store.OnboardingTask](ctx, st, "OnboardingTask", "task", task, err)
	if t == nil {
		return nil, err
	}
	o, err := readBackOne[*store.Onboarding](ctx, st, "Onboarding", "onboarding", onboarding, nil)
	if err != nil {
		return nil, err
	}
	return &store.OnboardingTaskPayload{Task: t, Onboarding: o}, nil
}

// templatePayload reads back the template written, with what the payload
// selects.
func templatePayload(ctx context.Context, st *store.Store, k int64, err error) (*store.OnboardingTemplatePayload, error) {
	row, err := readBackOne[*store.OnboardingTemplate](ctx, st, "OnboardingTemplate", "template", k, err)
	if row == nil {
		return nil, err
	}
	return &store.OnboardingTemplatePayload{Template: row}, nil
}
