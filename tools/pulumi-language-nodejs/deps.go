package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// GetProgramDependencies lists the program's npm dependencies with the versions actually installed
// (for `pulumi about` and update metadata). With TransitiveDependencies it lists every top-level node_modules
// package instead of only the declared ones.
func (h *host) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetProgram()
	}
	deps, err := installedDependencies(dir, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func installedDependencies(dir string, transitive bool) ([]*pulumirpc.DependencyInfo, error) {
	var names []string
	if transitive {
		var err error
		if names, err = nodeModulesPackages(filepath.Join(dir, "node_modules")); err != nil {
			return nil, err
		}
	} else {
		b, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, fmt.Errorf("reading the program's package.json: %w", err)
		}
		var pkg packageJSON
		if err := json.Unmarshal(b, &pkg); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", filepath.Join(dir, "package.json"), err)
		}
		for n := range pkg.Dependencies {
			names = append(names, n)
		}
		for n := range pkg.DevDependencies {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	deps := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", n, "package.json"))
		if err != nil {
			continue // declared but not installed: nothing to report
		}
		var pkg packageJSON
		if json.Unmarshal(b, &pkg) == nil && pkg.Version != "" {
			deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: pkg.Version})
		}
	}
	return deps, nil
}

// nodeModulesPackages lists package names directly under node_modules, including scoped ones.
func nodeModulesPackages(nm string) ([]string, error) {
	entries, err := os.ReadDir(nm)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", nm, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if n[0] == '.' {
			continue
		}
		if n[0] == '@' {
			scoped, err := os.ReadDir(filepath.Join(nm, n))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				names = append(names, n+"/"+s.Name())
			}
			continue
		}
		names = append(names, n)
	}
	return names, nil
}

// InstallDependencies (used by `pulumi install` and policy-pack installs) only runs npm when @pulumi/pulumi is
// not already resolvable: an installed tree is left alone, so no command ever reaches the network needlessly.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory()
	}
	node, err := findNode()
	if err != nil {
		return err
	}
	if _, err := resolveModule(server.Context(), node, dir, "@pulumi/pulumi/package.json", ""); err == nil {
		fmt.Fprintf(stdout, "Dependencies already installed in %s; nothing to do.\n", dir)
		return closer.Close()
	}
	npmArgs := []string{"install", "--no-audit", "--no-fund"}
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		npmArgs = []string{"ci", "--no-audit", "--no-fund"}
	}
	fmt.Fprintf(stdout, "Installing dependencies in %s with npm %s...\n", dir, npmArgs[0])
	cmd := exec.CommandContext(server.Context(), "npm", npmArgs...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm %s failed in %s: %w", npmArgs[0], dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return closer.Close()
}
