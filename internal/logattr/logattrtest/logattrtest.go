// Package logattrtest checks JSON log lines for duplicate keys, which
// encoding/json's decoders silently resolve.
package logattrtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Duplicates returns, for one JSON object, every key that appears more than
// once in the same object (nested objects included), as "path.key".
func Duplicates(line []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	var dups []string
	if err := object(dec, "", &dups, true); err != nil {
		return nil, fmt.Errorf("logattrtest: %w: %s", err, line)
	}
	return dups, nil
}

// object reads one value; if it is an object it records duplicate keys.
func object(dec *json.Decoder, path string, dups *[]string, top bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		if top {
			return fmt.Errorf("not a JSON object")
		}
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k := kt.(string)
			if seen[k] {
				*dups = append(*dups, path+k)
			}
			seen[k] = true
			if err := object(dec, path+k+".", dups, false); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := object(dec, path+"[].", dups, false); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return err
	}
	return nil
}
