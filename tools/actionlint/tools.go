//go:build tools

// Package tools pins actionlint so that `go build` can produce it from the Go module proxy (the same way the Pulumi
// CLI is built in tools/pulumi-cli). This file is never compiled; it only records the dependency.
package tools

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
