package main

import (
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

func TestSplitArgs(t *testing.T) {
	cases := map[string][]string{
		"":                                   nil,
		"--max-old-space-size=4096":          {"--max-old-space-size=4096"},
		`  -r 'a b'  "c \"d\"" e\ f `:        {"-r", "a b", `c "d"`, "e f"},
		`--require ./x.js --inspect=0.0.0.0`: {"--require", "./x.js", "--inspect=0.0.0.0"},
	}
	for in, want := range cases {
		got, err := splitArgs(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := splitArgs(`"open`); err == nil {
		t.Errorf("unterminated quote must fail")
	}
}

func TestParseOptionsDefaultsAndErrorsNameTheField(t *testing.T) {
	opts, err := parseOptions(nil)
	if err != nil || !opts.typescript || len(opts.env()) != 1 || opts.env()[0] != "PULUMI_NODEJS_TYPESCRIPT=true" {
		t.Fatalf("defaults: %+v %v", opts, err)
	}
	s, _ := structpb.NewStruct(map[string]any{"typescript": false, "tsconfig": "tsconfig.pulumi.json", "nodeargs": "--no-warnings"})
	opts, err = parseOptions(s)
	if err != nil || opts.typescript || !reflect.DeepEqual(opts.env(), []string{"PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.pulumi.json"}) ||
		!reflect.DeepEqual(opts.nodeArgs, []string{"--no-warnings"}) {
		t.Fatalf("parsed: %+v %v", opts, err)
	}
	bad, _ := structpb.NewStruct(map[string]any{"typescript": "yes"})
	if _, err := parseOptions(bad); err == nil || !strings.Contains(err.Error(), "runtime.options.typescript") {
		t.Fatalf("want an error naming runtime.options.typescript, got %v", err)
	}
}
