package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// Safe targets. A receiver's URL is an admin's input, but what it resolves
// to decides where the server's requests go: a URL naming the database's
// host, a cloud metadata address or a service on loopback would turn
// webhooks into a way to reach the inside. So such addresses are refused
// when the endpoint is created and again when each connection is dialled
// (DNS may answer differently by then), unless AllowPrivateNetworks.

// refusedAddr says why ip is not a receiver, "" when it may be.
func refusedAddr(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "not a unicast"
	}
	return ""
}

// checkURL validates an endpoint's URL: http or https with a host, which
// must not resolve to a refused address unless allowPrivate.
func checkURL(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("the scheme must be https or http, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("it names no host")
	}
	if u.User != nil {
		return fmt.Errorf("it must not carry credentials; the signature authenticates the sender")
	}
	if allowPrivate {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("its host does not resolve: %v", err)
	}
	for _, a := range addrs {
		if why := refusedAddr(a); why != "" {
			return fmt.Errorf("its host resolves to %s, a %s address (WEBHOOK_ALLOW_PRIVATE_NETWORKS allows it)", a, why)
		}
	}
	return nil
}

// dialControl refuses, at connect time, an address checkURL would refuse:
// the resolution the connection actually uses.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial %s: %w", address, err)
	}
	if why := refusedAddr(ap.Addr()); why != "" {
		return fmt.Errorf("webhook: refusing to connect to %s, a %s address", ap.Addr(), why)
	}
	return nil
}
