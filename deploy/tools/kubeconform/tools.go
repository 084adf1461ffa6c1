//go:build tools

// Package tools pins kubeconform for deploy/tools/build.sh: the blank import keeps the module in
// go.mod and go.sum through `go mod tidy`; `package` names the command to build.
package tools

import _ "github.com/yannh/kubeconform/cmd/kubeconform"
