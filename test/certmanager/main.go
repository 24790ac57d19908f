// cert-manager-controllers runs cert-manager's own controllers (from the published module
// github.com/cert-manager/cert-manager) against a kubeconfig: the ones the operator's
// certManager mode and its tests rely on, and no ACME, Vault, Venafi, shims or webhook.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sync/errgroup"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crca "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	crselfsigned "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	"github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	"github.com/cert-manager/cert-manager/pkg/controller/issuers"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/metrics"

	// The Issuer and ClusterIssuer controllers set up issuers through this registry.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The controllers this binary runs (each registers itself with controller.Register).
var controllers = []string{
	trigger.ControllerName,
	keymanager.ControllerName,
	requestmanager.ControllerName,
	issuing.ControllerName,
	readiness.ControllerName,
	revisionmanager.ControllerName,
	approver.ControllerName,
	crca.CRControllerName,
	crselfsigned.CRControllerName,
	issuers.ControllerName,
	clusterissuers.ControllerName,
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "cert-manager-controllers: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster to run against (required)")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "cert-manager", "namespace of the Secrets that ClusterIssuers refer to")
	healthAddress := flag.String("health-address", "127.0.0.1:0", "address of /healthz (200 once the informers have synced)")
	workers := flag.Int("workers", 5, "workers per controller")
	list := flag.Bool("list", false, "print the controllers this binary runs, and exit")
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	flag.Var(klogLevel{klogFlags}, "v", "log verbosity (klog)")
	flag.Parse()

	if *list {
		fmt.Println(strings.Join(controllers, "\n"))
		return nil
	}
	if *kubeconfig == "" {
		return errors.New("--kubeconfig is required")
	}
	known := controller.Known()
	for _, n := range controllers {
		if known[n] == nil {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			sort.Strings(names)
			return fmt.Errorf("controller %q is not registered by this cert-manager version (registered: %s)", n, strings.Join(names, ", "))
		}
	}

	logf.InitLogs()
	log := logf.Log
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, log)

	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		Kubeconfig:         *kubeconfig,
		KubernetesAPIQPS:   100,
		KubernetesAPIBurst: 200,
		Clock:              clock.RealClock{},
		Metrics:            metrics.New(log, clock.RealClock{}),
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace: *clusterResourceNamespace,
		},
	})
	if err != nil {
		return err
	}
	base, err := factory.Build()
	if err != nil {
		return err
	}

	var synced atomic.Bool
	ln, err := net.Listen("tcp", *healthAddress)
	if err != nil {
		return fmt.Errorf("--health-address %s: %w", *healthAddress, err)
	}
	// The harness reads the address from here when the port was picked by the kernel.
	fmt.Printf("healthz listening on http://%s/healthz\n", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if !synced.Load() {
			http.Error(w, "informers not synced", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		return srv.Close()
	})
	for _, n := range controllers {
		iface, err := known[n](factory)
		if err != nil {
			return fmt.Errorf("setting up controller %s: %w", n, err)
		}
		log.Info("starting controller", "controller", n)
		g.Go(func() error { return iface.Run(*workers, gctx) })
	}
	// Informers are shared by every controller's context: start them once all have registered theirs.
	base.KubeSharedInformerFactory.Start(gctx.Done())
	base.SharedInformerFactory.Start(gctx.Done())
	g.Go(func() error {
		for what, ok := range base.KubeSharedInformerFactory.WaitForCacheSync(gctx.Done()) {
			if !ok {
				return fmt.Errorf("informer for %s did not sync", what)
			}
		}
		for what, ok := range base.SharedInformerFactory.WaitForCacheSync(gctx.Done()) {
			if !ok {
				return fmt.Errorf("informer for %s did not sync", what)
			}
		}
		synced.Store(true)
		log.Info("informers synced; controllers running", "controllers", controllers)
		return nil
	})
	return g.Wait()
}

// klogLevel forwards -v to klog's own flag set.
type klogLevel struct{ fs *flag.FlagSet }

func (k klogLevel) String() string {
	if k.fs == nil {
		return "0"
	}
	return k.fs.Lookup("v").Value.String()
}
func (k klogLevel) Set(v string) error { return k.fs.Set("v", v) }
