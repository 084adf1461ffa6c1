//go:build tools

// Package tools pins promtool (Prometheus v3.5.0, the version docker-compose.yml runs) so that
// `go mod tidy` keeps it and its dependencies in go.mod and go.sum; deploy/tools/build.sh builds
// the package named in `package`.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
