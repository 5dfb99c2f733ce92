package random

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

// Character sets of the upstream random provider (terraform-provider-random), so that generated passwords have
// the same alphabet as with the official plugin.
const (
	lowerChars          = "abcdefghijklmnopqrstuvwxyz"
	upperChars          = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars        = "0123456789"
	defaultSpecialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// passwordSpec is a fully defaulted password request.
type passwordSpec struct {
	length                                     int
	lower, upper, numeric, special             bool
	minLower, minUpper, minNumeric, minSpecial int
	specialChars                               string
}

// generate builds a password from crypto/rand: first the minimum count from each set, then the rest from the
// union of the enabled sets, then a uniform shuffle.
func (s passwordSpec) generate() (string, error) {
	var pool string
	if s.lower {
		pool += lowerChars
	}
	if s.upper {
		pool += upperChars
	}
	if s.numeric {
		pool += numericChars
	}
	if s.special {
		pool += s.specialChars
	}
	if pool == "" {
		return "", fmt.Errorf("no character set enabled: set at least one of lower, upper, numeric, special to true")
	}
	out := make([]byte, 0, s.length)
	for _, m := range []struct {
		chars string
		n     int
	}{{numericChars, s.minNumeric}, {lowerChars, s.minLower}, {upperChars, s.minUpper}, {s.specialChars, s.minSpecial}} {
		for i := 0; i < m.n; i++ {
			c, err := pick(m.chars)
			if err != nil {
				return "", err
			}
			out = append(out, c)
		}
	}
	for len(out) < s.length {
		c, err := pick(pool)
		if err != nil {
			return "", err
		}
		out = append(out, c)
	}
	for i := len(out) - 1; i > 0; i-- { // Fisher-Yates with crypto/rand
		j, err := randInt(i + 1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func pick(chars string) (byte, error) {
	if chars == "" {
		return 0, fmt.Errorf("empty character set (overrideSpecial is empty while minSpecial > 0?)")
	}
	i, err := randInt(len(chars))
	if err != nil {
		return 0, err
	}
	return chars[i], nil
}

func randInt(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("reading crypto/rand: %w", err)
	}
	return int(v.Int64()), nil
}
