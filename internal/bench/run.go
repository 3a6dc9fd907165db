package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/stellar-migrator/terraform-provider-stellar/internal/emulator"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/hclquote"
	"github.com/stellar-migrator/terraform-provider-stellar/internal/tfconfig"
)

// Options say what to measure.
type Options struct {
	Ns          []int         // registration counts, each measured on its own
	Latency     time.Duration // added to every request of the measured runs
	Parallelism int           // terraform's -parallelism, and the width of a wave in the floor
	Progress    io.Writer     // progress lines as the run goes; nil for none
	Verbose     bool          // also each command's requests by method and path, on Progress
}

// Report is the outcome of a whole benchmark run.
type Report struct {
	Date        time.Time
	Machine     Machine
	Latency     time.Duration
	Parallelism int
	Results     []Result
}

// Machine is what the numbers were measured on.
type Machine struct {
	CPUs      int
	OS, Arch  string
	Terraform string // the CLI's own version line, e.g. "Terraform v1.11.4"
	// LoadBefore and LoadAfter are the load averages when the run began and ended ("" where
	// there are none to read): other work on the machine distorts the runs, those without
	// latency most, and so wall/floor.
	LoadBefore, LoadAfter string
}

// Result is the phases of one registration count.
type Result struct {
	N      int
	Phases []PhaseResult
}

// PhaseResult is one phase measured with latency, against its floor.
type PhaseResult struct {
	Phase           Phase
	Counts          Counts
	RoundTrips      int // sequential round trips, from the request log
	FloorRoundTrips int
	Wall            time.Duration // with latency
	BaseWall        time.Duration // the same phase without latency
	Floor           time.Duration
	SignIns         int // token requests: walks that configured the provider
	IdleSignIns     int // of those, followed by no Graph request in the same walk
}

// Ratio is wall time over floor: 1 is the floor itself.
func (p PhaseResult) Ratio() float64 {
	if p.Floor <= 0 {
		return 0
	}
	return float64(p.Wall) / float64(p.Floor)
}

// commands are the terraform commands of a phase, one walk each (plan -destroy makes two: its
// refresh and the destroy plan), so the request log can be cut per command.
func (p Phase) commands() [][]string {
	switch p {
	case Apply:
		return [][]string{{"plan", "-out=apply.tfplan"}, {"apply", "apply.tfplan"}}
	case Plan:
		// -detailed-exitcode: a plan that finds changes (exit 2) is not the no-change plan
		// this phase measures.
		return [][]string{{"plan", "-refresh=true", "-detailed-exitcode"}}
	case Destroy:
		return [][]string{{"plan", "-destroy", "-out=destroy.tfplan"}, {"apply", "destroy.tfplan"}}
	}
	return nil
}

// phaseRun is one phase of one run, at one latency.
type phaseRun struct {
	reqs        []emulator.Request
	wall        time.Duration
	signIns     int
	idleSignIns int
}

// Run measures every N of opts: each once without latency, for the floor's base, then once
// with opts.Latency. Each run has an emulator of its own, so it starts from an empty tenant.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Parallelism < 1 {
		return nil, fmt.Errorf("parallelism %d: must be at least 1", opts.Parallelism)
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "stellar-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	r := &runner{opts: opts, work: work}
	if err := r.setUp(ctx, root); err != nil {
		return nil, err
	}
	rep := &Report{
		Date:        time.Now().UTC(),
		Machine:     Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, Terraform: r.version(ctx), LoadBefore: loadAverage()},
		Latency:     opts.Latency,
		Parallelism: opts.Parallelism,
	}
	for _, n := range opts.Ns {
		base, err := r.run(ctx, n, 0)
		if err != nil {
			return nil, err
		}
		measured, err := r.run(ctx, n, opts.Latency)
		if err != nil {
			return nil, err
		}
		res := Result{N: n}
		for i, p := range Phases {
			m := measured[i]
			pr := PhaseResult{
				Phase:           p,
				Counts:          Count(m.reqs),
				RoundTrips:      RoundTrips(m.reqs),
				FloorRoundTrips: FloorRoundTrips(p, n, opts.Parallelism),
				Wall:            m.wall,
				BaseWall:        base[i].wall,
				SignIns:         m.signIns,
				IdleSignIns:     m.idleSignIns,
			}
			pr.Floor = Floor(pr.BaseWall, pr.FloorRoundTrips, opts.Latency)
			res.Phases = append(res.Phases, pr)
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Machine.LoadAfter = loadAverage()
	return rep, nil
}

// runner holds what every run shares: the built provider, the CLI and its configuration.
type runner struct {
	opts Options
	work string // temporary directory of the whole benchmark
	tf   string // terraform or tofu
	rc   string // CLI configuration with the dev_overrides
}

func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.opts.Progress, "stellar-bench: "+format+"\n", args...)
}

