// Command dockerfile-lint runs BuildKit's own Dockerfile checks, the rules `docker build --check`
// applies (https://docs.docker.com/reference/build-checks/), without a Docker engine: the same
// parser, instruction parser, linter and conversion (dockerfile2llb.DockerfileLint) the dockerfile
// frontend runs. It prints each warning as FILE:LINE: RULE: DETAIL (URL) and exits 1 on any
// warning or error, 2 on bad usage.
//
// usage: dockerfile-lint [--build-arg NAME=VALUE]... DOCKERFILE...
//
// Offline differences from `docker build --check`: base images are not pulled. Their config is
// stood in by a linux image of the target platform with only the default PATH set, so rules that
// read the real base image (InvalidBaseImagePlatform, UndefinedVar for variables the base image
// sets other than PATH) cannot see it, and CopyIgnoredFile (experimental, needs the build context)
// does not run; `# check=` directives in the Dockerfile work as in BuildKit.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/opencontainers/go-digest"
)

// offlineImages answers every base-image lookup with a minimal non-empty linux image instead of
// asking a registry, so the lint needs no network and gives the same result everywhere.
type offlineImages struct{}

func (offlineImages) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := platforms.DefaultSpec()
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	cfg := map[string]any{
		"architecture": p.Architecture,
		"os":           p.OS,
		"variant":      p.Variant,
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		// One layer, so that the stage is not treated as scratch.
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest.FromString(ref).String()}},
	}
	dt, err := json.Marshal(cfg)
	return ref, "", dt, err
}

func lint(file string, buildArgs map[string]string) (int, error) {
	dt, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	// The frontend's source map also holds the LLB of the Dockerfile's own source; the lint only
	// reads its file name and text, but AddSource dereferences the definition, so give it one.
	smap := llb.NewSourceMap(nil, file, "Dockerfile", dt)
	smap.Definition = &llb.Definition{}
	res, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
		Config:       dockerui.Config{BuildArgs: buildArgs},
		SourceMap:    smap,
		MetaResolver: offlineImages{},
	})
	if err != nil {
		return 0, err
	}
	for _, w := range res.Warnings {
		line := int32(0)
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = w.Location.Ranges[0].Start.Line
		}
		fmt.Printf("%s:%d: %s: %s (%s)\n", file, line, w.RuleName, w.Detail, w.URL)
	}
	n := len(res.Warnings)
	if res.Error != nil {
		line := int32(0)
		if len(res.Error.Location.Ranges) > 0 {
			line = res.Error.Location.Ranges[0].Start.Line
		}
		fmt.Printf("%s:%d: error: %s\n", file, line, res.Error.Message)
		n++
	}
	return n, nil
}

func main() {
	args := os.Args[1:]
	buildArgs := map[string]string{}
	var files []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--build-arg" && i+1 < len(args) && strings.Contains(args[i+1], "="):
			k, v, _ := strings.Cut(args[i+1], "=")
			buildArgs[k] = v
			i++
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(os.Stderr, "dockerfile-lint: unknown option %q; usage: dockerfile-lint [--build-arg NAME=VALUE]... DOCKERFILE...\n", a)
			os.Exit(2)
		default:
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-lint [--build-arg NAME=VALUE]... DOCKERFILE...")
		os.Exit(2)
	}
	problems := 0
	for _, f := range files {
		n, err := lint(f, buildArgs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dockerfile-lint: %s: %v\n", f, err)
			os.Exit(2)
		}
		problems += n
	}
	if problems > 0 {
		fmt.Fprintf(os.Stderr, "dockerfile-lint: %d problem(s) in %s\n", problems, strings.Join(files, " "))
		os.Exit(1)
	}
}
