// Command cluster-dns is the real node's cluster DNS: it answers A queries
// for <service>.<namespace>.svc.<domain> with the Service's ClusterIP (the
// addresses of its ready endpoints for a headless Service), from a watch of
// the API server, so pods reach each other by Service name as in any
// cluster (the staging overlay's DATABASE_URL names `postgres`). Every
// other name gets NXDOMAIN at once: no public resolver is reachable here,
// and an immediate answer keeps clients from waiting out timeouts.
//
// Usage: cluster-dns --kubeconfig FILE --listen IP:PORT [--domain cluster.local]
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/clientcmd"
)

type resolver struct {
	domain    string
	services  corelisters.ServiceLister
	endpoints discoverylisters.EndpointSliceLister
}

// addresses of <svc>.<ns>.svc.<domain>.; found is false for names outside the cluster's.
func (r *resolver) addresses(name string) (ips []netip.Addr, found bool) {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	rest, ok := strings.CutSuffix(name, ".svc."+r.domain)
	if !ok {
		return nil, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 2 {
		return nil, false
	}
	svc, err := r.services.Services(parts[1]).Get(parts[0])
	if err != nil {
		return nil, false
	}
	if svc.Spec.ClusterIP != "" && svc.Spec.ClusterIP != corev1.ClusterIPNone {
		if ip, err := netip.ParseAddr(svc.Spec.ClusterIP); err == nil && ip.Is4() {
			return []netip.Addr{ip}, true
		}
	}
	// Headless: the ready endpoints' addresses.
	slices, _ := r.endpoints.EndpointSlices(parts[1]).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: parts[0],
	}))
	for _, s := range slices {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && !*e.Conditions.Ready {
				continue
			}
			for _, a := range e.Addresses {
				if ip, err := netip.ParseAddr(a); err == nil && ip.Is4() {
					ips = append(ips, ip)
				}
			}
		}
	}
	return ips, true
}

// answer builds the response to one query message (nil when it cannot be parsed).
func (r *resolver) answer(query []byte) []byte {
	var p dnsmessage.Parser
	header, err := p.Start(query)
	if err != nil {
		return nil
	}
	question, err := p.Question()
	if err != nil {
		return nil
	}
	reply := dnsmessage.Header{ID: header.ID, Response: true, Authoritative: true, RecursionDesired: header.RecursionDesired}
	ips, found := r.addresses(question.Name.String())
	if !found {
		reply.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), reply)
	b.EnableCompression()
	if b.StartQuestions() != nil || b.Question(question) != nil || b.StartAnswers() != nil {
		return nil
	}
	if question.Type == dnsmessage.TypeA || question.Type == dnsmessage.TypeALL {
		for _, ip := range ips {
			h := dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 5}
			if b.AResource(h, dnsmessage.AResource{A: ip.As4()}) != nil {
				return nil
			}
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

func serveUDP(conn net.PacketConn, r *resolver) {
	buf := make([]byte, 1500)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := r.answer(buf[:n]); out != nil {
			_, _ = conn.WriteTo(out, addr)
		}
	}
}

// serveTCP answers length-prefixed queries (resolvers retry over TCP on truncation).
func serveTCP(l net.Listener, r *resolver) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func(c net.Conn) {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			var size [2]byte
			for {
				if _, err := c.Read(size[:]); err != nil {
					return
				}
				msg := make([]byte, int(size[0])<<8|int(size[1]))
				if _, err := readFull(c, msg); err != nil {
					return
				}
				out := r.answer(msg)
				if out == nil {
					return
				}
				if _, err := c.Write(append([]byte{byte(len(out) >> 8), byte(len(out))}, out...)); err != nil {
					return
				}
			}
		}(c)
	}
}

func readFull(c net.Conn, buf []byte) (int, error) {
	read := 0
	for read < len(buf) {
		n, err := c.Read(buf[read:])
		read += n
		if err != nil {
			return read, err
		}
	}
	return read, nil
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server to watch")
	listen := flag.String("listen", "", "IP:port to answer on (UDP and TCP)")
	domain := flag.String("domain", "cluster.local", "cluster domain")
	flag.Parse()
	if *kubeconfig == "" || *listen == "" {
		log.Fatal("cluster-dns: --kubeconfig and --listen are required")
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("cluster-dns: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(config)
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	r := &resolver{
		domain:    strings.Trim(*domain, "."),
		services:  factory.Core().V1().Services().Lister(),
		endpoints: factory.Discovery().V1().EndpointSlices().Lister(),
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	udp, err := net.ListenPacket("udp", *listen)
	if err != nil {
		log.Fatalf("cluster-dns: %v", err)
	}
	tcp, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("cluster-dns: %v", err)
	}
	go serveUDP(udp, r)
	go serveTCP(tcp, r)
	log.Printf("cluster-dns: answering for *.svc.%s on %s", r.domain, *listen)
	<-ctx.Done()
	_ = udp.Close()
	_ = tcp.Close()
}
