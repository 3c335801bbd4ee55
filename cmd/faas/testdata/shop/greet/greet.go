// Package greet is a sibling package the shop app imports: editing it must
// rebuild the app under faas dev.
package greet

// Hello greets name.
func Hello(name string) string { return "hello, " + name }
