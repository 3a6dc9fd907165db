// Command stellar-bench measures how close applying, planning and destroying registrations
// come to the round-trip floor: real terraform and the built provider against the tenant
// emulator, without latency and then with latency added to every request.
//
//	stellar-bench [-n 1,100] [-latency 50ms] [-parallelism 10] [-markdown FILE] [-v]
//
// It prints one table per N to stdout and its progress to stderr; with -markdown it also
// writes the page docs/performance.md is made of. Run it from the provider's checkout (it
// builds the provider there): `make bench` does.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/atomicfile"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command without its process: testable with any writers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stellar-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ns := fs.String("n", "1,100", "registration counts to measure, comma separated")
	latency := fs.Duration("latency", 50*time.Millisecond, "delay the emulator adds to every request of the measured runs")
	parallelism := fs.Int("parallelism", 10, "terraform -parallelism")
	markdown := fs.String("markdown", "", "also write the results as a Markdown page to this file, e.g. docs/performance.md")
	verbose := fs.Bool("v", false, "print each terraform command's requests by method and path to stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "stellar-bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	counts, err := parseCounts(*ns)
	if err != nil {
		fmt.Fprintf(stderr, "stellar-bench: -n: %v\n", err)
		return 2
	}
	if *parallelism < 1 || *latency < 0 {
		fmt.Fprintln(stderr, "stellar-bench: -parallelism must be at least 1 and -latency not negative")
		return 2
	}

	rep, err := bench.Run(ctx, bench.Options{Ns: counts, Latency: *latency, Parallelism: *parallelism, Progress: stderr, Verbose: *verbose})
	if err != nil {
		fmt.Fprintf(stderr, "stellar-bench: %v\n", err)
		return 1
	}
	if err := rep.WriteText(stdout); err != nil {
		fmt.Fprintf(stderr, "stellar-bench: %v\n", err)
		return 1
	}
	if *markdown != "" {
		if err := atomicfile.Write(*markdown, []byte(rep.Markdown()), 0o644); err != nil {
			fmt.Fprintf(stderr, "stellar-bench: -markdown: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "stellar-bench: wrote %s\n", *markdown)
	}
	return 0
}

// parseCounts reads "1,100" as [1 100].
func parseCounts(s string) ([]int, error) {
	var counts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want registration counts of at least 1, such as 1,100", s)
		}
		counts = append(counts, n)
	}
	return counts, nil
}
