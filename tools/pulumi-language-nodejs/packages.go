package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packageJSON holds the package.json fields that decide whether a package brings a resource plugin.
type packageJSON struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	Pulumi          plugin.PulumiPluginJSON `json:"pulumi"`
	Dependencies    map[string]string       `json:"dependencies"`
	DevDependencies map[string]string       `json:"devDependencies"`
}

// GetRequiredPackages reports one resource plugin per installed npm package marked `"pulumi": {"resource": true}`,
// so the engine can load (never download, in this project) exactly the provider versions the SDKs expect.
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, problems := scanPackages(req.GetInfo().GetProgramDirectory())
	warnProblems(problems)
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages, still used by some engine code paths.
func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram()
	}
	pkgs, problems := scanPackages(dir)
	warnProblems(problems)
	plugins := make([]*pulumirpc.PluginDependency, 0, len(pkgs))
	for _, p := range pkgs {
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// warnProblems reports unreadable package.json files only when PULUMI_LANGUAGE_NODEJS_DEBUG is set: the engine
// shows our stderr to the user, and one odd package deep in node_modules must neither block nor clutter a
// deployment (upstream logs these at verbosity 3 only).
func warnProblems(problems []error) {
	if os.Getenv("PULUMI_LANGUAGE_NODEJS_DEBUG") == "" {
		return
	}
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "warning: %v\n", p)
	}
}

// scanPackages walks dir and every node_modules below it. It follows symlinks (a node_modules may be linked in)
// but visits each real directory once, skips policy packs (their plugins are not the program's) and skips
// dot-directories outside node_modules (.git, state and cache dirs hold no program dependencies).
func scanPackages(dir string) ([]*pulumirpc.PackageDependency, []error) {
	s := &scanner{visited: map[string]bool{}, seen: map[string]bool{}, sdkVersions: map[string]string{}}
	if dir == "" {
		dir = "."
	}
	s.walk(dir, false)
	s.checkSDKVersions()
	sort.Slice(s.found, func(i, j int) bool {
		if s.found[i].Name != s.found[j].Name {
			return s.found[i].Name < s.found[j].Name
		}
		return s.found[i].Version < s.found[j].Version
	})
	return s.found, s.problems
}

type scanner struct {
	visited     map[string]bool
	seen        map[string]bool
	found       []*pulumirpc.PackageDependency
	problems    []error
	sdkVersions map[string]string // path of each @pulumi/pulumi package.json -> version
}

func (s *scanner) walk(dir string, inNodeModules bool) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		s.problems = append(s.problems, fmt.Errorf("reading %s: %w", dir, err))
		return
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	if s.visited[real] {
		return
	}
	s.visited[real] = true

	entries, err := os.ReadDir(dir)
	if err != nil {
		s.problems = append(s.problems, fmt.Errorf("reading %s: %w", dir, err))
		return
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil {
				continue // dangling links (e.g. stale .bin entries) are not packages
			}
			isDir = fi.IsDir()
		}
		if isDir {
			if !inNodeModules && strings.HasPrefix(name, ".") {
				continue
			}
			if _, err := os.Stat(filepath.Join(path, "PulumiPolicy.yaml")); err == nil {
				continue
			}
			s.walk(path, inNodeModules || filepath.Base(dir) == "node_modules")
			continue
		}
		if inNodeModules && name == "package.json" {
			s.readPackage(path)
		}
	}
}

func (s *scanner) readPackage(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		s.problems = append(s.problems, fmt.Errorf("reading %s: %w", path, err))
		return
	}
	var info packageJSON
	if err := json.Unmarshal(b, &info); err != nil {
		s.problems = append(s.problems, fmt.Errorf("parsing %s: %w", path, err))
		return
	}
	if info.Name == "@pulumi/pulumi" {
		s.sdkVersions[path] = info.Version
	}
	dep, err := packageDependency(info)
	if err != nil {
		s.problems = append(s.problems, fmt.Errorf("%s: %w", path, err))
		return
	}
	if dep == nil {
		return
	}
	key := dep.Name + "@" + dep.Version
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	s.found = append(s.found, dep)
}

// packageDependency maps a package.json to the resource plugin it needs, or nil when it needs none.
// Name: pulumi.name, else the part after "@pulumi/"; third-party packages must set pulumi.name.
// Version: pulumi.version, else the package version, always with a leading "v".
func packageDependency(info packageJSON) (*pulumirpc.PackageDependency, error) {
	if !info.Pulumi.Resource {
		return nil, nil
	}
	name := info.Pulumi.Name
	if name == "" {
		switch {
		case info.Name == "":
			return nil, errors.New(`package marked "pulumi.resource" has no "name"`)
		case strings.HasPrefix(info.Name, "@pulumi/"):
			name = strings.TrimPrefix(info.Name, "@pulumi/")
		default:
			return nil, fmt.Errorf(`third-party package %q must set "pulumi.name" in package.json`, info.Name)
		}
	}
	version := info.Pulumi.Version
	if version == "" {
		version = info.Version
	}
	if version == "" {
		return nil, fmt.Errorf(`package %q has no "version"`, info.Name)
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: version, Server: info.Pulumi.Server}
	if p := info.Pulumi.Parameterization; p != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	return dep, nil
}

// checkSDKVersions warns when different major versions of @pulumi/pulumi are installed side by side: objects from
// one copy are not understood by the other.
func (s *scanner) checkSDKVersions() {
	var firstPath, firstMajor string
	paths := make([]string, 0, len(s.sdkVersions))
	for p := range s.sdkVersions {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		major := strings.SplitN(s.sdkVersions[p], ".", 2)[0]
		if firstPath == "" {
			firstPath, firstMajor = p, major
			continue
		}
		if major != firstMajor {
			fmt.Fprintf(os.Stderr, "warning: incompatible versions of @pulumi/pulumi: %s at %s and %s at %s\n",
				s.sdkVersions[firstPath], firstPath, s.sdkVersions[p], p)
			return
		}
	}
}
