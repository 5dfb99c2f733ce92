package random

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

const passwordURN = presource.URN("urn:pulumi:dev::proj::random:index/randomPassword:RandomPassword::pw")

func server(t *testing.T) integration.Server {
	t.Helper()
	prov, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("4.21.1"), integration.WithProvider(prov))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSchemaUsesTheNpmTokensAndSecretOutputs(t *testing.T) {
	resp, err := server(t).GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Meta      struct{ ModuleFormat string } `json:"meta"`
		Resources map[string]struct {
			Properties map[string]struct {
				Secret bool `json:"secret"`
			} `json:"properties"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(resp.Schema), &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Meta.ModuleFormat != "(.*)(?:/[^/]*)" {
		t.Errorf("meta.moduleFormat = %q: tokens like index/randomId would not bind", schema.Meta.ModuleFormat)
	}
	pw, ok := schema.Resources["random:index/randomPassword:RandomPassword"]
	if !ok {
		t.Fatalf("RandomPassword token missing; resources: %v", keys(schema.Resources))
	}
	if !pw.Properties["result"].Secret || !pw.Properties["bcryptHash"].Secret {
		t.Errorf("result and bcryptHash must be secret: %+v", pw.Properties)
	}
	if _, ok := schema.Resources["random:index/randomId:RandomId"]; !ok {
		t.Errorf("RandomId token missing; resources: %v", keys(schema.Resources))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedKeys(m property.Map) []string {
	out := keys(m.AsMap())
	sort.Strings(out)
	return out
}

func inputs(kv map[string]property.Value) property.Map { return property.NewMap(kv) }

// The official plugin's RandomPassword outputs (shared/pulumi-official-state): every attribute with its default,
// "__meta" and the raw state delta; keepers/overrideSpecial absent when unset.
var officialPasswordKeys = []string{"__meta", "__pulumi_raw_state_delta", "bcryptHash", "id", "length", "lower", "minLower",
	"minNumeric", "minSpecial", "minUpper", "number", "numeric", "result", "special", "upper"}

func TestPasswordKeepsInputsAsGivenAndWritesTheOfficialState(t *testing.T) {
	s := server(t)
	in := inputs(map[string]property.Value{"length": property.New(20.0), "special": property.New(false)})
	checked, err := s.Check(p.CheckRequest{Urn: passwordURN, Inputs: in})
	if err != nil || len(checked.Failures) > 0 {
		t.Fatalf("check: %v %v", err, checked.Failures)
	}
	if got := sortedKeys(checked.Inputs); strings.Join(got, ",") != "length,special" {
		t.Fatalf("check must not add defaults to the inputs (the official one does not): %v", got)
	}
	created, err := s.Create(p.CreateRequest{Urn: passwordURN, Properties: checked.Inputs})
	if err != nil {
		t.Fatal(err)
	}
	out := created.Properties
	if created.ID != "none" || out.Get("id").AsString() != "none" {
		t.Errorf("id = %q / %v, want none", created.ID, out.Get("id"))
	}
	if got := sortedKeys(out); strings.Join(got, ",") != strings.Join(officialPasswordKeys, ",") {
		t.Errorf("outputs %v\nwant    %v", got, officialPasswordKeys)
	}
	if out.Get("__meta").AsString() != `{"schema_version":"3"}` {
		t.Errorf("__meta = %v", out.Get("__meta"))
	}
	result := out.Get("result")
	if got := result.AsString(); !result.Secret() || len(got) != 20 || strings.ContainsAny(got, defaultSpecialChars) {
		t.Errorf("result must be a secret of 20 chars without specials (secret=%v)", result.Secret())
	}
	if hash := out.Get("bcryptHash"); !hash.Secret() || !strings.HasPrefix(hash.AsString(), "$2a$10$") {
		t.Errorf("bcryptHash must be a secret bcrypt hash")
	}
	if !out.Get("upper").AsBool() || out.Get("special").AsBool() || out.Get("minSpecial").AsNumber() != 0 || !out.Get("number").AsBool() {
		t.Errorf("defaults wrong in outputs: %v", out)
	}
	ps := out.Get("__pulumi_raw_state_delta").AsMap().Get("obj").AsMap().Get("ps").AsMap()
	if got := sortedKeys(ps); strings.Join(got, ",") != "keepers,overrideSpecial" {
		t.Fatalf("delta entries %v, want keepers,overrideSpecial", got)
	}
	for _, k := range []string{"keepers", "overrideSpecial"} {
		e := ps.Get(k)
		if !e.Secret() || e.AsMap().Get("replace").AsMap().Get("raw").AsString() != NullSentinel {
			t.Errorf("%s delta must be the secret {replace:{raw:null}}: %v", k, e)
		}
	}
}

func TestPasswordDiffAndReadAcceptOfficialAndOlderStatesWithoutChange(t *testing.T) {
	s := server(t)
	in := inputs(map[string]property.Value{"length": property.New(20.0), "special": property.New(false)})
	created, err := s.Create(p.CreateRequest{Urn: passwordURN, Properties: in})
	if err != nil {
		t.Fatal(err)
	}
	// A state written by an earlier build of ours: defaults in the state, no __meta, no delta.
	older := property.NewMap(map[string]property.Value{
		"length": property.New(20.0), "special": property.New(false), "upper": property.New(true),
		"lower": property.New(true), "numeric": property.New(true), "minLower": property.New(0.0),
		"minUpper": property.New(0.0), "minNumeric": property.New(0.0), "minSpecial": property.New(0.0),
		"result": created.Properties.Get("result"), "bcryptHash": created.Properties.Get("bcryptHash"),
	})
	for name, state := range map[string]property.Map{"official": created.Properties, "older": older} {
		d, err := s.Diff(p.DiffRequest{Urn: passwordURN, ID: "none", State: state, Inputs: in})
		if err != nil || d.HasChanges {
			t.Errorf("%s state: unchanged inputs must not diff: %+v %v", name, d, err)
		}
		read, err := s.Read(p.ReadRequest{Urn: passwordURN, ID: "none", Properties: state, Inputs: in})
		if err != nil {
			t.Fatal(err)
		}
		if got := sortedKeys(read.Properties); strings.Join(got, ",") != strings.Join(officialPasswordKeys, ",") {
			t.Errorf("%s state read as %v", name, got)
		}
		if read.Properties.Get("bcryptHash").AsString() != created.Properties.Get("bcryptHash").AsString() ||
			read.Properties.Get("result").AsString() != created.Properties.Get("result").AsString() {
			t.Errorf("%s state: read must keep result and bcryptHash", name)
		}
	}
	changed, _ := s.Diff(p.DiffRequest{Urn: passwordURN, ID: "none", State: created.Properties,
		Inputs: inputs(map[string]property.Value{"length": property.New(21.0), "special": property.New(false)})})
	if !changed.HasChanges || changed.DetailedDiff["length"].Kind != p.UpdateReplace || len(changed.DetailedDiff) != 1 {
		t.Fatalf("length change must replace: %+v", changed)
	}
	keepers, _ := s.Diff(p.DiffRequest{Urn: passwordURN, ID: "none", State: created.Properties,
		Inputs: in.Set("keepers", property.New(map[string]property.Value{}))})
	if keepers.HasChanges {
		t.Fatalf("empty keepers equal none: %+v", keepers)
	}
}

func TestIDWritesTheOfficialState(t *testing.T) {
	s := server(t)
	urn := presource.URN("urn:pulumi:dev::proj::random:index/randomId:RandomId::suffix")
	in := inputs(map[string]property.Value{"byteLength": property.New(4.0), "prefix": property.New("sg-"),
		"keepers": property.New(map[string]property.Value{"v": property.New("1")})})
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in})
	if err != nil {
		t.Fatal(err)
	}
	out := created.Properties
	if got := strings.Join(sortedKeys(out), ","); got != "__pulumi_raw_state_delta,b64Std,b64Url,byteLength,dec,hex,id,keepers,prefix" {
		t.Fatalf("outputs %s (schema version 0: no __meta)", got)
	}
	if out.Get("b64Url").AsString() != "sg-"+created.ID || out.Get("id").AsString() != created.ID {
		t.Errorf("id %q vs b64Url %q", created.ID, out.Get("b64Url").AsString())
	}
	ps := out.Get("__pulumi_raw_state_delta").AsMap().Get("obj").AsMap().Get("ps").AsMap()
	if got := strings.Join(sortedKeys(ps), ","); got != "keepers" || ps.Get("keepers").AsMap().Get("map").AsMap().Len() != 0 {
		t.Fatalf("delta: want only keepers as {map:{}}, got %v", ps)
	}
}

func TestPasswordCheckNamesTheFieldWhenMinimumsExceedLength(t *testing.T) {
	checked, err := server(t).Check(p.CheckRequest{Urn: passwordURN, Inputs: property.NewMap(map[string]property.Value{
		"length": property.New(4.0), "minUpper": property.New(3.0), "minNumeric": property.New(3.0),
	})})
	if err != nil {
		t.Fatal(err)
	}
	if len(checked.Failures) != 1 || checked.Failures[0].Property != "length" ||
		!strings.Contains(checked.Failures[0].Reason, "minLower+minUpper+minNumeric+minSpecial (6)") {
		t.Fatalf("failures: %+v", checked.Failures)
	}
}

func TestGenerateHonoursMinimumsAndCharacterSets(t *testing.T) {
	spec := passwordSpec{length: 12, lower: true, upper: false, numeric: false, special: true,
		minSpecial: 5, minNumeric: 2, specialChars: "#"}
	for i := 0; i < 50; i++ {
		got, err := spec.generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 12 || strings.Count(got, "#") < 5 || strings.ContainsAny(got, upperChars) {
			t.Fatalf("bad password %q", got)
		}
		digits := 0
		for _, c := range got {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if digits < 2 { // minimums apply even to disabled sets, as upstream
			t.Fatalf("want ≥2 digits in %q", got)
		}
	}
	a, _ := passwordSpec{length: 32, lower: true, specialChars: defaultSpecialChars}.generate()
	b, _ := passwordSpec{length: 32, lower: true, specialChars: defaultSpecialChars}.generate()
	if a == b {
		t.Fatalf("two passwords are equal: %q", a)
	}
}

func TestEncodeIDMatchesUpstreamFormats(t *testing.T) {
	prefix := "sg-"
	id, s := encodeID([]byte{0x01, 0xff, 0x10}, &prefix)
	if id != "Af8Q" || s.B64URL != "sg-Af8Q" || s.B64Std != "sg-Af8Q" || s.Hex != "sg-01ff10" || s.Dec != "sg-130832" {
		t.Fatalf("got id=%q state=%+v", id, s)
	}
	id, s = encodeID([]byte{0xfb, 0xff}, nil)
	if id != "-_8" || s.B64Std != "+/8=" {
		t.Fatalf("url-safe vs std alphabet: id=%q std=%q", id, s.B64Std)
	}
}
