// Package diffs compares a resource's stored inputs with its new inputs field by field, by `pulumi` tag.
package diffs

import (
	"reflect"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
)

// Kinder decides the diff kind of a changed property (e.g. Update, or UpdateReplace for replace-on-change).
type Kinder func(property string) p.DiffKind

// Compare returns the detailed diff between two values of the same input struct type. Empty and nil maps and
// slices count as equal, so an omitted `keepers` never causes a spurious replacement.
func Compare(old, new any, kind Kinder) p.DiffResponse {
	detailed := map[string]p.PropertyDiff{}
	ov, nv := reflect.ValueOf(old), reflect.ValueOf(new)
	t := ov.Type()
	for i := 0; i < t.NumField(); i++ {
		name := tagName(t.Field(i))
		if name == "" {
			continue
		}
		if !equal(ov.Field(i), nv.Field(i)) {
			detailed[name] = p.PropertyDiff{Kind: kind(name), InputDiff: true}
		}
	}
	return p.DiffResponse{HasChanges: len(detailed) > 0, DetailedDiff: detailed}
}

func tagName(f reflect.StructField) string {
	tag := f.Tag.Get("pulumi")
	if tag == "" || !f.IsExported() {
		return ""
	}
	return strings.Split(tag, ",")[0]
}

func equal(a, b reflect.Value) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}
