// Package harness is the end-to-end harness of Sluice's tests in test/e2e: the API
// clients of the test cluster, the waits and polls, and the helpers the test files
// share. It is not a test package, so that the test files of package e2e hold tests.
package harness
