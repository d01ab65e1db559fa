// Package e2e holds the foundation's acceptance test: the escucha binary, built
// from source, runs the embedded broker and the stages as separate processes;
// stages are killed (SIGKILL) mid-way and restarted, and afterwards every document
// is in each sink exactly once and every consumer group has committed everything.
//
// It owns no production code and must not be imported.
package e2e