// setUp builds the provider, finds the CLI the way the acceptance tests do
// (scripts/terraform-path.sh) and writes the CLI configuration that points it at the build.
func (r *runner) setUp(ctx context.Context, root string) error {
	bin := filepath.Join(r.work, "bin")
	r.progress("building the provider into %s", bin)
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-stellar"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}

	find := exec.CommandContext(ctx, filepath.Join(root, "scripts", "terraform-path.sh"))
	find.Dir = root
	find.Stderr = r.opts.Progress // it may build OpenTofu, and says so
	out, err := find.Output()
	if err != nil {
		return fmt.Errorf("scripts/terraform-path.sh: %w", err)
	}
	r.tf = strings.TrimSpace(string(out))
	r.progress("using %s", r.tf)

	r.rc = filepath.Join(r.work, "terraformrc")
	rc := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/stellar-migrator/stellar"  = %s
    "registry.opentofu.org/stellar-migrator/stellar" = %s
  }
  direct {}
}
`, hclquote.String(bin), hclquote.String(bin))
	return os.WriteFile(r.rc, []byte(rc), 0o600)
}

// version is the first line of the CLI's `version`, such as "Terraform v1.11.4".
func (r *runner) version(ctx context.Context) string {
	cmd := r.command(ctx, r.work, "version")
	out, err := cmd.Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// command is the CLI with args in dir. The environment drops the machine's TF_*, ARM_* and
// STELLAR_* settings (a TF_LOG, TF_CLI_ARGS or a sign-in setting would change what is
// measured) and adds the CLI configuration and the automation settings realrun.go uses.
func (r *runner) command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.tf, args...)
	cmd.Dir = dir
	// Stopped (interrupt, timeout) as a person stops it, so terraform stops its providers
	// and releases the state, rather than killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "ARM_") && !strings.HasPrefix(kv, "STELLAR_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+r.rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	return cmd
}

// run applies n registrations, plans again and destroys them, against a fresh emulator with
// latency, and returns each phase's requests and wall time.
func (r *runner) run(ctx context.Context, n int, latency time.Duration) ([]phaseRun, error) {
	e, err := emulator.Start(emulator.Options{Latency: latency})
	if err != nil {
		return nil, fmt.Errorf("starting the tenant emulator: %w", err)
	}
	defer e.Close()
	dir := filepath.Join(r.work, fmt.Sprintf("n%d-%s", n, latency))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config(e, n)), 0o600); err != nil {
		return nil, err
	}

	runs := make([]phaseRun, 0, len(Phases))
	for _, p := range Phases {
		var pr phaseRun
		for _, args := range p.commands() {
			reqs, wall, err := r.terraform(ctx, e, dir, n, latency, p, args)
			if err != nil {
				return nil, err
			}
			s, idle := SignIns(reqs)
			pr.reqs = append(pr.reqs, reqs...)
			pr.wall += wall
			pr.signIns += s
			pr.idleSignIns += idle
		}
		if err := checkTenant(e, p, n); err != nil {
			return nil, fmt.Errorf("after %s of %d registrations at latency %s: %w", p, n, latency, err)
		}
		runs = append(runs, pr)
	}
	return runs, nil
}

// terraform runs one command of phase p and returns the requests it made and its wall time.
func (r *runner) terraform(ctx context.Context, e *emulator.Emulator, dir string, n int, latency time.Duration, p Phase, args []string) ([]emulator.Request, time.Duration, error) {
	// Flags go before a saved plan's file name, which must come last.
	full := append([]string{args[0], "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", r.opts.Parallelism)}, args[1:]...)
	label := fmt.Sprintf("N=%d latency=%s %s: terraform %s", n, latency, p, strings.Join(args, " "))
	r.progress("%s ...", label)

	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	before := len(e.Requests())
	cmd := r.command(ctx, dir, full...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		var exit *exec.ExitError
		if p == Plan && errors.As(err, &exit) && exit.ExitCode() == 2 {
			return nil, 0, fmt.Errorf("%s: the no-change plan found changes:\n%s", label, out.String())
		}
		return nil, 0, fmt.Errorf("%s: %w\n%s", label, err, out.String())
	}
	// Every request of the command has ended: terraform waits for its provider processes.
	reqs := e.Requests()[before:]
	s, idle := SignIns(reqs)
	// The CPU time is terraform's and its provider processes' (reaped children count in its
	// usage): near the wall time, the command was CPU-bound and latency overlapped its work.
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.progress("%s: %s (terraform and provider CPU %s), %s, %d round trips, %d sign-ins (%d without Graph)",
		label, seconds(wall), seconds(cpu), Count(reqs), RoundTrips(reqs), s, idle)
	if r.opts.Verbose {
		for _, line := range Mix(reqs) {
			fmt.Fprintf(r.opts.Progress, "    %s\n", line)
		}
		if len(reqs) <= 40 {
			for _, line := range Timeline(reqs) {
				fmt.Fprintf(r.opts.Progress, "    %s\n", line)
			}
		}
	}
	return reqs, wall, nil
}

// checkTenant makes sure a phase did its work, so that a fast phase is never one that failed
// quietly: after apply the tenant holds the n registrations, after destroy none is left,
// not even in deleted items.
func checkTenant(e *emulator.Emulator, p Phase, n int) error {
	live, deleted := 0, 0
	for _, a := range e.Portal().Applications() {
		if strings.HasPrefix(a.DisplayName, namePrefix) {
			live++
		}
	}
	for _, a := range e.Portal().DeletedApplications() {
		if strings.HasPrefix(a.DisplayName, namePrefix) {
			deleted++
		}
	}
	switch {
	case p == Apply && live != n:
		return fmt.Errorf("the tenant holds %d of the %d registrations", live, n)
	case p == Destroy && live+deleted != 0:
		return fmt.Errorf("the tenant still holds %d registrations and %d in deleted items", live, deleted)
	}
	return nil
}

const namePrefix = "bench-"

// config is the benchmark's configuration: n registrations, signed in as e's bootstrap app.
func config(e *emulator.Emulator, n int) string {
	s := e.Seed()
	return `terraform {
  required_providers {
    stellar = { source = "stellar-migrator/stellar" }
  }
}
` + tfconfig.ProviderBlock(s.TenantID, s.BootstrapClientID, s.BootstrapSecret, e.URL(), e.CAFile()) + fmt.Sprintf(`
resource "stellar_target_registration" "r" {
  count                         = %d
  display_name                  = "%s${count.index}"
  permanently_delete_on_destroy = true
}
`, n, namePrefix)
}

// loadAverage is the 1, 5 and 15 minute load averages, on Linux.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// moduleRoot is the directory of the provider's go.mod, where go build and the scripts run.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the provider's module: run stellar-bench from its checkout")
	}
	return filepath.Dir(gomod), nil
}
