package random

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"sort"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/crypto/bcrypt"
)

// withOfficialState serves RandomPassword and RandomId with handlers that work on the raw property maps, because
// the official state (see official.go) has fields a typed infer state cannot carry: "__meta", the raw state delta
// with its nested secrets and nulls, and inputs stored without defaults. infer still provides the schema.
func withOfficialState(prov p.Provider) p.Provider {
	shapeOf := func(urn presource.URN) (resourceShape, error) {
		switch string(urn.Type()) {
		case passwordShape.token:
			return passwordShape, nil
		case idShape.token:
			return idShape, nil
		}
		return resourceShape{}, fmt.Errorf("unknown resource type %s", urn.Type())
	}
	prov.Check = func(_ context.Context, req p.CheckRequest) (p.CheckResponse, error) {
		shape, err := shapeOf(req.Urn)
		if err != nil {
			return p.CheckResponse{}, err
		}
		return p.CheckResponse{Inputs: req.Inputs, Failures: shape.check(req.Inputs)}, nil
	}
	prov.Diff = func(_ context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		shape, err := shapeOf(req.Urn)
		if err != nil {
			return p.DiffResponse{}, err
		}
		detailed := map[string]p.PropertyDiff{}
		for _, name := range shape.changedInputs(req.State, req.Inputs) {
			// Every argument forces a replacement, as upstream (RequiresReplace on all of them).
			detailed[name] = p.PropertyDiff{Kind: p.UpdateReplace, InputDiff: true}
		}
		return p.DiffResponse{HasChanges: len(detailed) > 0, DetailedDiff: detailed}, nil
	}
	prov.Create = func(_ context.Context, req p.CreateRequest) (p.CreateResponse, error) {
		shape, err := shapeOf(req.Urn)
		if err != nil {
			return p.CreateResponse{}, err
		}
		if req.DryRun {
			computed := map[string]property.Value{}
			for _, a := range shape.attrs {
				if !a.input {
					computed[a.name] = property.New(property.Computed)
				}
			}
			return p.CreateResponse{Properties: shape.outputs(req.Properties, computed)}, nil
		}
		id, computed, err := shape.generate(req.Properties)
		if err != nil {
			return p.CreateResponse{}, err
		}
		return p.CreateResponse{ID: id, Properties: shape.outputs(req.Properties, computed)}, nil
	}
	prov.Read = func(_ context.Context, req p.ReadRequest) (p.ReadResponse, error) {
		shape, err := shapeOf(req.Urn)
		if err != nil {
			return p.ReadResponse{}, err
		}
		// Nothing lives outside the state: reading returns the stored values in the official shape (an older
		// state of ours gains __meta and the delta and keeps its result and bcryptHash).
		return p.ReadResponse{ID: req.ID, Properties: shape.normalizeState(req.ID, req.Properties), Inputs: req.Inputs}, nil
	}
	prov.Update = func(_ context.Context, req p.UpdateRequest) (p.UpdateResponse, error) {
		return p.UpdateResponse{}, fmt.Errorf("%s is never updated in place: every argument change replaces it", req.Urn.Type())
	}
	prov.Delete = func(context.Context, p.DeleteRequest) error { return nil }
	return prov
}

