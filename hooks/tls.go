package hooks

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// CertificateFiles serves the hook's TLS certificate from a certificate and a
// key file, as a Kubernetes Secret mounts them (cert-manager's tls.crt and
// tls.key), and reads them again when either file changes: a renewed
// certificate is served without a restart. A pair that fails to load keeps
// the one served before.
type CertificateFiles struct {
	certFile, keyFile string

	mu      sync.Mutex
	current *tls.Certificate
	stamp   [2]time.Time // modification times of the loaded pair
}

// NewCertificateFiles loads the pair once, so that a wrong path or a key
// that does not match fails at start.
func NewCertificateFiles(certFile, keyFile string) (*CertificateFiles, error) {
	c := &CertificateFiles{certFile: certFile, keyFile: keyFile}
	if err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// TLSConfig is the server configuration that serves the files' certificate.
func (c *CertificateFiles) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.getCertificate}
}

func (c *CertificateFiles) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stamp, err := c.stamps(); err == nil && stamp != c.stamp {
		_ = c.reloadLocked() // a pair caught half written loads on a later handshake
	}
	return c.current, nil
}

func (c *CertificateFiles) reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reloadLocked()
}

func (c *CertificateFiles) reloadLocked() error {
	stamp, err := c.stamps()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("load TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	c.current, c.stamp = &cert, stamp
	return nil
}

// stamps are the modification times of both files (following the symlinks
// a Secret volume swaps on update).
func (c *CertificateFiles) stamps() ([2]time.Time, error) {
	var s [2]time.Time
	for i, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return s, fmt.Errorf("TLS file: %w", err)
		}
		s[i] = fi.ModTime()
	}
	return s, nil
}
