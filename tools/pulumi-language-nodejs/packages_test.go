package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeJSON(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScanPackagesFollowsTheNpmRules(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"4.21.1","pulumi":{"resource":true,"name":"random","version":"4.21.1"}}`)
	writeJSON(t, filepath.Join(nm, "@pulumi/command/package.json"), // no pulumi.version: the package version, "v"-prefixed
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true}}`)
	writeJSON(t, filepath.Join(nm, "@pulumi/pulumi/package.json"), `{"name":"@pulumi/pulumi","version":"3.248.0"}`)
	writeJSON(t, filepath.Join(nm, "left-pad/package.json"), `{"name":"left-pad","version":"1.0.0"}`)
	writeJSON(t, filepath.Join(nm, "third-party/package.json"), `{"name":"third-party","version":"1.0.0","pulumi":{"resource":true}}`)
	writeJSON(t, filepath.Join(nm, "a/node_modules/@pulumi/random/package.json"), // a duplicate, reported once
		`{"name":"@pulumi/random","version":"4.21.1","pulumi":{"resource":true,"name":"random","version":"4.21.1"}}`)
	// A policy pack inside the project: its plugins are not the program's.
	writeJSON(t, filepath.Join(dir, "policies/PulumiPolicy.yaml"), "runtime: nodejs\n")
	writeJSON(t, filepath.Join(dir, "policies/node_modules/@pulumi/aws/package.json"),
		`{"name":"@pulumi/aws","version":"7.0.0","pulumi":{"resource":true}}`)
	// Dot-directories outside node_modules (state, caches) are not scanned.
	writeJSON(t, filepath.Join(dir, ".stackguard/pulumi-home/node_modules/@pulumi/gcp/package.json"),
		`{"name":"@pulumi/gcp","version":"9.0.0","pulumi":{"resource":true}}`)
	// A symlink cycle must not loop.
	if err := os.Symlink(nm, filepath.Join(nm, "a", "node_modules", "loop")); err != nil {
		t.Fatal(err)
	}

	pkgs, problems := scanPackages(dir)
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Kind+":"+p.Name+"@"+p.Version)
	}
	if want := "resource:command@v1.2.1 resource:random@v4.21.1"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), `third-party package "third-party" must set "pulumi.name"`) {
		t.Fatalf("problems: %v", problems)
	}
}

func TestScanPackagesFindsTheRealProjectsProviders(t *testing.T) {
	root, _ := filepath.Abs("../..")
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@pulumi", "random")); err != nil {
		t.Skip("project node_modules not installed")
	}
	pkgs, _ := scanPackages(root)
	found := map[string]string{}
	for _, p := range pkgs {
		found[p.Name] = p.Version
	}
	if found["random"] != "v4.21.1" || found["command"] != "v1.2.1" {
		t.Fatalf("want random v4.21.1 and command v1.2.1, got %v", found)
	}
}