// check validates the inputs, naming the field; unknown (computed) values are checked when they are known.
func (s resourceShape) check(inputs property.Map) []p.CheckFailure {
	var failures []p.CheckFailure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, p.CheckFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	known := map[string]property.Value{}
	names := make([]string, 0, inputs.Len())
	for k := range inputs.AsMap() {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := inputs.Get(k)
		a, ok := s.attr(k)
		if !ok || !a.input {
			fail(k, "%s is not an argument of %s", k, s.token)
			continue
		}
		if v.IsNull() || v.HasComputed() {
			continue
		}
		var good bool
		switch a.kind {
		case kBool:
			good = v.IsBool()
		case kNumber:
			good = v.IsNumber() && v.AsNumber() == math.Trunc(v.AsNumber())
		case kString:
			good = v.IsString()
		case kStringMap:
			good = v.IsMap()
			if good {
				for _, e := range v.AsMap().AsMap() {
					good = good && (e.IsString() || e.HasComputed())
				}
			}
		}
		if !good {
			fail(k, "%s must be %s", k, map[attrKind]string{kBool: "a boolean", kNumber: "a whole number", kString: "a string", kStringMap: "a map of strings"}[a.kind])
			continue
		}
		known[k] = v
	}
	for _, a := range s.attrs {
		if v, ok := inputs.GetOk(a.name); a.required && (!ok || v.IsNull()) {
			fail(a.name, "%s is required", a.name)
		}
	}
	if len(failures) > 0 {
		return failures
	}
	num := func(name string) (int, bool) {
		if v, ok := known[name]; ok {
			return int(v.AsNumber()), true
		}
		a, _ := s.attr(name)
		if d, ok := a.def.(float64); ok {
			return int(d), true
		}
		_, unknown := inputs.GetOk(name)
		return 0, !unknown
	}
	switch s.token {
	case idShape.token:
		if n, ok := num("byteLength"); ok && n < 1 {
			fail("byteLength", "byteLength must be at least 1, got %d", n)
		}
	case passwordShape.token:
		length, lengthKnown := num("length")
		if lengthKnown && length < 1 {
			fail("length", "length must be at least 1, got %d", length)
		}
		sum, allKnown := 0, lengthKnown
		for _, m := range []string{"minLower", "minUpper", "minNumeric", "minSpecial"} {
			n, ok := num(m)
			allKnown = allKnown && ok
			if ok && n < 0 {
				fail(m, "%s must not be negative, got %d", m, n)
			}
			sum += n
		}
		if allKnown && sum > length {
			fail("length", "length (%d) must be at least minLower+minUpper+minNumeric+minSpecial (%d)", length, sum)
		}
		if spec, ok := passwordSpecOf(property.NewMap(known)); ok && !spec.lower && !spec.upper && !spec.numeric && !spec.special {
			fail("special", "no character set enabled: set at least one of lower, upper, numeric, special to true")
		}
	}
	return failures
}

// passwordSpecOf is the defaulted password request; ok is false when a character-set flag is still unknown.
func passwordSpecOf(inputs property.Map) (passwordSpec, bool) {
	flag := func(name string) (bool, bool) {
		v, ok := inputs.GetOk(name)
		if !ok || v.IsNull() {
			return true, true
		}
		if !v.IsBool() {
			return false, false
		}
		return v.AsBool(), true
	}
	n := func(name string) int {
		if v, ok := inputs.GetOk(name); ok && v.IsNumber() {
			return int(v.AsNumber())
		}
		return 0
	}
	lower, ok1 := flag("lower")
	upper, ok2 := flag("upper")
	special, ok3 := flag("special")
	// "number" is the deprecated spelling of "numeric": upstream keeps both in step.
	numeric, ok4 := flag("numeric")
	number, ok5 := flag("number")
	chars := defaultSpecialChars
	if v, ok := inputs.GetOk("overrideSpecial"); ok && v.IsString() && v.AsString() != "" {
		chars = v.AsString()
	}
	return passwordSpec{
		length: n("length"), lower: lower, upper: upper, numeric: numeric && number, special: special,
		minLower: n("minLower"), minUpper: n("minUpper"), minNumeric: n("minNumeric"), minSpecial: n("minSpecial"),
		specialChars: chars,
	}, ok1 && ok2 && ok3 && ok4 && ok5
}

// generate creates the random value: the resource id and every computed attribute.
func (s resourceShape) generate(inputs property.Map) (string, map[string]property.Value, error) {
	switch s.token {
	case passwordShape.token:
		spec, _ := passwordSpecOf(inputs)
		result, err := spec.generate()
		if err != nil {
			return "", nil, err
		}
		// bcrypt only ever reads the first 72 bytes; x/crypto refuses longer input, so hash exactly what bcrypt uses.
		hashInput := []byte(result)
		if len(hashInput) > 72 {
			hashInput = hashInput[:72]
		}
		hash, err := bcrypt.GenerateFromPassword(hashInput, bcrypt.DefaultCost)
		if err != nil {
			return "", nil, fmt.Errorf("computing bcryptHash: %w", err)
		}
		// The official provider's id is the literal "none".
		return "none", map[string]property.Value{
			"id": property.New("none"), "result": property.New(result), "bcryptHash": property.New(string(hash)),
		}, nil
	case idShape.token:
		b := make([]byte, int(inputs.Get("byteLength").AsNumber()))
		if _, err := rand.Read(b); err != nil {
			return "", nil, fmt.Errorf("reading crypto/rand: %w", err)
		}
		var prefix *string
		if v, ok := inputs.GetOk("prefix"); ok && v.IsString() {
			s := v.AsString()
			prefix = &s
		}
		id, enc := encodeID(b, prefix)
		return id, map[string]property.Value{
			"id": property.New(id), "hex": property.New(enc.Hex), "b64Url": property.New(enc.B64URL),
			"b64Std": property.New(enc.B64Std), "dec": property.New(enc.Dec),
		}, nil
	}
	return "", nil, fmt.Errorf("unknown resource type %s", s.token)
}
