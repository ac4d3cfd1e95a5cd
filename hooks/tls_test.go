package hooks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 with the serial
// number serial to dir, and returns it.
func selfSigned(t *testing.T, dir string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "sluice"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tls.crt", "CERTIFICATE", der)
	write("tls.key", "EC PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestCertificateFilesReload: the hook serves HTTPS with the files'
// certificate, and a renewed certificate without a restart.
func TestCertificateFilesReload(t *testing.T) {
	dir := t.TempDir()
	first := selfSigned(t, dir, 1)
	files, err := NewCertificateFiles(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: NewHandler(DefaultConfig()), TLSConfig: files.TLSConfig(), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	get := func(trust *x509.Certificate) (int64, error) {
		pool := x509.NewCertPool()
		pool.AddCert(trust)
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, DisableKeepAlives: true,
		}}
		resp, err := client.Get("https://" + ln.Addr().String() + "/healthz")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64(), nil
	}
	if serial, err := get(first); err != nil || serial != 1 {
		t.Fatalf("first certificate: serial %d, %v", serial, err)
	}
	// Renewed in place, as a Secret volume update does; a later mtime.
	second := selfSigned(t, dir, 2)
	later := time.Now().Add(time.Minute)
	for _, f := range []string{"tls.crt", "tls.key"} {
		if err := os.Chtimes(filepath.Join(dir, f), later, later); err != nil {
			t.Fatal(err)
		}
	}
	if serial, err := get(second); err != nil || serial != 2 {
		t.Fatalf("renewed certificate: serial %d, %v", serial, err)
	}
	// A broken pair keeps the one served.
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	evenLater := later.Add(time.Minute)
	_ = os.Chtimes(filepath.Join(dir, "tls.key"), evenLater, evenLater)
	if serial, err := get(second); err != nil || serial != 2 {
		t.Fatalf("after a broken renewal: serial %d, %v; want the renewed certificate still served", serial, err)
	}
}

// TestCertificateFilesRefusesBadPair: a key that is not the certificate's
// fails at start.
func TestCertificateFilesRefusesBadPair(t *testing.T) {
	dir := t.TempDir()
	selfSigned(t, dir, 1)
	other := t.TempDir()
	selfSigned(t, other, 2)
	if _, err := NewCertificateFiles(filepath.Join(dir, "tls.crt"), filepath.Join(other, "tls.key")); err == nil {
		t.Error("a certificate with another certificate's key loaded")
	}
	if _, err := NewCertificateFiles(filepath.Join(dir, "missing.crt"), filepath.Join(dir, "tls.key")); err == nil {
		t.Error("a missing certificate file loaded")
	}
}
