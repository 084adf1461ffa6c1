//go:build tools

// Package tools pins kustomize for deploy/tools/build.sh: the blank import keeps the module in
// go.mod and go.sum through `go mod tidy`; `package` names the command to build.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
