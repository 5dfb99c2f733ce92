//go:build tools

// Package tools pins the Pulumi CLI so that `go build` can produce it from the
// Go module proxy. This file is never compiled; it only records the dependency.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
